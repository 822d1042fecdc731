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
	ns        *nameserver.NameServer
	broker    *broker.Broker
	dataDir   string
	configure []func(*broker.Options) // applied to the broker's options at each start
}

// startCluster starts a nameserver and a broker; configure may change the
// broker's options.
func startCluster(t *testing.T, dataDir string, configure ...func(*broker.Options)) *cluster {
	t.Helper()
	ns := nameserver.New(nil)
	if err := ns.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c := &cluster{ns: ns, dataDir: dataDir, configure: configure}
	c.startBroker(t)
	t.Cleanup(c.stop)
	return c
}

func (c *cluster) startBroker(t *testing.T) {
	t.Helper()
	o := broker.Options{ListenAddr: "127.0.0.1:0", DataDir: c.dataDir}
	for _, f := range c.configure {
		f(&o)
	}
	c.broker = c.newBroker(t, o)
}

// newBroker starts a broker registered with the cluster's nameserver, on
// the test sizes; o sets its address, data, role and name.
func (c *cluster) newBroker(t *testing.T, o broker.Options) *broker.Broker {
	t.Helper()
	b, err := broker.New(&broker.Options{
		ListenAddr:           o.ListenAddr,
		HAListenAddr:         o.HAListenAddr,
		NameServers:          []string{c.ns.Addr()},
		DataDir:              o.DataDir,
		Role:                 o.Role,
		BrokerID:             o.BrokerID,
		MasterHAAddr:         o.MasterHAAddr,
		MasterAddr:           o.MasterAddr,
		SlaveSyncInterval:    200 * time.Millisecond,
		EnablePropertyFilter: o.EnablePropertyFilter,
		Store: store.Options{
			CommitLog:                commitlog.Options{FileSize: 16 << 20},
			ConsumeQueueUnitsPerFile: 10000,
			IndexSlotCount:           10000,
			IndexMaxEntries:          40000,
			CleanResourceInterval:    -1,
			DelayLevels:              strings.Repeat("1s ", 18), // retries and delayed messages come back soon
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	return b
}

func (c *cluster) stop() {
	if c.broker != nil {
		c.broker.Close()
		c.broker = nil
	}
	c.ns.Close()
}
