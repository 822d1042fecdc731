package broker

import (
	"slices"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/logtest"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/timer"
)

// sendWith sends body to topic's queue 0 with extra properties.
func sendWith(t *testing.T, cl *remoting.Client, addr, topic, body string, props map[string]string) *remoting.Command {
	t.Helper()
	req := sendRequest(topic, 0, body, "")
	var h remoting.SendMessageRequestHeader
	h, err := remoting.ParseSendMessageRequestHeader(req)
	if err != nil {
		t.Fatal(err)
	}
	p := message.Properties(h.Properties)
	for k, v := range props {
		p = p.Set(k, v)
	}
	h.Properties = string(p)
	return remoting.NewRequest(remoting.RequestSendMessageV2, h.EncodeV2(nil), []byte(body))
}

func recordBodies(recs []message.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Body))
	}
	return out
}

// TestDeletingATopicDeletesItsQueuesAndWhatWaitsForIt: after
// DELETE_TOPIC_IN_BROKER the topic's messages, its consumer offsets and its
// delayed, timer and half messages are gone; the topic created again by a
// send starts at queue offset 0 and serves only its new messages, also
// after a restart.
func TestDeletingATopicDeletesItsQueuesAndWhatWaitsForIt(t *testing.T) {
	dir := t.TempDir()
	log, logs := logtest.New()
	tweak := func(o *Options) {
		o.Logger = log
		o.Store.DelayLevels = "100ms 1s"
		o.Timer.Precision = 100 * time.Millisecond
	}
	b := newRoleBroker(t, dir, RoleAsyncMaster, "", "", tweak)
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	for _, body := range []string{"old-0", "old-1", "old-2"} {
		call(t, cl, b.Addr(), sendRequest("Doomed", 0, body, ""))
	}
	call(t, cl, b.Addr(), sendWith(t, cl, b.Addr(), "Doomed", "old-delayed", map[string]string{message.PropertyDelayLevel: "2"}))
	call(t, cl, b.Addr(), sendWith(t, cl, b.Addr(), "Doomed", "old-timer", map[string]string{timer.PropertyDelayMs: "1000"}))
	p := newTestProducer(t, b.Addr(), "txn-pg", "txn-client")
	half := p.sendHalf("txn-pg", "Doomed", 0, "old-half", "HALF-1")
	call(t, cl, b.Addr(), updateOffsetRequest("cg", "Doomed", 3))
	if err := b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}

	if resp := call(t, cl, b.Addr(), remoting.NewRequest(remoting.RequestDeleteTopicInBroker, map[string]string{"topic": "Doomed"}, nil)); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("delete: %v", resp)
	}
	if _, ok := b.offsets.query("cg", "Doomed", 0); ok {
		t.Fatal("the group's offset in the deleted topic is still there")
	}
	if resp := p.endSent("txn-pg", half, message.TransactionCommitType); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("commit of the half message: %v", resp)
	}
	for i, body := range []string{"new-0", "new-1"} {
		resp := call(t, cl, b.Addr(), sendRequest("Doomed", 0, body, ""))
		var h remoting.SendMessageResponseHeader
		if resp.Code != remoting.ResponseSuccess || h.Decode(resp.ExtFields) != nil || h.QueueOffset != int64(i) {
			t.Fatalf("send %s to the topic created again: %v", body, resp)
		}
	}
	testkit.WaitFor(t, "the delayed and timer messages to come due and be dropped", func() bool {
		return len(logs.Lines("delayed message of a deleted topic dropped")) > 0 && len(logs.Lines("timer message of a deleted topic dropped")) > 0
	})
	want := []string{"new-0", "new-1"}
	if got := recordBodies(queueBodies(t, b, cl, "Doomed", 0)); !slices.Equal(got, want) {
		t.Fatalf("the topic created again serves %q, want %q", got, want)
	}
	if len(logs.Lines("committed transaction message of a deleted topic dropped")) == 0 {
		t.Fatal("the commit of the deleted topic's half message was not dropped")
	}

	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b = newRoleBroker(t, dir, RoleAsyncMaster, "", "", tweak)
	defer b.Close()
	if got := recordBodies(queueBodies(t, b, cl, "Doomed", 0)); !slices.Equal(got, want) {
		t.Fatalf("after a restart the topic serves %q, want %q", got, want)
	}
}

// TestTheBrokersOwnTopicsCannotBeDeleted: deleting the auto-creation
// template or a system topic is refused.
func TestTheBrokersOwnTopicsCannotBeDeleted(t *testing.T) {
	f := newOpsFixture(t)
	for _, topic := range []string{AutoCreateTopicKey, TransHalfTopic, timer.Topic} {
		resp := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestDeleteTopicInBroker, map[string]string{"topic": topic}, nil))
		if resp.Code != remoting.ResponseNoPermission {
			t.Fatalf("deleting %s: %v", topic, resp)
		}
	}
	if _, ok := f.b.topics.get(AutoCreateTopicKey); !ok {
		t.Fatal("the template topic is gone")
	}
}
