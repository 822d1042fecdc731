package compat

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/broker"
	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/nameserver"
	"github.com/rocketstore/rocketstore/store"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rocketstore-compat")
	if err != nil {
		panic(err)
	}
	code := 1
	if driverPath, err = buildDriver(dir); err != nil {
		fmt.Fprintln(os.Stderr, "compat: building the client driver:", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// cluster is a nameserver and a broker on 127.0.0.1.
type cluster struct {
	ns     *nameserver.NameServer
	broker *broker.Broker
	opts   broker.Options // the broker's, for startBroker
}

// startCluster starts a nameserver and a broker; configure may change the
// broker's options.
func startCluster(t *testing.T, dataDir string, configure ...func(*broker.Options)) *cluster {
	t.Helper()
	o := broker.Options{DataDir: dataDir}
	for _, f := range configure {
		f(&o)
	}
	return startClusterWith(t, o)
}

// startClusterWith starts a nameserver and a broker with o (on any free
// port unless o says otherwise).
func startClusterWith(t *testing.T, o broker.Options) *cluster {
	t.Helper()
	ns := nameserver.New(nil)
	if err := ns.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if o.ListenAddr == "" {
		o.ListenAddr = "127.0.0.1:0"
	}
	c := &cluster{ns: ns, opts: o}
	t.Cleanup(c.stop)
	c.startBroker(t)
	return c
}

// startBroker starts the cluster's broker (again, after a Close).
func (c *cluster) startBroker(t *testing.T) {
	t.Helper()
	c.broker = c.newBroker(t, c.opts)
}

// newBroker starts a broker registered with the cluster's nameserver, on
// the test sizes and intervals; o sets its address, data, role and name
// (and any option a test needs). It returns once the nameserver lists the
// broker, so that clients find it.
func (c *cluster) newBroker(t *testing.T, o broker.Options) *broker.Broker {
	t.Helper()
	o.NameServers = []string{c.ns.Addr()}
	if o.SlaveSyncInterval == 0 {
		o.SlaveSyncInterval = 200 * time.Millisecond
	}
	if o.TransactionCheckInterval == 0 {
		o.TransactionCheckInterval = 500 * time.Millisecond
	}
	if o.TransactionTimeout == 0 {
		o.TransactionTimeout = 3 * time.Second
	}
	if o.TransactionCheckMax == 0 {
		// A producer reconnects with its next heartbeat (every 30 s):
		// checks must not run out before.
		o.TransactionCheckMax = 300
	}
	o.TraceTopicEnable = true
	if o.FlowControl.WaitTimeInSendQueue == 0 {
		// A loaded test machine can stall a send's worker past RocketMQ's
		// 200 ms; the client would get SYSTEM_BUSY [TIMEOUT_CLEAN_QUEUE],
		// which is tested in package broker, not here.
		o.FlowControl.WaitTimeInSendQueue = 10 * time.Second
	}
	o.Store = store.Options{
		CommitLog:                commitlog.Options{FileSize: 16 << 20},
		ConsumeQueueUnitsPerFile: 10000,
		IndexSlotCount:           10000,
		IndexMaxEntries:          40000,
		CleanResourceInterval:    -1,
		DelayLevels:              strings.Repeat("1s ", 18), // retries and delayed messages come back soon
		MemoryBytes:              o.Store.MemoryBytes,
	}
	b, err := broker.New(&o)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	c.waitForRoute(t, broker.AutoCreateTopicKey, b.Addr())
	return b
}

// waitForRoute waits until the nameserver's route of topic lists
// brokerAddr: a client that looked the topic up earlier would find no
// broker for it ("route info not found").
func (c *cluster) waitForRoute(t *testing.T, topic, brokerAddr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if route, ok := c.ns.Routes().TopicRoute(topic); ok {
			for _, bd := range route.BrokerDatas {
				for _, a := range bd.BrokerAddrs {
					if a == brokerAddr {
						return
					}
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the nameserver has no route of %s to %s", topic, brokerAddr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *cluster) stop() {
	if c.broker != nil {
		c.broker.Close()
		c.broker = nil
	}
	c.ns.Close()
}
