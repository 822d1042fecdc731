package ha

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Slave follows a master: it connects, reports its max offset, appends what
// the master streams to its Sink, and reconnects after ReconnectInterval
// whenever the connection ends, resuming from the Sink's max offset.
//
// A slave whose log is empty reports 0, which a master answers from the
// start of its last file, as RocketMQ's does; the slave's log then starts
// there (commitlog.Log's AppendRaw lets an empty log begin at a file
// boundary).
type Slave struct {
	sink Sink
	opts SlaveOptions
	log  *slog.Logger

	ctx    context.Context // cancelled by Close: stops dialing and waiting
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// mu guards the lifecycle flags, the live connection (so Close can
	// unblock its reads) and the last error.
	mu      sync.Mutex
	started bool
	closed  bool
	conn    net.Conn
	lastErr error

	masterOffset atomic.Int64
}

// NewSlave returns a slave appending to sink; call Start to connect.
func NewSlave(sink Sink, opts *SlaveOptions) *Slave {
	s := &Slave{sink: sink, opts: opts.withDefaults()}
	s.log = s.opts.Logger
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Start starts following the master in the background. Calls after the
// first, or after Close, do nothing.
func (s *Slave) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return
	}
	s.started = true
	s.wg.Go(s.run)
}

// Close stops following the master and waits until no append is in
// progress. It does not close the Sink. Later calls return ErrClosed.
func (s *Slave) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.closed = true
	s.cancel()
	if s.conn != nil {
		s.conn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// MasterOffset is the highest offset the master has told this slave about
// (a frame's end): with the Sink's max offset, it measures the lag.
func (s *Slave) MasterOffset() int64 { return s.masterOffset.Load() }

// LastError is the error that ended the last connection or connection
// attempt (a *StreamError when the master sent something invalid), or nil.
func (s *Slave) LastError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

func (s *Slave) run() {
	var lastLogged string // one line per change of cause, not per retry
	for {
		err := s.connectAndFollow()
		s.mu.Lock()
		closed := s.closed
		if !closed {
			s.lastErr = err
		}
		s.mu.Unlock()
		if text := fmt.Sprint(err); !closed && err != nil && text != lastLogged {
			s.log.Warn("replication from the master failed; reconnecting", "master", s.opts.MasterAddr, "err", err)
			lastLogged = text
		}
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(s.opts.ReconnectInterval):
		}
	}
}

func (s *Slave) connectAndFollow() error {
	if s.opts.MasterAddr == "" {
		return errors.New("ha: SlaveOptions.MasterAddr is not set")
	}
	dctx, cancel := context.WithTimeout(s.ctx, s.opts.DialTimeout)
	conn, err := s.opts.Dial(dctx, "tcp", s.opts.MasterAddr)
	cancel()
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		conn.Close()
		return ErrClosed
	}
	s.conn = conn
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.conn = nil
		s.mu.Unlock()
	}()
	if s.opts.Secret != "" {
		if err := authenticateMaster(conn, s.opts.Secret, s.opts.HandshakeTimeout); err != nil {
			conn.Close()
			return err
		}
	}
	return s.follow(conn)
}

// follow runs one connection: the receiver in this goroutine, and a
// reporter that reports at least every ReportInterval.
func (s *Slave) follow(conn net.Conn) error {
	defer conn.Close()
	if s.opts.Epochs != nil {
		if err := s.handshake(conn); err != nil {
			return err
		}
	}
	r := newReceiver(s.sink, &s.opts, &s.masterOffset)
	rep := &reporter{conn: conn, timeout: s.opts.IdleTimeout}
	rep.acked.Store(r.end)
	if err := rep.report(); err != nil {
		return err
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(s.opts.ReportInterval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if rep.report() != nil {
					conn.Close() // ends the receiver's read too
					return
				}
			}
		}
	})
	rd := bufio.NewReaderSize(deadlineReader{conn: conn, timeout: s.opts.IdleTimeout}, readChunk)
	err := r.readFrames(rd, func(end int64) error {
		rep.acked.Store(end)
		return rep.report()
	})
	close(stop)
	conn.Close()
	wg.Wait()
	return err
}

// reporter writes a slave's reports; the receiver (after each append) and
// the ticker share it.
type reporter struct {
	conn    net.Conn
	timeout time.Duration
	acked   atomic.Int64 // the sink's end as last appended

	mu  sync.Mutex // one report on the wire at a time
	buf [reportSize]byte
}

// report sends the latest acked offset. Reading it under mu keeps the
// reports on the wire in order even when the ticker's report races an
// append's: a master takes a report that goes back for a broken slave.
func (r *reporter) report() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	binary.BigEndian.PutUint64(r.buf[:], uint64(r.acked.Load()))
	if err := r.conn.SetWriteDeadline(time.Now().Add(r.timeout)); err != nil {
		return err
	}
	_, err := r.conn.Write(r.buf[:])
	return err
}

// deadlineReader gives every read a fresh deadline, so that a master that
// falls silent (no heartbeat) is noticed.
type deadlineReader struct {
	conn    net.Conn
	timeout time.Duration
}

func (d deadlineReader) Read(p []byte) (int, error) {
	if err := d.conn.SetReadDeadline(time.Now().Add(d.timeout)); err != nil {
		return 0, err
	}
	return d.conn.Read(p)
}
