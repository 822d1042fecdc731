package compat

import (
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/broker"
	"github.com/rocketstore/rocketstore/internal/testkit"
)

// fixedAddr returns a 127.0.0.1 address nothing listens on now, for a
// broker that must come back at the same address: below the ephemeral
// range, so no other process's port-0 listener or outgoing connection
// can be given it while the broker is down.
func fixedAddr(t *testing.T) string { return testkit.LowPortAddr(t) }

func countPrefix(lines []string, prefix string) int {
	n := 0
	for b := range bodies(lines) {
		if strings.HasPrefix(b, prefix) {
			n++
		}
	}
	return n
}

// TestConsumersReadFromTheSlaveWhileTheMasterIsDown stops the master while
// a slow consumer is far behind: the rest comes from the slave, each message
// once; when the master returns, new messages arrive too, and no stored message
// comes twice. (rocketmq-client-go v2.1.2 looks a queue's starting offset up on
// the master only, so a consumer must have started while the master was up.)
func TestConsumersReadFromTheSlaveWhileTheMasterIsDown(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	c.broker.Close() // this test runs its own master and slave
	c.broker = nil
	masterAddr, masterHA, masterDir := fixedAddr(t), fixedAddr(t), t.TempDir()
	startMaster := func() *broker.Broker {
		return c.newBroker(t, broker.Options{ListenAddr: masterAddr, HAListenAddr: masterHA, DataDir: masterDir})
	}
	master := startMaster()
	defer func() { master.Close() }()
	slave := c.newBroker(t, broker.Options{ListenAddr: "127.0.0.1:0", DataDir: t.TempDir(), Role: broker.RoleSlave,
		MasterHAAddr: masterHA, MasterAddr: masterAddr})
	defer slave.Close()

	ns := c.ns.Addr()
	const n = 8000 // one batch, so one queue: far more than the client buffers (1,024 per queue)
	runDriver(t, "send", "-ns", ns, "-topic", "Failover", "-n", "8000", "-mode", "batch", "-prefix", "m")
	deadline := time.Now().Add(30 * time.Second)
	for slave.Store().CommitLog().MaxOffset() < master.Store().CommitLog().MaxOffset() || slave.Store().DispatchBehindBytes() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the slave did not catch up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The consumer looks the topic's route up once as it starts: the master
	// must have registered the topic it created on the first send, and the
	// slave must have copied its config.
	c.waitForRoute(t, "Failover", master.Addr())
	c.waitForRoute(t, "Failover", slave.Addr())
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, ok := slave.TopicConfig("Failover"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the slave did not copy the topic config")
		}
	}

	cons := startDriver(t, "consume", "-ns", ns, "-topic", "Failover", "-group", "cg-failover", "-sleep", "500us")
	cons.waitUntil(t, 60*time.Second, "the first messages", func(l []string) bool { return countPrefix(l, "m-") >= 100 })
	master.Close() // unregisters: routes now list only the slave
	if got := countPrefix(cons.snapshot(), "m-"); got > n-1000 {
		t.Fatalf("the consumer read %d of %d before the master stopped: nothing left for the slave", got, n)
	}
	cons.waitUntil(t, 120*time.Second, "every message", func(l []string) bool { return countPrefix(l, "m-") == n })

	master = startMaster()
	runDriver(t, "send", "-ns", ns, "-topic", "Failover", "-n", "20", "-prefix", "back")
	cons.waitUntil(t, 120*time.Second, "the messages sent after the master returned",
		func(l []string) bool { return countPrefix(l, "back-") == 20 })
	noRedelivery(t, cons.snapshot())
}
