package broker

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/controller"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/nameserver"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// failoverWait bounds every wait of the failover tests: generous, so that a
// loaded machine does not fail them; the measured times are logged.
const failoverWait = 30 * time.Second

// ctrlGroup is an in-process cluster of one nameserver, n controllers and
// m brokers of one group ("broker-a") in controller mode, on 127.0.0.1.
// Brokers and controllers keep their addresses and data across a stop and
// start, as processes restarted on the same host would.
type ctrlGroup struct {
	t  testing.TB
	ns *nameserver.NameServer

	peers     []controller.Peer
	ctrlDirs  []string
	ctrls     []*controller.Controller
	ctrlSrvs  []*remoting.Server
	brokerOpt []Options
	brokers   []*Broker

	// cut blocks the HA connections of the brokers it lists (by index):
	// their dials fail and their open connections are closed.
	cutMu sync.Mutex
	cut   map[int]bool
	stall map[int]bool
	conns map[int][]net.Conn

	client   *remoting.Client
	ctrlScan time.Duration // the controllers' ScanNotActiveBrokerInterval
}

func quietLogger() *slog.Logger {
	if os.Getenv("FAILOVER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.DiscardHandler)
}

func newCtrlGroup(t testing.TB, controllers, brokers int, tweak func(i int, o *Options)) *ctrlGroup {
	t.Helper()
	return newCtrlGroupScan(t, controllers, brokers, 0, tweak)
}

// newCtrlGroupScan is newCtrlGroup with the controllers scanning for dead
// brokers every scan (default 50 ms).
func newCtrlGroupScan(t testing.TB, controllers, brokers int, scan time.Duration, tweak func(i int, o *Options)) *ctrlGroup {
	t.Helper()
	g := &ctrlGroup{t: t, cut: map[int]bool{}, stall: map[int]bool{}, conns: map[int][]net.Conn{},
		client: remoting.NewClient(remoting.ClientOptions{}), ctrlScan: scan}
	// Directories under one made before the cleanup that stops everything,
	// so that they are removed after it.
	base := t.TempDir()
	dir := func() string {
		d, err := os.MkdirTemp(base, "")
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	t.Cleanup(g.close)
	g.ns = nameserver.New(&nameserver.Options{Logger: quietLogger(), KVConfigPath: filepath.Join(base, "kvConfig.json")})
	if err := g.ns.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	for i := range controllers {
		g.peers = append(g.peers, controller.Peer{ID: fmt.Sprintf("n%d", i), Addr: testkit.LowPortAddr(t), RaftAddr: testkit.LowPortAddr(t)})
		g.ctrlDirs = append(g.ctrlDirs, dir())
	}
	g.ctrls = make([]*controller.Controller, controllers)
	g.ctrlSrvs = make([]*remoting.Server, controllers)
	for i := range controllers {
		g.startController(i)
	}
	var ctrlAddrs []string
	for _, p := range g.peers {
		ctrlAddrs = append(ctrlAddrs, p.Addr)
	}
	g.brokers = make([]*Broker, brokers)
	for i := range brokers {
		o := Options{
			ListenAddr: testkit.LowPortAddr(t), HAListenAddr: testkit.LowPortAddr(t), DataDir: dir(),
			NameServers: []string{g.ns.Addr()}, BrokerName: "broker-a", ClusterName: "FailoverCluster",
			RegisterInterval: time.Second, SyncReplicationTimeout: 3 * time.Second, SlaveSyncInterval: 200 * time.Millisecond,
			Logger: quietLogger().With("broker", i),
			Store: store.Options{
				CommitLog:                commitlog.Options{FileSize: 4 << 20, MaxMessageSize: 1 << 20},
				ConsumeQueueUnitsPerFile: 10000, IndexSlotCount: 1000, IndexMaxEntries: 40000,
				CleanResourceInterval: -1, DelayLevels: strings.Repeat("100ms ", 18),
			},
			Controller: ControllerOptions{
				Enable: true, Addrs: ctrlAddrs,
				HeartbeatInterval: 100 * time.Millisecond, HeartbeatTimeout: time.Second,
				MaxTimeSlaveNotCatchup: 3 * time.Second, CheckSyncStateSetInterval: 100 * time.Millisecond,
			},
		}
		o.Controller.HADial = g.dialer(i)
		if tweak != nil {
			tweak(i, &o)
		}
		g.brokerOpt = append(g.brokerOpt, o)
	}
	for i := range brokers {
		g.startBroker(i)
	}
	return g
}

func (g *ctrlGroup) startController(i int) {
	g.t.Helper()
	srv := remoting.NewServer(remoting.ServerOptions{})
	if err := srv.Listen(g.peers[i].Addr); err != nil {
		g.t.Fatal(err)
	}
	c, err := controller.New(controller.Options{
		ID: g.peers[i].ID, Peers: g.peers, DataDir: g.ctrlDirs[i], Server: srv,
		ScanNotActiveBrokerInterval: cmp.Or(g.ctrlScan, 50*time.Millisecond), BrokerHeartbeatTimeout: time.Second,
		ApplyTimeout: 3 * time.Second, NotifyTimeout: time.Second,
		Raft: controller.RaftTimings{HeartbeatTimeout: 300 * time.Millisecond, ElectionTimeout: 300 * time.Millisecond,
			LeaderLeaseTimeout: 150 * time.Millisecond, CommitTimeout: 5 * time.Millisecond},
		Logger: quietLogger().With("controller", i),
	})
	if err != nil {
		srv.Close()
		g.t.Fatalf("start controller %d: %v", i, err)
	}
	g.ctrls[i], g.ctrlSrvs[i] = c, srv
}

func (g *ctrlGroup) stopController(i int) {
	if g.ctrls[i] != nil {
		g.ctrls[i].Close()
		g.ctrlSrvs[i].Close()
		g.ctrls[i], g.ctrlSrvs[i] = nil, nil
	}
}

// leaderController is the index of the raft leader, -1 when none leads.
func (g *ctrlGroup) leaderController() int {
	for i, c := range g.ctrls {
		if c != nil && c.IsLeader() {
			return i
		}
	}
	return -1
}

func (g *ctrlGroup) startBroker(i int) {
	g.t.Helper()
	o := g.brokerOpt[i]
	b, err := New(&o)
	if err != nil {
		g.t.Fatalf("broker %d: %v", i, err)
	}
	if err := b.Start(); err != nil {
		b.Close()
		g.t.Fatalf("start broker %d: %v", i, err)
	}
	g.brokers[i] = b
}

// stopBroker closes broker i, as a stopped process.
func (g *ctrlGroup) stopBroker(i int) {
	if b := g.brokers[i]; b != nil {
		g.brokers[i] = nil
		b.Close()
	}
}

func (g *ctrlGroup) close() {
	for i := range g.brokers {
		g.stopBroker(i)
	}
	for i := range g.ctrls {
		g.stopController(i)
	}
	g.ns.Close()
	g.client.Close()
}

// dialer is broker i's HA dial: refused while i is cut off.
func (g *ctrlGroup) dialer(i int) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		g.cutMu.Lock()
		defer g.cutMu.Unlock()
		if g.cut[i] {
			return nil, fmt.Errorf("test: broker %d is cut off from its master", i)
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		g.conns[i] = append(g.conns[i], conn)
		return &stallConn{Conn: conn, stalled: func() bool { return g.isStalled(i) }}, nil
	}
}

// stallConn holds back what the master sends while stalled: the slave
// stays connected and keeps reporting, but receives nothing.
type stallConn struct {
	net.Conn
	stalled func() bool
	closed  atomic.Bool
}

// Read holds back bytes while stalled, those of a read that was waiting
// when the stall began included, until the connection is closed.
func (c *stallConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	for c.stalled() && !c.closed.Load() {
		time.Sleep(5 * time.Millisecond)
	}
	return n, err
}

func (c *stallConn) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}

