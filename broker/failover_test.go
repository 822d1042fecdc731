package broker

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/ha"
	"github.com/rocketstore/rocketstore/remoting"
)

const failoverTopic = "FailoverTopic"

// waitSyncStateSet waits until the controller's SyncStateSet of broker-a
// has n members and returns it.
func (g *ctrlGroup) waitSyncStateSet(n int) []int64 {
	g.t.Helper()
	var set []int64
	awaitCond(g.t, failoverWait, fmt.Sprintf("a SyncStateSet of %d", n), func() bool {
		gr, ok := g.syncStateSet()
		set = gr.SyncStateSet
		return ok && len(set) == n
	})
	return set
}

// sendAll sends n messages named prefix-i to the routed master and returns
// the ones acknowledged (SUCCESS), failing on any other answer.
func (g *ctrlGroup) sendAll(prefix string, n int) []string {
	g.t.Helper()
	addr := g.routedMaster(failoverTopic)
	if addr == "" {
		addr = g.brokers[g.master()].Addr()
	}
	var acked []string
	for i := range n {
		body := fmt.Sprintf("%s-%d", prefix, i)
		code := g.send(addr, failoverTopic, int32(i%4), body)
		// A busy broker (a slow disk on a loaded machine) stores nothing
		// and says so (SYSTEM_BUSY, or SERVICE_NOT_AVAILABLE to a Go
		// client): the send is tried again, as a client would.
		for try := 0; (code == remoting.ResponseSystemBusy || code == remoting.ResponseServiceNotAvailable) && try < 50; try++ {
			time.Sleep(100 * time.Millisecond)
			code = g.send(addr, failoverTopic, int32(i%4), body)
		}
		if code != remoting.ResponseSuccess {
			g.t.Fatalf("send %s to %s: code %d", body, addr, code)
		}
		acked = append(acked, body)
	}
	return acked
}

// holdsAll fails unless broker i shows every acked message to consumers.
func (g *ctrlGroup) holdsAll(i int, acked []string) {
	g.t.Helper()
	var missing []string
	awaitCond(g.t, failoverWait, fmt.Sprintf("broker %d to show every acknowledged message", i), func() bool {
		got := g.bodies(i, failoverTopic, 4)
		missing = missing[:0]
		for _, a := range acked {
			if !got[a] {
				missing = append(missing, a)
			}
		}
		if len(missing) > 0 && time.Now().Second()%5 == 0 {
			g.t.Logf("broker %d misses %d of %d, e.g. %v; dispatched %d, confirm %d, max %d", i, len(missing), len(acked), missing[:min(3, len(missing))],
				g.brokers[i].store.DispatchedOffset(), g.brokers[i].store.ConfirmOffset(), g.brokers[i].store.CommitLog().MaxOffset())
		}
		return len(missing) == 0
	})
}

// TestControllerModeFailsOverToAnInSyncSlave: three controllers, three
// brokers; the master goes away under SYNC replication, a slave of the
// SyncStateSet takes over within 10 s with every acknowledged message,
// the nameserver routes to it, and the old master comes back as a slave
// that catches up and rejoins the set.
func TestControllerModeFailsOverToAnInSyncSlave(t *testing.T) {
	g := newCtrlGroup(t, 3, 3, nil)
	old := g.waitMaster(AutoCreateTopicKey, -1)
	g.waitSyncStateSet(3)
	acked := g.sendAll("before", 100)

	start := time.Now()
	g.stopBroker(old)
	m := g.waitMaster(AutoCreateTopicKey, old)
	took := time.Since(start)
	t.Logf("new master %d routed %v after the old one stopped", m, took)
	if took > 10*time.Second {
		t.Fatalf("failover took %v", took)
	}
	acked = append(acked, g.sendAll("after", 100)...)
	g.holdsAll(m, acked)

	g.startBroker(old)
	g.waitFollows(old, m)
	g.waitSyncStateSet(3)
	g.holdsAll(old, acked)
	if a, b := readEpochs(t, g.epochFileOf(old)), readEpochs(t, g.epochFileOf(m)); !slices.Equal(a, b) {
		t.Fatalf("epoch histories differ: old master %v, new master %v", a, b)
	}
}

func readEpochs(t testing.TB, path string) []ha.EpochEntry {
	t.Helper()
	f, err := ha.OpenEpochFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f.Entries()
}

