package compat

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/nameserver"
)

var (
	rocketstoreOnce sync.Once
	rocketstorePath string
	rocketstoreErr  error
)

// rocketstoreBinary builds cmd/rocketstore once (without the race detector:
// these processes are killed, not watched).
func rocketstoreBinary(t *testing.T) string {
	t.Helper()
	rocketstoreOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		dir, err := os.MkdirTemp("", "rocketstore-bin")
		if err != nil {
			rocketstoreErr = err
			return
		}
		rocketstorePath = filepath.Join(dir, "rocketstore")
		cmd := exec.Command(goTool, "build", "-o", rocketstorePath, "github.com/rocketstore/rocketstore/cmd/rocketstore")
		if out, err := cmd.CombinedOutput(); err != nil {
			rocketstoreErr = fmt.Errorf("%v: %s", err, out)
		}
	})
	if rocketstoreErr != nil {
		t.Fatalf("building rocketstore: %v", rocketstoreErr)
	}
	return rocketstorePath
}

// controllerModeCluster is a nameserver in this process, three controller
// processes and, for each broker group named, three broker processes in
// controller mode.
type controllerModeCluster struct {
	ns          *nameserver.NameServer
	ctrls       []*driver
	brokers     []*driver
	brokerArgs  [][]string
	brokerAddr  []string
	brokerGroup []string
}

func startControllerModeCluster(t *testing.T, groups ...string) *controllerModeCluster {
	t.Helper()
	bin := rocketstoreBinary(t)
	base := t.TempDir()
	c := &controllerModeCluster{ns: nameserver.New(&nameserver.Options{KVConfigPath: filepath.Join(base, "kv.json")})}
	if err := c.ns.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.ns.Close() })
	var peers, ctrlAddrs []string
	for i := range 3 {
		addr := testkit.LowPortAddr(t)
		ctrlAddrs = append(ctrlAddrs, addr)
		peers = append(peers, fmt.Sprintf("n%d=%s/%s", i, addr, testkit.LowPortAddr(t)))
	}
	for i := range 3 {
		d := startProgram(t, bin, "controller", "-id", fmt.Sprintf("n%d", i), "-peers", strings.Join(peers, ","),
			"-data", filepath.Join(base, fmt.Sprintf("controller%d", i)), "-scan-interval", "100ms", "-broker-timeout", "2s")
		d.waitUntil(t, 60*time.Second, "the controller to start", hasPrefix("rocketstore: controller"))
		c.ctrls = append(c.ctrls, d)
	}
	for i := range 3 * len(groups) {
		group := groups[i/3]
		addr, ha := testkit.LowPortAddr(t), testkit.LowPortAddr(t)
		_, haPort, _ := net.SplitHostPort(ha)
		conf := filepath.Join(base, fmt.Sprintf("broker%d.conf", i))
		body := fmt.Sprintf("enableControllerMode=true\ncontrollerAddr=%s\nhaListenPort=%s\nbrokerRole=SYNC_MASTER\n"+
			"brokerHeartbeatInterval=200\ncontrollerHeartBeatTimeoutMills=2000\nhaMaxTimeSlaveNotCatchup=3000\ncheckSyncStateSetPeriod=200\n"+
			"mapedFileSizeCommitLog=16777216\n", strings.Join(ctrlAddrs, ";"), haPort)
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		c.brokerAddr, c.brokerGroup = append(c.brokerAddr, addr), append(c.brokerGroup, group)
		c.brokerArgs = append(c.brokerArgs, []string{"broker", "-listen", addr, "-namesrv", c.ns.Addr(),
			"-data", filepath.Join(base, fmt.Sprintf("broker%d", i)), "-name", group, "-cluster", "CompatControllerMode", "-config", conf})
		c.brokers = append(c.brokers, nil)
		c.startBroker(t, i)
	}
	return c
}

func (c *controllerModeCluster) startBroker(t *testing.T, i int) {
	t.Helper()
	d := startProgram(t, rocketstoreBinary(t), c.brokerArgs[i]...)
	d.waitUntil(t, 60*time.Second, "the broker to start", hasPrefix("rocketstore: broker"))
	c.brokers[i] = d
}

// master is the master of group the nameserver routes to, and its index.
func (c *controllerModeCluster) master(group string) (string, int) {
	if bd, ok := c.ns.Routes().ClusterInfo().BrokerAddrTable[group]; ok {
		for i, a := range c.brokerAddr {
			if a == bd.BrokerAddrs[0] {
				return a, i
			}
		}
	}
	return "", -1
}

func hasPrefix(prefix string) func([]string) bool {
	return func(lines []string) bool {
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return true
			}
		}
		return false
	}
}

// sentBodies are the bodies acknowledged with SEND_OK.
func sentBodies(lines []string) []string {
	var out []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "SENT" {
			out = append(out, f[1])
		}
	}
	return out
}