func (g *ctrlGroup) isStalled(i int) bool {
	g.cutMu.Lock()
	defer g.cutMu.Unlock()
	return g.stall[i]
}

// stallHA holds back (or lets through) what broker i receives from its
// master.
func (g *ctrlGroup) stallHA(i int, stall bool) {
	g.cutMu.Lock()
	defer g.cutMu.Unlock()
	g.stall[i] = stall
}

// cutHA blocks (or restores) broker i's replication from its master.
func (g *ctrlGroup) cutHA(i int, cut bool) {
	g.cutMu.Lock()
	defer g.cutMu.Unlock()
	g.cut[i] = cut
	if cut {
		for _, c := range g.conns[i] {
			c.Close()
		}
		g.conns[i] = nil
	}
}

// master is the index of the running broker that acts as master, -1 when
// none does.
func (g *ctrlGroup) master() int {
	for i, b := range g.brokers {
		if b != nil && b.isMaster() {
			return i
		}
	}
	return -1
}

// waitMaster waits until a running broker other than not is master and the
// nameserver routes topic to it, and returns its index.
func (g *ctrlGroup) waitMaster(topic string, not int) int {
	g.t.Helper()
	m := -1
	awaitCond(g.t, failoverWait, "a master routed to", func() bool {
		m = g.master()
		return m >= 0 && m != not && g.routedMaster(topic) == g.brokers[m].Addr()
	})
	return m
}