// TestControllerModeDemotedMasterTruncates: the master writes records its
// slaves never get (their replication stalls; the sends time out), then
// dies; a slave of the SyncStateSet takes over and writes on. The old
// master comes back as a slave: it cuts its log back to where the terms
// split, its log becomes a byte copy of the new master's, and no record
// the new master never had is ever shown to consumers.
func TestControllerModeDemotedMasterTruncates(t *testing.T) {
	g := newCtrlGroup(t, 3, 3, func(i int, o *Options) {
		o.Controller.MaxTimeSlaveNotCatchup = time.Minute // the stalled slaves stay in the set
		o.SyncReplicationTimeout = 2 * time.Second
	})
	old := g.waitMaster(AutoCreateTopicKey, -1)
	g.waitSyncStateSet(3)
	acked := g.sendAll("before", 50)
	for _, i := range g.others(old) {
		g.stallHA(i, true)
	}
	addr := g.brokers[old].Addr()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if code := g.send(addr, failoverTopic, int32(i%4), fmt.Sprintf("lost-%d", i)); code == remoting.ResponseSuccess {
				t.Errorf("lost-%d was acknowledged without its slaves", i)
			}
		})
	}
	wg.Wait()
	split := g.brokers[g.otherThan(old)].store.CommitLog().MaxOffset()
	if end := g.brokers[old].store.CommitLog().MaxOffset(); end <= split {
		t.Fatalf("the old master holds nothing past the split (%d <= %d)", end, split)
	}
	g.stopBroker(old)
	for i := range g.brokers {
		g.stallHA(i, false)
	}
	m := g.waitMaster(AutoCreateTopicKey, old)
	acked = append(acked, g.sendAll("after", 50)...)

	g.startBroker(old)
	g.waitFollows(old, m)
	newLog, oldLog := g.brokers[m].store.CommitLog(), g.brokers[old].store.CommitLog()
	for at := int64(0); at < newLog.MaxOffset(); {
		a, err := newLog.ReadRange(at, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		b, err := oldLog.ReadRange(at, len(a.Bytes))
		if err != nil {
			t.Fatal(err)
		}
		same := bytes.Equal(a.Bytes, b.Bytes)
		n := len(a.Bytes)
		a.Release()
		b.Release()
		if !same {
			t.Fatalf("the old master's log differs from the new master's in [%d, %d)", at, at+int64(n))
		}
		at += int64(n)
		if n == 0 {
			fs := int64(newLog.FileSize())
			at = (at/fs + 1) * fs
		}
	}
	g.holdsAll(old, acked)
	// A stalled frame may still reach a slave before the old master is
	// gone: such a record is the new master's too. Any other is not shown.
	history := g.logBodies(m)
	lost := 0
	for i := range g.brokers {
		for body := range g.bodies(i, failoverTopic, 4) {
			if strings.HasPrefix(body, "lost-") && !history[body] {
				t.Fatalf("broker %d shows %s, which the new master never had", i, body)
			}
		}
	}
	for i := range 16 {
		if !history[fmt.Sprintf("lost-%d", i)] {
			lost++
		}
	}
	if lost == 0 {
		t.Fatal("every record the old master wrote alone reached the new master: nothing was cut")
	}
	t.Logf("%d of 16 unacknowledged records were cut from the old master", lost)
}

// waitFollows waits until broker i is a slave that holds master m's whole
// log.
func (g *ctrlGroup) waitFollows(i, m int) {
	g.t.Helper()
	awaitCond(g.t, failoverWait, fmt.Sprintf("broker %d to follow broker %d", i, m), func() bool {
		r := g.brokers[i].roles()
		return r.known && r.role == RoleSlave &&
			g.brokers[i].store.CommitLog().MaxOffset() == g.brokers[m].store.CommitLog().MaxOffset()
	})
}

// others are the brokers other than i.
func (g *ctrlGroup) others(i int) []int {
	var out []int
	for j := range g.brokers {
		if j != i {
			out = append(out, j)
		}
	}
	return out
}

// otherThan is a running broker other than i.
func (g *ctrlGroup) otherThan(i int) int {
	for j, b := range g.brokers {
		if j != i && b != nil {
			return j
		}
	}
	g.t.Fatal("no other broker runs")
	return -1
}

