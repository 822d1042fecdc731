package ha

import (
	"errors"
	"fmt"
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
	// handshaking holds the connections not yet admitted (guarded by mu),
	// so that Close can cut their handshakes short.
	handshaking map[net.Conn]struct{}
	refused     refusalLog // refused connections, one line per cause a while

	transfer transfer
	sync     syncSet       // epoch mode
	done     chan struct{} // closed by Close
	wg       sync.WaitGroup
}

// SlaveState describes one connected slave.
type SlaveState struct {
	Addr string // the slave's remote address
	// BrokerID is the id the slave gave in its handshake (epoch mode; 0
	// otherwise).
	BrokerID int64
	// AckOffset is the last max offset the slave reported, -1 before its
	// first report.
	AckOffset int64
	// InSync is whether AckOffset is within MaxGapNotInSync of the
	// master's max offset.
	InSync bool
	// CaughtUpAt is the last time at which the slave held the master's
	// whole log (RocketMQ's lastCaughtUpTime); zero if it never did on this
	// connection. A SyncStateSet member whose CaughtUpAt is older than
	// haMaxTimeSlaveNotCatchup falls out.
	CaughtUpAt time.Time
}

// NewMaster returns a master serving src; call Listen to accept slaves. A
// nil opts means all defaults.
func NewMaster(src Source, opts *MasterOptions) *Master {
	m := &Master{src: src, opts: opts.withDefaults(), done: make(chan struct{}), handshaking: map[net.Conn]struct{}{}}
	m.log = m.opts.Logger
	m.sync.init()
	m.conns.Store(new([]*slaveConn))
	return m
}

// Listen starts accepting slaves on addr (host:port; port 0 picks one, see
// Addr). It may be called once.
func (m *Master) Listen(addr string) error {
	return m.serve(func() (net.Listener, error) { return net.Listen("tcp", addr) })
}

// Serve accepts slaves on ln, instead of Listen; Close closes ln. A broker
// whose role changes at run time keeps one HA port across its terms as
// master and gives each term's Master a view of it.
func (m *Master) Serve(ln net.Listener) error {
	return m.serve(func() (net.Listener, error) { return ln, nil })
}

// serve starts the accept loop on the listener listen gives, once.
func (m *Master) serve(listen func() (net.Listener, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if m.ln != nil {
		return errors.New("ha: master is already listening")
	}
	ln, err := listen()
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
	for conn := range m.handshaking {
		conn.Close()
	}
	m.mu.Unlock()
	m.wg.Wait()
	return err
}

// Notify wakes every slave's sender at once; call it after every append:
// an idle sender sleeps until then (or its next heartbeat).
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
		s := SlaveState{Addr: c.addr, BrokerID: c.brokerID.Load(), AckOffset: ack, InSync: m.inSync(ack, max)}
		if at := c.caughtUp.Load(); at > 0 {
			s.CaughtUpAt = time.Unix(0, at)
		}
		out = append(out, s)
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
		if !m.startHandshake(conn) {
			continue
		}
		m.wg.Go(func() { m.serveConn(conn) })
	}
}

// maxHandshakes bounds the connections being authenticated at once, so
// that peers that connect and say nothing hold a bounded number of
// descriptors, each for at most HandshakeTimeout.
const maxHandshakes = 64

// startHandshake admits conn to the handshake, unless the master is closed
// or too many are under way (then conn is closed, and a line logged).
func (m *Master) startHandshake(conn net.Conn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.closed:
	case len(m.handshaking) >= maxHandshakes:
		m.refused.warn(m.log, "connection refused: too many handshakes under way", "addr", conn.RemoteAddr().String(), "max", maxHandshakes)
	default:
		m.handshaking[conn] = struct{}{}
		return true
	}
	conn.Close()
	return false
}

// serveConn authenticates conn (with a secret), admits it as a slave within
// MaxSlaves, and serves it until it ends.
func (m *Master) serveConn(conn net.Conn) {
	addr := conn.RemoteAddr().String()
	var err error
	if m.opts.Secret != "" {
		err = authenticateSlave(conn, m.opts.Secret, m.opts.HandshakeTimeout)
	}
	m.mu.Lock()
	delete(m.handshaking, conn)
	m.mu.Unlock()
	if err != nil {
		conn.Close()
		m.refused.warn(m.log, "slave refused: authentication failed", "addr", addr, "err", err)
		return
	}
	c := newSlaveConn(m, conn)
	if err := m.add(c); err != nil {
		conn.Close()
		if !errors.Is(err, ErrClosed) {
			m.refused.warn(m.log, "slave refused", "addr", addr, "err", err)
		}
		return
	}
	m.log.Info("slave connected", "addr", c.addr, "authenticated", m.opts.Secret != "")
	c.serve()
	m.remove(c)
	if !errors.Is(c.err, ErrClosed) {
		m.log.Warn("slave disconnected", "addr", c.addr, "acked", c.ack.Load(), "err", c.err)
	}
}

// errTooManySlaves refuses a slave above MaxSlaves.
var errTooManySlaves = errors.New("ha: too many slaves")

// add registers c, unless the master is closed or serves MaxSlaves.
func (m *Master) add(c *slaveConn) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if n := len(*m.conns.Load()); n >= m.opts.MaxSlaves {
		return fmt.Errorf("%w: %d served, MaxSlaves %d", errTooManySlaves, n, m.opts.MaxSlaves)
	}
	conns := append(slices.Clone(*m.conns.Load()), c)
	m.conns.Store(&conns)
	return nil
}

func (m *Master) remove(c *slaveConn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	conns := slices.DeleteFunc(slices.Clone(*m.conns.Load()), func(x *slaveConn) bool { return x == c })
	m.conns.Store(&conns)
	if m.opts.Epochs != nil {
		m.sync.reported(m)
	}
}