// routedMaster is the address the nameserver gives clients for topic's
// broker-a master ("" without one).
func (g *ctrlGroup) routedMaster(topic string) string {
	route, ok := g.ns.Routes().TopicRoute(topic)
	if !ok {
		return ""
	}
	for _, bd := range route.BrokerDatas {
		if bd.BrokerName == "broker-a" {
			return bd.BrokerAddrs[0]
		}
	}
	return ""
}

// syncStateSet is the controller leader's view of broker-a.
func (g *ctrlGroup) syncStateSet() (controller.Group, bool) {
	if l := g.leaderController(); l >= 0 {
		if gr, ok := g.ctrls[l].Groups()["broker-a"]; ok {
			return *gr, true
		}
	}
	return controller.Group{}, false
}

// send sends one message to addr; it returns the response code, or -1 when
// the request failed.
func (g *ctrlGroup) send(addr, topic string, queue int32, body string) int16 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := g.client.InvokeSync(ctx, addr, sendRequest(topic, queue, body, body))
	if err != nil {
		return -1
	}
	return resp.Code
}

// bodies reads every message of topic on broker i, as its consumers see
// them (what is dispatched).
func (g *ctrlGroup) bodies(i int, topic string, queues int32) map[string]bool {
	g.t.Helper()
	st := g.brokers[i].store
	got := map[string]bool{}
	for q := range queues {
		for offset := int64(0); ; {
			r, err := st.GetMessage("verify", topic, q, offset, 64, nil)
			if err != nil {
				g.t.Fatal(err)
			}
			for _, e := range r.Messages {
				rec, err := message.Decode(e.Bytes, true)
				if err != nil {
					g.t.Fatalf("broker %d: record at %d: %v", i, e.Offset, err)
				}
				got[string(rec.Body)] = true
			}
			next, n := r.NextBeginOffset, len(r.Messages)
			r.Release()
			if n == 0 || next <= offset {
				break
			}
			offset = next
		}
	}
	return got
}

// logBodies is the body of every record in broker i's commit log.
func (g *ctrlGroup) logBodies(i int) map[string]bool {
	g.t.Helper()
	it := g.brokers[i].store.CommitLog().NewIterator(g.brokers[i].store.CommitLog().MinOffset(), true)
	defer it.Close()
	got := map[string]bool{}
	for it.Next() {
		got[string(it.Record().Body)] = true
	}
	if err := it.Err(); err != nil {
		g.t.Fatalf("broker %d: %v", i, err)
	}
	return got
}

// epochFileOf is broker i's epoch file path.
func (g *ctrlGroup) epochFileOf(i int) string {
	return filepath.Join(g.brokerOpt[i].DataDir, "store", "epochFileCheckpoint")
}

// awaitCond polls cond until it holds, failing the test after within.
func awaitCond(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