// TestControllerModePartitionShrinksTheSyncStateSet: the slaves' replication
// is cut off; the master drops them from the SyncStateSet, and with
// minInSyncReplicas 2 refuses writes rather than acknowledge them alone;
// when it then dies, no unsynced slave is elected, and it takes over again
// when it comes back.
func TestControllerModePartitionShrinksTheSyncStateSet(t *testing.T) {
	g := newCtrlGroup(t, 3, 3, func(i int, o *Options) {
		o.Controller.MinInSyncReplicas = 2
		o.Controller.MaxTimeSlaveNotCatchup = 2 * time.Second
	})
	old := g.waitMaster(AutoCreateTopicKey, -1)
	g.waitSyncStateSet(3)
	acked := g.sendAll("before", 20)
	for _, i := range g.others(old) {
		g.cutHA(i, true)
	}
	set := g.waitSyncStateSet(1)
	master := g.brokers[old]
	if set[0] != master.ctrl.id.Load() {
		t.Fatalf("the set shrank to %v, not to the master %d", set, master.ctrl.id.Load())
	}
	resp := call(t, g.client, master.Addr(), sendRequest(failoverTopic, 0, "alone", "alone"))
	if resp.Code != remoting.ResponseSystemError || !strings.Contains(resp.Remark, "in-sync replicas not enough") {
		t.Fatalf("a write with 1 replica in sync: %v", resp)
	}
	if master.store.CommitLog().MaxOffset() != g.brokers[g.otherThan(old)].store.CommitLog().MaxOffset() {
		t.Fatal("a refused write was stored")
	}

	g.stopBroker(old)
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if m := g.master(); m >= 0 {
			t.Fatalf("broker %d, not in the SyncStateSet, was elected", m)
		}
		if gr, ok := g.syncStateSet(); ok && gr.MasterID != 0 && gr.MasterID != set[0] {
			t.Fatalf("the controller elected %d, outside the SyncStateSet %v", gr.MasterID, set)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := range g.brokers {
		g.cutHA(i, false)
	}
	g.startBroker(old)
	if m := g.waitMaster(AutoCreateTopicKey, -1); m != old {
		t.Fatalf("broker %d became master, want the old master %d", m, old)
	}
	g.waitSyncStateSet(3)
	acked = append(acked, g.sendAll("after", 20)...)
	g.holdsAll(old, acked)
}

// TestControllerModeLeaderDiesDuringFailover: the master and the raft
// leader among the controllers die together; the next controller leader
// finishes the failover.
func TestControllerModeLeaderDiesDuringFailover(t *testing.T) {
	// Scans far apart, so that the leader dies before it elects.
	g := newCtrlGroupScan(t, 3, 3, time.Second, nil)
	old := g.waitMaster(AutoCreateTopicKey, -1)
	g.waitSyncStateSet(3)
	acked := g.sendAll("before", 50)
	leader := -1
	awaitCond(t, failoverWait, "a controller leader", func() bool { leader = g.leaderController(); return leader >= 0 })

	start := time.Now()
	g.stopBroker(old)
	g.stopController(leader)
	m := g.waitMaster(AutoCreateTopicKey, old)
	t.Logf("new master %d routed %v after the master and controller %d stopped", m, time.Since(start), leader)
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("failover took %v", took)
	}
	awaitCond(t, failoverWait, "another controller leader", func() bool {
		l := g.leaderController()
		return l >= 0 && l != leader
	})
	acked = append(acked, g.sendAll("after", 50)...)
	g.holdsAll(m, acked)
}

// TestControllerModeIgnoresAForgedRoleChange: a NOTIFY_BROKER_ROLE_CHANGED
// from anyone but naming a newer epoch and another master makes a broker
// ask the controllers, not obey: the master stays master, its slaves stay
// with it and keep their logs.
func TestControllerModeIgnoresAForgedRoleChange(t *testing.T) {
	g := newCtrlGroup(t, 3, 3, nil)
	m := g.waitMaster(AutoCreateTopicKey, -1)
	g.waitSyncStateSet(3)
	acked := g.sendAll("before", 20)
	forged := remoting.NewRequest(remoting.RequestNotifyBrokerRoleChanged, nil, []byte(`{"syncStateSet":[7],"syncStateSetEpoch":9}`))
	forged.Set("masterBrokerId", "7")
	forged.Set("masterAddress", "127.0.0.1:1")
	forged.Set("masterHaAddress", "127.0.0.1:2")
	forged.Set("masterEpoch", "99")
	forged.Set("syncStateSetEpoch", "9")
	for _, b := range g.brokers {
		if resp := call(t, g.client, b.Addr(), forged); resp.Code != remoting.ResponseSuccess {
			t.Fatalf("push answered %v", resp)
		}
	}
	time.Sleep(time.Second) // ten heartbeats: the controllers' answers are in
	for i, b := range g.brokers {
		r := b.roles()
		if r.epoch != 1 || r.masterHAAddr == "127.0.0.1:2" || (i == m) != b.isMaster() {
			t.Fatalf("broker %d took the forged push: %+v", i, r)
		}
	}
	acked = append(acked, g.sendAll("after", 20)...)
	for i := range g.brokers {
		g.holdsAll(i, acked)
	}
}
