package controller

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/remoting"
)

// Test timings: short raft timers and heartbeats, generous waits.
const (
	testScan      = 20 * time.Millisecond
	testHBTimeout = 600 * time.Millisecond
	testHBEvery   = 100 * time.Millisecond
	testWait      = 20 * time.Second
)

func testLogger() *slog.Logger {
	if os.Getenv("CONTROLLER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(discard{}, nil))
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// cluster is n in-process controllers on 127.0.0.1, each with its own
// remoting server and raft listener, that tests stop and restart.
type cluster struct {
	t     testing.TB
	peers []Peer
	dirs  []string
	mod   func(*Options)

	mu      sync.Mutex
	ctrls   []*Controller
	servers []*remoting.Server
}

func newCluster(t testing.TB, n int, mod func(*Options)) *cluster {
	t.Helper()
	cl := &cluster{t: t, mod: mod, ctrls: make([]*Controller, n), servers: make([]*remoting.Server, n)}
	lns := make([]net.Listener, n)
	// Ports below the ephemeral range: a stopped controller restarts on
	// its old addresses, which no other process's port-0 listener or
	// outgoing connection can be given meanwhile.
	for i := range n {
		srv := remoting.NewServer(remoting.ServerOptions{})
		if err := srv.Listen(testkit.LowPortAddr(t)); err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", testkit.LowPortAddr(t))
		if err != nil {
			t.Fatal(err)
		}
		cl.servers[i], lns[i] = srv, ln
		cl.peers = append(cl.peers, Peer{ID: fmt.Sprintf("n%d", i), Addr: srv.Addr(), RaftAddr: ln.Addr().String()})
		cl.dirs = append(cl.dirs, t.TempDir())
	}
	for i := range n {
		cl.startWith(i, cl.servers[i], lns[i])
	}
	t.Cleanup(func() {
		for i := range n {
			cl.stop(i)
		}
	})
	return cl
}

func (cl *cluster) options(i int) Options {
	o := Options{
		ID: cl.peers[i].ID, Peers: cl.peers, DataDir: cl.dirs[i],
		ScanNotActiveBrokerInterval: testScan, BrokerHeartbeatTimeout: testHBTimeout,
		ApplyTimeout: 3 * time.Second, NotifyTimeout: time.Second,
		Raft:   RaftTimings{HeartbeatTimeout: 300 * time.Millisecond, ElectionTimeout: 300 * time.Millisecond, LeaderLeaseTimeout: 150 * time.Millisecond, CommitTimeout: 5 * time.Millisecond},
		Logger: testLogger().With("peer", cl.peers[i].ID),
	}
	if cl.mod != nil {
		cl.mod(&o)
	}
	return o
}

func (cl *cluster) startWith(i int, srv *remoting.Server, ln net.Listener) {
	cl.t.Helper()
	o := cl.options(i)
	o.Server, o.RaftListener = srv, ln
	c, err := New(o)
	if err != nil {
		cl.t.Fatalf("start controller %d: %v", i, err)
	}
	cl.mu.Lock()
	cl.ctrls[i], cl.servers[i] = c, srv
	cl.mu.Unlock()
}

// start restarts a stopped controller on its old addresses and data.
func (cl *cluster) start(i int) {
	cl.t.Helper()
	srv := remoting.NewServer(remoting.ServerOptions{})
	if err := srv.Listen(cl.peers[i].Addr); err != nil {
		cl.t.Fatal(err)
	}
	ln, err := net.Listen("tcp", cl.peers[i].RaftAddr)
	if err != nil {
		cl.t.Fatal(err)
	}
	cl.startWith(i, srv, ln)
}

// stop closes controller i and its server, as if its process died.
func (cl *cluster) stop(i int) {
	cl.mu.Lock()
	c, srv := cl.ctrls[i], cl.servers[i]
	cl.ctrls[i], cl.servers[i] = nil, nil
	cl.mu.Unlock()
	if srv != nil {
		if err := srv.Close(); err != nil {
			cl.t.Errorf("close server %d: %v", i, err)
		}
	}
	if c != nil {
		if err := c.Close(); err != nil {
			cl.t.Errorf("close controller %d: %v", i, err)
		}
	}
}

func (cl *cluster) ctrl(i int) *Controller {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.ctrls[i]
}

func (cl *cluster) addrs() []string {
	var out []string
	for _, p := range cl.peers {
		out = append(out, p.Addr)
	}
	return out
}

// leader waits for exactly one running controller to be ready as leader.
func (cl *cluster) leader() int {
	cl.t.Helper()
	idx := -1
	waitFor(cl.t, "one controller leader", func() bool {
		idx = -1
		n := 0
		for i := range cl.peers {
			if c := cl.ctrl(i); c != nil && c.IsLeader() {
				idx, n = i, n+1
			}
		}
		return n == 1
	})
	return idx
}

// group returns the leader's copy of a group (nil when absent).
func (cl *cluster) group(name string) *Group {
	cl.t.Helper()
	return cl.ctrl(cl.leader()).Groups()[name]
}

// waitFor polls cond until it holds or testWait passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	t.Cleanup(cancel)
	return ctx
}

// fakeBroker is a broker's controller-mode side without a store: it
// registers, heartbeats with an epoch and max offset the test sets, follows
// the master it learns from answers and pushes, and counts pushes.
type fakeBroker struct {
	t       testing.TB
	cluster string
	name    string
	addr    string
	server  *remoting.Server
	pool    *remoting.Pool
	client  *Client
	id      int64

	maxOffset atomic.Int64
	beating   atomic.Bool

	mu     sync.Mutex
	known  MasterInfo // highest master epoch seen
	pushes []MasterInfo

	done chan struct{}
	wg   sync.WaitGroup
}

func newFakeBroker(t testing.TB, controllers []string, name string, maxOffset int64) *fakeBroker {
	t.Helper()
	b := &fakeBroker{t: t, cluster: "DefaultCluster", name: name, pool: remoting.NewPool(1, 16), done: make(chan struct{})}
	b.maxOffset.Store(maxOffset)
	b.server = remoting.NewServer(remoting.ServerOptions{})
	b.server.Handle(remoting.RequestNotifyBrokerRoleChanged, b.pool, func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
		mi, err := ParseRoleChange(req)
		if err != nil {
			return remoting.NewResponse(req, remoting.ResponseSystemError, err.Error())
		}
		b.mu.Lock()
		b.pushes = append(b.pushes, mi)
		b.mu.Unlock()
		b.learn(mi)
		return remoting.NewResponse(req, remoting.ResponseSuccess, "")
	})
	if err := b.server.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	b.addr = b.server.Addr()
	b.client = NewClient(ClientOptions{Controllers: controllers, AttemptTimeout: time.Second, Logger: testLogger()})
	t.Cleanup(b.close)
	return b
}

