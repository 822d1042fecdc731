package ha

import (
	"errors"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Master serves its Source to slaves: it accepts their connections,
// streams each from the offset it reports, tracks what each acknowledged,
// and lets synchronous puts wait for a slave (WaitReplicated).
type Master struct {
	src  Source
	opts MasterOptions
	log  *slog.Logger

	// mu guards the listener, the closed flag and changes to conns.
	mu     sync.Mutex
	ln     net.Listener
	closed bool
	// conns is the connected slaves, copied on change, so that Notify and
	// the in-sync check, which run on every put, take no lock.
	conns atomic.Pointer[[]*slaveConn]

	transfer transfer
	done     chan struct{} // closed by Close
	wg       sync.WaitGroup
}

// SlaveState describes one connected slave.
type SlaveState struct {
	Addr string // the slave's remote address
	// AckOffset is the last max offset the slave reported, -1 before its
	// first report.
	AckOffset int64
	// InSync is whether AckOffset is within MaxGapNotInSync of the
	// master's max offset.
	InSync bool
}

// NewMaster returns a master serving src; call Listen to accept slaves. A
// nil opts means all defaults.
func NewMaster(src Source, opts *MasterOptions) *Master {
	m := &Master{src: src, opts: opts.withDefaults(), done: make(chan struct{})}
	m.log = m.opts.Logger
	m.conns.Store(new([]*slaveConn))
	return m
}

// Listen starts accepting slaves on addr (host:port; port 0 picks one, see
// Addr). It may be called once.
func (m *Master) Listen(addr string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if m.ln != nil {
		return errors.New("ha: master is already listening")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	m.ln = ln
	m.wg.Go(func() { m.accept(ln) })
	return nil
}

// Addr is the address the master listens on, or "" before Listen.
func (m *Master) Addr() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ln == nil {
		return ""
	}
	return m.ln.Addr().String()
}

// Close stops accepting, closes every slave connection, fails pending
// WaitReplicated calls with ErrClosed, and waits for its goroutines. It
// does not close the Source. Later calls return ErrClosed.
func (m *Master) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	m.closed = true
	close(m.done)
	var err error
	if m.ln != nil {
		err = m.ln.Close()
	}
	for _, c := range *m.conns.Load() {
		c.close(ErrClosed)
	}
	m.mu.Unlock()
	m.wg.Wait()
	return err
}

// Notify wakes every slave's sender at once; call it after an append so
// the new data goes out without waiting for PollInterval.
func (m *Master) Notify() {
	for _, c := range *m.conns.Load() {
		select {
		case c.wake <- struct{}{}:
		default: // already awake or about to be
		}
	}
}

// Slaves describes the connected slaves.
func (m *Master) Slaves() []SlaveState {
	conns := *m.conns.Load()
	max := m.src.MaxOffset()
	out := make([]SlaveState, 0, len(conns))
	for _, c := range conns {
		ack := c.ack.Load()
		out = append(out, SlaveState{Addr: c.addr, AckOffset: ack, InSync: m.inSync(ack, max)})
	}
	return out
}

func (m *Master) inSync(ack, max int64) bool {
	return ack >= 0 && max-ack <= m.opts.MaxGapNotInSync
}

// anyInSync reports whether some connected slave is in sync: the check a
// synchronous put makes before it waits.
func (m *Master) anyInSync() bool {
	max := m.src.MaxOffset()
	for _, c := range *m.conns.Load() {
		if m.inSync(c.ack.Load(), max) {
			return true
		}
	}
	return false
}

func (m *Master) accept(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			select {
			case <-m.done:
				return
			case <-time.After(10 * time.Millisecond): // e.g. out of file descriptors: retry
				continue
			}
		}
		c := newSlaveConn(m, conn)
		if !m.add(c) {
			conn.Close()
			return
		}
		m.log.Info("slave connected", "addr", c.addr)
		m.wg.Go(func() {
			c.serve()
			m.remove(c)
			if !errors.Is(c.err, ErrClosed) {
				m.log.Warn("slave disconnected", "addr", c.addr, "acked", c.ack.Load(), "err", c.err)
			}
		})
	}
}

// add registers c, unless the master is closed.
func (m *Master) add(c *slaveConn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	conns := append(slices.Clone(*m.conns.Load()), c)
	m.conns.Store(&conns)
	return true
}

func (m *Master) remove(c *slaveConn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	conns := slices.DeleteFunc(slices.Clone(*m.conns.Load()), func(x *slaveConn) bool { return x == c })
	m.conns.Store(&conns)
}