// TestClientsCarryOnThroughAFailover: rocketmq-client-go producers write
// with SYNC replication to a group of three brokers in controller mode;
// the master is killed with SIGKILL. A slave of the SyncStateSet takes
// over, the producer carries on once its routes show the new master
// (rocketmq-client-go refreshes them every 30 s), the old master comes back
// as a slave, and a consumer then receives every message acknowledged
// before and after the switch.
func TestClientsCarryOnThroughAFailover(t *testing.T) {
	t.Parallel()
	c := startControllerModeCluster(t, "broker-a")
	deadline := time.Now().Add(time.Minute)
	for {
		if addr, _ := c.master("broker-a"); addr != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no master routed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	ns := c.ns.Addr()
	p := startDriver(t, "send-loop", "-ns", ns, "-topic", "ControllerFailover", "-prefix", "fo")
	p.waitUntil(t, time.Minute, "200 acknowledged sends", func(l []string) bool { return len(sentBodies(l)) >= 200 })
	old, oi := c.master("broker-a")
	before := len(sentBodies(p.snapshot()))
	killed := time.Now()
	c.brokers[oi].cmd.Process.Signal(syscall.SIGKILL)
	var switched time.Duration
	for {
		if addr, _ := c.master("broker-a"); addr != "" && addr != old {
			switched = time.Since(killed)
			break
		}
		if time.Since(killed) > 10*time.Second {
			t.Fatal("no new master routed within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.waitUntil(t, 90*time.Second, "sends acknowledged by the new master", func(l []string) bool {
		return len(sentBodies(l)) >= before+200
	})
	t.Logf("new master routed %v after the kill; the producer carried on after %v", switched, time.Since(killed))
	p.stop(t)
	sent := sentBodies(p.snapshot())
	c.startBroker(t, oi)

	cons := startDriver(t, "consume", "-ns", ns, "-topic", "ControllerFailover", "-group", "cg-controller-failover")
	lines := cons.waitUntil(t, 90*time.Second, "every acknowledged message", func(l []string) bool {
		got := bodies(l)
		for _, b := range sent {
			if got[b] == 0 {
				return false
			}
		}
		return true
	})
	cons.stop(t)
	t.Logf("%d acknowledged messages (%d before the kill) all consumed; %d deliveries", len(sent), before, len(received(lines)))
}

// sentTo counts the acknowledged sends by broker group.
func sentTo(lines []string) map[string]int {
	m := map[string]int{}
	for _, l := range lines {
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "SENT" {
			m[f[2]]++
		}
	}
	return m
}

// TestScaleOutAcrossBrokerGroups: two broker groups in controller mode
// behind one nameserver, a topic's queues on both; a producer writes to
// every queue and two consumers of one group share the queues of both
// groups. Killing group a's master moves only a's queues: b's master stays,
// sends to b go on meanwhile, and every acknowledged message is consumed.
func TestScaleOutAcrossBrokerGroups(t *testing.T) {
	t.Parallel()
	c := startControllerModeCluster(t, "broker-a", "broker-b")
	deadline := time.Now().Add(time.Minute)
	for {
		a, _ := c.master("broker-a")
		b, _ := c.master("broker-b")
		if a != "" && b != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no masters routed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	ns := c.ns.Addr()
	// The topic on both groups' masters (mqadmin updateTopic -c), so that
	// its queues are on both from the first route a client reads.
	for _, group := range []string{"broker-a", "broker-b"} {
		addr, _ := c.master(group)
		runDriver(t, "create-topic", "-ns", ns, "-broker-addr", addr, "-topic", "ScaleOut", "-queues", "4")
	}
	deadline = time.Now().Add(time.Minute)
	for {
		if route, ok := c.ns.Routes().TopicRoute("ScaleOut"); ok && len(route.BrokerDatas) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the topic is not routed to both groups")
		}
		time.Sleep(50 * time.Millisecond)
	}
	p := startDriver(t, "send-loop", "-ns", ns, "-topic", "ScaleOut", "-prefix", "so")
	p.waitUntil(t, time.Minute, "sends to both groups", func(l []string) bool {
		n := sentTo(l)
		return n["broker-a"] >= 50 && n["broker-b"] >= 50
	})
	var consumers []*driver
	for _, name := range []string{"c1", "c2"} {
		d := startDriver(t, "consume", "-ns", ns, "-topic", "ScaleOut", "-group", "cg-scale-out", "-instance", name)
		d.waitUntil(t, time.Minute, "the consumer to start", hasPrefix("READY"))
		consumers = append(consumers, d)
	}
	bMaster, _ := c.master("broker-b")
	aMaster, ai := c.master("broker-a")
	toB := sentTo(p.snapshot())["broker-b"]
	c.brokers[ai].cmd.Process.Signal(syscall.SIGKILL)
	p.waitUntil(t, 10*time.Second, "sends to broker-b while broker-a fails over", func(l []string) bool {
		return sentTo(l)["broker-b"] > toB+20
	})
	toA := sentTo(p.snapshot())["broker-a"]
	p.waitUntil(t, 90*time.Second, "sends to broker-a's new master", func(l []string) bool {
		return sentTo(l)["broker-a"] > toA+50
	})
	if a, _ := c.master("broker-a"); a == aMaster || a == "" {
		t.Fatalf("broker-a's master is %q after its master %s was killed", a, aMaster)
	}
	if b, _ := c.master("broker-b"); b != bMaster {
		t.Fatalf("broker-b's master moved from %s to %s when broker-a's died", bMaster, b)
	}
	p.stop(t)
	sent := sentBodies(p.snapshot())
	all := func() map[string]int {
		m := map[string]int{}
		for _, d := range consumers {
			for b, n := range bodies(d.snapshot()) {
				m[b] += n
			}
		}
		return m
	}
	deadline = time.Now().Add(90 * time.Second)
	for {
		got, missing := all(), 0
		for _, b := range sent {
			if got[b] == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged messages not consumed", missing, len(sent))
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, d := range consumers {
		if len(received(d.snapshot())) == 0 {
			t.Fatal("a consumer of the group got nothing: the queues were not shared")
		}
		d.stop(t)
	}
	t.Logf("%d acknowledged sends (%v by group) all consumed by two consumers", len(sent), sentTo(p.snapshot()))
}
