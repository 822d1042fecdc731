package broker

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

func TestLockTableGrantsAQueueToOneClientUntilUnlockOrExpiry(t *testing.T) {
	locks := newLockTable(time.Minute)
	q0 := messageQueue{Topic: "T", BrokerName: "b", QueueID: 0}
	q1 := messageQueue{Topic: "T", BrokerName: "b", QueueID: 1}
	t0 := time.Unix(1000, 0)
	steps := []struct {
		at      time.Duration
		op      string // lock or unlock
		group   string
		client  string
		queues  []messageQueue
		granted []messageQueue
	}{
		{0, "lock", "g", "c1", []messageQueue{q0, q1}, []messageQueue{q0, q1}},
		{time.Second, "lock", "g", "c2", []messageQueue{q0, q1}, []messageQueue{}},        // held by c1
		{time.Second, "lock", "other", "c2", []messageQueue{q0}, []messageQueue{q0}},      // locks are per group
		{30 * time.Second, "lock", "g", "c1", []messageQueue{q0}, []messageQueue{q0}},     // c1 renews q0 only
		{30 * time.Second, "unlock", "g", "c2", []messageQueue{q0}, nil},                  // not c2's: ignored
		{61 * time.Second, "lock", "g", "c2", []messageQueue{q0, q1}, []messageQueue{q1}}, // q1 went stale, q0 was renewed
		{62 * time.Second, "unlock", "g", "c1", []messageQueue{q0}, nil},
		{62 * time.Second, "lock", "g", "c2", []messageQueue{q0}, []messageQueue{q0}},
	}
	for i, s := range steps {
		now := t0.Add(s.at)
		switch s.op {
		case "lock":
			if got := locks.tryLock(s.group, s.client, s.queues, now); !slices.Equal(got, s.granted) {
				t.Fatalf("step %d: %s locked %v, want %v", i, s.client, got, s.granted)
			}
		case "unlock":
			locks.unlock(s.group, s.client, s.queues)
		}
	}
	locks.expire(t0.Add(10 * time.Minute))
	if len(locks.groups) != 0 {
		t.Fatalf("stale locks kept: %v", locks.groups)
	}
}

func TestLockAndUnlockBatchOverTheWire(t *testing.T) {
	b := testBroker(t, t.TempDir())
	defer b.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	mqs := []messageQueue{{Topic: "Ordered", BrokerName: "broker-a", QueueID: 0}, {Topic: "Ordered", BrokerName: "broker-a", QueueID: 3}}
	lock := func(code int16, client string) []messageQueue {
		t.Helper()
		body, _ := json.Marshal(lockBatchBody{ConsumerGroup: "og", ClientID: client, MQSet: mqs})
		resp := call(t, cl, b.Addr(), remoting.NewRequest(code, nil, body))
		if resp.Code != remoting.ResponseSuccess {
			t.Fatalf("code %d: %v", code, resp)
		}
		var out struct {
			LockOK []messageQueue `json:"lockOKMQSet"`
		}
		if code == remoting.RequestLockBatchMQ {
			if err := json.Unmarshal(resp.Body, &out); err != nil {
				t.Fatal(err)
			}
		}
		return out.LockOK
	}
	if got := lock(remoting.RequestLockBatchMQ, "c1"); !slices.Equal(got, mqs) {
		t.Fatalf("c1 locked %v", got)
	}
	if got := lock(remoting.RequestLockBatchMQ, "c2"); len(got) != 0 {
		t.Fatalf("c2 locked %v while c1 holds them", got)
	}
	lock(remoting.RequestUnlockBatchMQ, "c1")
	if got := lock(remoting.RequestLockBatchMQ, "c2"); !slices.Equal(got, mqs) {
		t.Fatalf("c2 locked %v after c1 unlocked", got)
	}
	if resp := call(t, cl, b.Addr(), remoting.NewRequest(remoting.RequestLockBatchMQ, nil, []byte("{"))); resp.Code != remoting.ResponseInvalidParameter {
		t.Fatalf("a malformed lock body answered %v", resp)
	}
}
