package broker

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/remoting"
)

// fakeSlave connects to addr and reports offset every 10 ms, as a peer
// that acknowledges everything would, until the test ends or the master
// closes it; it says whether the master closed it.
func fakeSlave(t *testing.T, addr string, offset func() int64) (closed func() bool) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { conn.Close(); <-done })
	go func() {
		defer close(done)
		var b [8]byte
		for {
			binary.BigEndian.PutUint64(b[:], uint64(offset()))
			if _, err := conn.Write(b[:]); err != nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
}

// TestASyncMasterCountsOnlyAuthenticatedSlaves: with a cluster secret, a
// peer on the HA port that acknowledges every frame without knowing the
// secret is closed and never makes a send SEND_OK; a slave broker with the
// secret replicates, and then sends are acknowledged.
func TestASyncMasterCountsOnlyAuthenticatedSlaves(t *testing.T) {
	secret := func(o *Options) { o.ClusterSecret = "the-cluster-secret" }
	master := newRoleBroker(t, t.TempDir(), RoleSyncMaster, "", "", secret)
	defer master.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	log := master.store.CommitLog()
	closed := fakeSlave(t, master.HAAddr(), func() int64 { return log.MaxOffset() + 1<<20 })
	for i := range 3 {
		if resp := call(t, cl, master.Addr(), sendRequest("Repl", 0, "m", "k")); resp.Code == remoting.ResponseSuccess {
			t.Fatalf("send %d acknowledged with only a fake slave: %v", i, resp)
		}
	}
	testkit.WaitFor(t, "the master to close the fake slave", closed)

	slave := newRoleBroker(t, t.TempDir(), RoleSlave, master.HAAddr(), master.Addr(), secret)
	defer slave.Close()
	testkit.WaitFor(t, "the slave to catch up", func() bool {
		return slave.store.CommitLog().MaxOffset() == log.MaxOffset()
	})
	if resp := call(t, cl, master.Addr(), sendRequest("Repl", 0, "m", "k")); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("send with an authenticated slave: %v", resp)
	}
	// The slave's syncs, signed with the secret, copy the master's topics.
	testkit.WaitFor(t, "the topic config on the slave", func() bool { _, ok := slave.topics.get("Repl"); return ok })
}