// register registers the broker and, when the group has no master, asks
// to be elected, as a RocketMQ broker does at start.
func (b *fakeBroker) register() {
	b.t.Helper()
	ctx := testCtx(b.t)
	id, mi, err := b.client.Register(ctx, RegisterRequest{ClusterName: b.cluster, BrokerName: b.name, BrokerAddress: b.addr, HAAddress: "ha-" + b.addr})
	if err != nil {
		b.t.Fatalf("register %s: %v", b.addr, err)
	}
	b.id = id
	b.learn(mi)
	b.heartbeat() // be alive before asking for an election
	if mi.MasterBrokerID == 0 {
		mi, err := b.client.ElectMaster(ctx, ElectRequest{ClusterName: b.cluster, BrokerName: b.name, BrokerID: id})
		if err != nil && !errorsIsAny(err, ErrMasterStillExist) {
			b.t.Fatalf("elect at start %d: %v", id, err)
		}
		b.learn(mi)
	}
	b.beating.Store(true)
	b.wg.Go(b.heartbeatLoop)
}

func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if e, ok := err.(*Error); ok && e.Is(t) {
			return true
		}
	}
	return false
}

func (b *fakeBroker) heartbeat() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	b.mu.Lock()
	epoch := b.known.MasterEpoch
	b.mu.Unlock()
	mi, err := b.client.Heartbeat(ctx, HeartbeatRequest{ClusterName: b.cluster, BrokerName: b.name, BrokerAddr: b.addr,
		BrokerID: b.id, Epoch: epoch, MaxOffset: b.maxOffset.Load(), Timeout: testHBTimeout, HAAddress: "ha-" + b.addr})
	if err == nil {
		b.learn(mi)
	}
}

func (b *fakeBroker) heartbeatLoop() {
	t := time.NewTicker(testHBEvery)
	defer t.Stop()
	for {
		select {
		case <-b.done:
			return
		case <-t.C:
			if b.beating.Load() {
				b.heartbeat()
			}
		}
	}
}

// learn takes mi when it is newer than what the broker knows.
func (b *fakeBroker) learn(mi MasterInfo) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if mi.MasterEpoch > b.known.MasterEpoch {
		b.known = mi
	}
}

func (b *fakeBroker) master() MasterInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.known
}

func (b *fakeBroker) isMaster() bool { return b.master().MasterBrokerID == b.id }

// pushed reports whether a push announced master id at epoch.
func (b *fakeBroker) pushed(id int64, epoch int32) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.pushes {
		if p.MasterBrokerID == id && p.MasterEpoch == epoch {
			return true
		}
	}
	return false
}

// kill stops heartbeats and closes the broker's connections, as a crash.
func (b *fakeBroker) kill() {
	b.beating.Store(false)
	if err := b.client.Close(); err != nil {
		b.t.Errorf("close client: %v", err)
	}
}

func (b *fakeBroker) close() {
	select {
	case <-b.done:
		return
	default:
	}
	close(b.done)
	b.wg.Wait()
	b.client.Close()
	b.server.Close()
	b.pool.Close()
}

// newGroup starts n fake brokers of group name; the first registered is
// the master. Offsets are given per broker.
func newGroup(t testing.TB, cl *cluster, name string, offsets ...int64) []*fakeBroker {
	t.Helper()
	var bs []*fakeBroker
	for _, off := range offsets {
		b := newFakeBroker(t, cl.addrs(), name, off)
		b.register()
		bs = append(bs, b)
	}
	return bs
}

// expand has the master put every given broker into the SyncStateSet.
func expand(t testing.TB, master *fakeBroker, ids ...int64) SyncStateSet {
	t.Helper()
	mi := master.master()
	set, err := master.client.AlterSyncStateSet(testCtx(t), AlterSyncStateSetRequest{BrokerName: master.name,
		MasterBrokerID: master.id, MasterEpoch: mi.MasterEpoch,
		NewSet: SyncStateSet{SyncStateSet: append([]int64{master.id}, ids...), SyncStateSetEpoch: mi.SyncStateSet.SyncStateSetEpoch}})
	if err != nil {
		t.Fatalf("expand SyncStateSet: %v", err)
	}
	return set
}
