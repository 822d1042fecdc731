package ha

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// errReportBeyondMax, errReportBeyondSent, errReportBack and
// errNegativeReport are the reasons a master rejects a report.
var (
	errReportBeyondMax  = errors.New("slave reports an offset beyond the master's max offset")
	errReportBeyondSent = errors.New("slave reports more than the master streamed to it")
	errReportBack       = errors.New("slave's report went back")
	errNegativeReport   = errors.New("slave reports a negative offset")
	errFirstReport      = errors.New("slave's first report is not where the handshake put it")
)

// slaveConn is the master's side of one slave: a reader of reports and a
// sender of frames, each in its own goroutine.
type slaveConn struct {
	m    *Master
	conn net.Conn
	addr string

	ack   atomic.Int64  // the slave's last report, -1 before the first
	from  atomic.Int64  // where streaming began on this connection, -1 before
	sent  atomic.Int64  // the end of the bytes streamed so far, -1 before
	first chan struct{} // closed at the first report
	wake  chan struct{} // Notify's nudge; buffered 1

	// Epoch mode: the slave's broker id and the offset its first report
	// must name (where the handshake cut its log), -1 in classic mode.
	brokerID    atomic.Int64
	expectFirst int64
	epochs      []EpochEntry // the master's history, with ends, when streaming began
	confirmSent int64        // the confirm offset the last frame carried (the sender's)
	// caughtUp is the last time at which the slave held the master's
	// whole log, as far as its reports tell (unix nanoseconds, 0: never).
	caughtUp atomic.Int64
	sends    sendLog

	closeOnce sync.Once
	done      chan struct{} // closed when the connection is closed
	err       error         // why, set before done is closed

	hdr [headerSize + epochFrameExtra]byte
	vec [2][]byte // header and body, written with one writev
}

