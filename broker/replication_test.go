package broker

import (
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

func roleBroker(t *testing.T, role Role, masterHA, masterAddr string) *Broker {
	t.Helper()
	return newRoleBroker(t, t.TempDir(), role, masterHA, masterAddr)
}

// benchBroker is roleBroker for benchmarks.
func benchBroker(b *testing.B, role Role, masterHA, masterAddr string) *Broker {
	b.Helper()
	return newRoleBroker(b, b.TempDir(), role, masterHA, masterAddr)
}

// testFlowControl is the flow control of test brokers: a loaded test
// machine (the race detector, tests in parallel) can stall a send's worker
// past RocketMQ's 200 ms in the send queue, which would refuse it with
// TIMEOUT_CLEAN_QUEUE; the tests of that timeout set it themselves.
var testFlowControl = FlowControlOptions{WaitTimeInSendQueue: 10 * time.Second}

func newRoleBroker(t testing.TB, dir string, role Role, masterHA, masterAddr string, tweaks ...func(*Options)) *Broker {
	t.Helper()
	o := &Options{
		ListenAddr: "127.0.0.1:0", DataDir: dir, Role: role,
		MasterHAAddr: masterHA, MasterAddr: masterAddr,
		SyncReplicationTimeout: 2 * time.Second, SlaveSyncInterval: 100 * time.Millisecond,
		Store: store.Options{
			CommitLog:                commitlog.Options{FileSize: 8 << 20},
			ConsumeQueueUnitsPerFile: 1000, IndexSlotCount: 1000, IndexMaxEntries: 4000,
			CleanResourceInterval: -1, DelayLevels: strings.Repeat("100ms ", 18),
		},
		FlowControl: testFlowControl,
	}
	for _, tweak := range tweaks {
		tweak(o)
	}
	b, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSyncMasterAnswersOnceTheSlaveHasTheMessage(t *testing.T) {
	master := roleBroker(t, RoleSyncMaster, "", "")
	defer master.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()

	// No slave yet: the message is stored, the answer says so.
	if resp := call(t, cl, master.Addr(), sendRequest("Repl", 0, "lonely", "k0")); resp.Code != remoting.ResponseSlaveNotAvailable {
		t.Fatalf("send without a slave: %v", resp)
	}

	slave := roleBroker(t, RoleSlave, master.HAAddr(), master.Addr())
	defer slave.Close()
	deadline := time.Now().Add(10 * time.Second)
	for slave.store.CommitLog().MaxOffset() < master.store.CommitLog().MaxOffset() {
		if time.Now().After(deadline) {
			t.Fatal("the slave did not catch up")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i := range 20 {
		resp := call(t, cl, master.Addr(), sendRequest("Repl", 0, "m", "k"))
		if resp.Code != remoting.ResponseSuccess {
			t.Fatalf("send %d with a slave: %v", i, resp)
		}
		// Acknowledged means on the slave.
		if s, m := slave.store.CommitLog().MaxOffset(), master.store.CommitLog().MaxOffset(); s < m {
			t.Fatalf("acknowledged at %d, the slave holds %d", m, s)
		}
	}

	// The slave serves pulls (its topic configs come from the master) and
	// takes no writes.
	deadline = time.Now().Add(10 * time.Second)
	for {
		resp := call(t, cl, slave.Addr(), pullCommand("Repl", 0, 0, 0))
		if resp.Code == remoting.ResponseSuccess && len(decodeRecords(t, resp.Body)) == 21 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pull from the slave: %v", resp)
		}
		time.Sleep(20 * time.Millisecond)
	}
	q := remoting.QueryMessageRequestHeader{Topic: "Repl", Key: "k0", MaxNum: 4, EndTimestamp: time.Now().UnixMilli() + 60_000}
	if resp := call(t, cl, slave.Addr(), remoting.NewRequest(remoting.RequestQueryMessage, q.Encode(nil), nil)); resp.Code != remoting.ResponseSuccess ||
		string(decodeRecords(t, resp.Body)[0].Body) != "lonely" {
		t.Fatalf("query by key on the slave: %v", resp)
	}
	if resp := call(t, cl, slave.Addr(), sendRequest("Repl", 0, "x", "k")); resp.Code != remoting.ResponseServiceNotAvailable {
		t.Fatalf("a slave took a write: %v", resp)
	}

	// Without its slave the sync master says so again.
	slave.Close()
	deadline = time.Now().Add(10 * time.Second)
	for {
		resp := call(t, cl, master.Addr(), sendRequest("Repl", 0, "after", "k"))
		if resp.Code == remoting.ResponseSlaveNotAvailable || resp.Code == remoting.ResponseFlushSlaveTimeout {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("send after the slave left: %v", resp)
		}
	}
}

// TestPullOfColdDataSuggestsTheSlave makes every byte count as cold on the
// master (no memory for it): with a slave in sync, a pull is told to go to
// broker 1; without one, it stays on the master.
func TestPullOfColdDataSuggestsTheSlave(t *testing.T) {
	master := newRoleBroker(t, t.TempDir(), RoleAsyncMaster, "", "", func(o *Options) { o.Store.MemoryBytes = 1 })
	defer master.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	suggestion := func() int64 {
		t.Helper()
		if err := master.store.WaitDispatched(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		resp := call(t, cl, master.Addr(), pullCommand("Cold", 0, 0, 0))
		var h remoting.PullMessageResponseHeader
		if resp.Code != remoting.ResponseSuccess || h.Decode(resp.ExtFields) != nil {
			t.Fatalf("pull: %v", resp)
		}
		return h.SuggestWhichBrokerID
	}
	for range 3 {
		call(t, cl, master.Addr(), sendRequest("Cold", 0, "old", "k"))
	}
	if got := suggestion(); got != 0 {
		t.Fatalf("with no slave the master suggested broker %d", got)
	}
	slave := roleBroker(t, RoleSlave, master.HAAddr(), master.Addr())
	defer slave.Close()
	deadline := time.Now().Add(10 * time.Second)
	for !master.hasSlaveInSync() {
		if time.Now().After(deadline) {
			t.Fatal("the slave never came in sync")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := suggestion(); got != 1 {
		t.Fatalf("cold data with a slave in sync: suggested broker %d, want 1", got)
	}
}

// TestASlaveBehindTheConsumerDoesNotMoveItBack: a consumer that reached an
// offset on the master and then pulls from a slave that has not replicated
// that far must not be told OFFSET_MOVED to the slave's end (it would
// consume again what it had): the slave answers PULL_RETRY_IMMEDIATELY and
// points it at the master, as RocketMQ's slave does; the master itself
// still corrects an offset that is out of range.
func TestASlaveBehindTheConsumerDoesNotMoveItBack(t *testing.T) {
	master := newRoleBroker(t, t.TempDir(), RoleAsyncMaster, "", "")
	defer master.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	for range 3 {
		call(t, cl, master.Addr(), sendRequest("Ahead", 0, "m", ""))
	}
	slave := roleBroker(t, RoleSlave, master.HAAddr(), master.Addr())
	defer slave.Close()
	waitFor(t, "the slave to hold the queue", func() bool { return slave.store.GetMaxOffsetInQueue("Ahead", 0) == 3 })
	for _, tc := range []struct {
		name     string
		b        *Broker
		wantCode int16
	}{{"slave", slave, remoting.ResponsePullRetryImmediately}, {"master", master, remoting.ResponsePullOffsetMoved}} {
		resp := call(t, cl, tc.b.Addr(), pullCommand("Ahead", 0, 10, 0)) // beyond both ends
		var h remoting.PullMessageResponseHeader
		if resp.Code != tc.wantCode || h.Decode(resp.ExtFields) != nil {
			t.Fatalf("%s: pull beyond the end answered %v, want code %d", tc.name, resp, tc.wantCode)
		}
		if tc.b == slave && (h.SuggestWhichBrokerID != 0 || h.NextBeginOffset != 10) {
			// rocketmq-client-go continues from the next offset of a
			// PULL_RETRY_IMMEDIATELY answer too.
			t.Fatalf("the slave suggested broker %d and next offset %d, want the master and the offset asked for (10)",
				h.SuggestWhichBrokerID, h.NextBeginOffset)
		}
	}
}