func newSlaveConn(m *Master, conn net.Conn) *slaveConn {
	c := &slaveConn{
		m:     m,
		conn:  conn,
		addr:  conn.RemoteAddr().String(),
		first: make(chan struct{}),
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
	c.ack.Store(-1)
	c.from.Store(-1)
	c.sent.Store(-1)
	c.expectFirst = -1
	return c
}

// close ends the connection once, remembering the first reason.
func (c *slaveConn) close(err error) {
	c.closeOnce.Do(func() {
		c.err = err
		close(c.done)
		c.conn.Close()
	})
}

// serve runs the connection until it ends, on either side.
func (c *slaveConn) serve() {
	if c.m.opts.Epochs != nil {
		if err := c.handshake(); err != nil {
			c.close(err)
			return
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { c.close(c.readReports()) })
	c.close(c.send())
	wg.Wait()
}

// readReports reads the slave's reports until the connection fails or a
// report is rejected. The first report says where the slave's log ends;
// each later one counts as an acknowledgement only of the bytes streamed
// on this connection (from, report]: a slave cannot prove it holds the
// master's bytes below the point it connected at (its log may have
// diverged), and a report beyond what was streamed is refused.
func (c *slaveConn) readReports() error {
	var buf [reportSize]byte
	for {
		if err := c.conn.SetReadDeadline(time.Now().Add(c.m.opts.IdleTimeout)); err != nil {
			return err
		}
		if _, err := io.ReadFull(c.conn, buf[:]); err != nil {
			return err
		}
		offset := int64(binary.BigEndian.Uint64(buf[:]))
		prev := c.ack.Load()
		// sent is read before from: the sender stores from first.
		sent := c.sent.Load()
		switch max := c.m.src.MaxOffset(); {
		case offset < 0:
			return badStream(offset, "%w", errNegativeReport)
		case offset > max:
			return badStream(offset, "%w %d", errReportBeyondMax, max)
		case offset < prev:
			return badStream(offset, "%w from %d", errReportBack, prev)
		case prev >= 0 && offset != prev && offset > sent:
			return badStream(offset, "%w: streamed up to %d", errReportBeyondSent, sent)
		case prev < 0 && c.expectFirst >= 0 && offset != c.expectFirst:
			return badStream(offset, "%w: the handshake cut the log to %d", errFirstReport, c.expectFirst)
		}
		c.ack.Store(offset)
		c.noteCaughtUp(offset)
		if prev < 0 {
			close(c.first)
		}
		if from := c.from.Load(); from >= 0 {
			c.m.transfer.ack(from, offset)
		}
		if c.m.opts.Epochs != nil {
			c.m.sync.reported(c.m)
		}
	}
}

// noteCaughtUp records the last time at which the slave held the master's
// whole log (RocketMQ's lastCaughtUpTime): now when it holds it now, else
// the time of the newest frame sent while the master's log ended at or
// below ack. A slave that keeps up under steady load trails by a frame or
// two, and counts as caught up as of those frames.
func (c *slaveConn) noteCaughtUp(ack int64) {
	at := c.sends.caughtUpAt(ack)
	if ack >= c.m.src.MaxOffset() {
		at = time.Now().UnixNano()
	}
	if at > c.caughtUp.Load() {
		c.caughtUp.Store(at)
	}
}

// sendLog remembers, for the last frames sent, when each was sent and
// where the master's log ended then.
type sendLog struct {
	mu   sync.Mutex
	next int
	ring [32]struct{ at, masterMax int64 }
}

func (l *sendLog) add(masterMax int64) {
	l.mu.Lock()
	l.ring[l.next%len(l.ring)] = struct{ at, masterMax int64 }{time.Now().UnixNano(), masterMax}
	l.next++
	l.mu.Unlock()
}

// caughtUpAt is the send time of the newest frame remembered whose
// master's end ack reaches, 0 when none.
func (l *sendLog) caughtUpAt(ack int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := l.next - 1; i >= 0 && i >= l.next-len(l.ring); i-- {
		if e := l.ring[i%len(l.ring)]; e.masterMax <= ack {
			return e.at
		}
	}
	return 0
}

// send streams frames from the slave's first report until the connection
// ends.
func (c *slaveConn) send() error {
	select {
	case <-c.first:
	case <-c.done:
		return nil
	}
	opts := &c.m.opts
	next := c.ack.Load()
	fileSize := int64(c.m.src.FileSize())
	if max := c.m.src.MaxOffset(); next == 0 && max > 0 {
		// A slave with nothing starts at the master's last file, as
		// RocketMQ's does, rather than replaying the whole log.
		next = max - max%fileSize
	}
	c.from.Store(next)
	c.sent.Store(next)
	lastWrite := time.Now()
	if c.m.opts.Epochs != nil {
		c.epochs = Ends(c.m.opts.Epochs.Entries(), math.MaxInt64)
		lastWrite = time.Time{} // the slave learns the epoch and confirm offset at once
	}
	// An idle sender sleeps until Notify (new data), its next heartbeat,
	// or, with PollInterval, its next look.
	heartbeat := time.NewTimer(opts.HeartbeatInterval)
	defer heartbeat.Stop()
	var poll *time.Timer
	var polled <-chan time.Time
	if opts.PollInterval > 0 {
		poll = time.NewTimer(opts.PollInterval)
		defer poll.Stop()
		polled = poll.C
	}
	for {
		if masterMax := c.m.src.MaxOffset(); next < masterMax {
			s, err := c.m.src.ReadRange(next, c.batchAt(next))
			if err != nil {
				return err
			}
			n := len(s.Bytes)
			if n == 0 {
				// The file holding next ended early: its data goes on at
				// the start of the next file.
				s.Release()
				next += fileSize - next%fileSize
				c.sent.Store(next)
				continue
			}
			// Counted as sent before it leaves, so that the slave's
			// report of it never finds the count behind.
			c.sent.Store(next + int64(n))
			c.sends.add(masterMax)
			err = c.write(next, s.Bytes)
			s.Release()
			if err != nil {
				return err
			}
			next += int64(n)
			lastWrite = time.Now()
			continue
		}
		if idle := time.Since(lastWrite); idle >= opts.HeartbeatInterval || c.confirmBehind() {
			if err := c.write(next, nil); err != nil {
				return err
			}
			lastWrite = time.Now()
		}
		heartbeat.Reset(opts.HeartbeatInterval - time.Since(lastWrite))
		if poll != nil {
			poll.Reset(opts.PollInterval)
		}
		select {
		case <-c.done:
			return nil
		case <-c.wake:
		case <-heartbeat.C:
		case <-polled:
		}
	}
}

// write sends one frame: header and body in one vectored write, without
// copying the body out of the mapped file. In epoch mode the header also
// carries the epoch of the bytes and the confirm offset.
func (c *slaveConn) write(offset int64, body []byte) error {
	hdr := c.hdr[:headerSize]
	putHeader((*[headerSize]byte)(hdr), offset, len(body))
	if c.epochs != nil {
		e := epochAt(c.epochs, offset)
		hdr = c.hdr[:]
		c.confirmSent = c.m.wireConfirm()
		putEpochFrame(hdr[headerSize:], epochFrame{epoch: e.Epoch, epochStart: e.StartOffset, confirm: c.confirmSent})
	}
	if err := c.conn.SetWriteDeadline(time.Now().Add(c.m.opts.IdleTimeout)); err != nil {
		return err
	}
	c.vec = [2][]byte{hdr, body}
	bufs := net.Buffers(c.vec[:])
	_, err := bufs.WriteTo(c.conn)
	c.vec = [2][]byte{} // drop the reference to the released body
	return err
}
