package broker

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

// filterTags are the tags filterFixture sends in turn.
var filterTags = []string{"TagA", "TagB", "TagC"}

// filterFixture is a broker holding 30 messages in queue 0 of "Filtered":
// body m<i>, tag filterTags[i%3], property a = i.
type filterFixture struct {
	b    *Broker
	cl   *remoting.Client
	addr string
}

func newFilterFixture(t *testing.T, enableSQL bool) *filterFixture {
	t.Helper()
	b := newRoleBroker(t, t.TempDir(), RoleAsyncMaster, "", "", func(o *Options) { o.EnablePropertyFilter = enableSQL })
	t.Cleanup(func() { b.Close() })
	cl := remoting.NewClient(remoting.ClientOptions{})
	t.Cleanup(func() { cl.Close() })
	f := &filterFixture{b: b, cl: cl, addr: b.Addr()}
	for i := range 30 {
		if resp := call(t, cl, f.addr, taggedSend("Filtered", fmt.Sprintf("m%d", i), filterTags[i%3], i)); resp.Code != remoting.ResponseSuccess {
			t.Fatalf("send %d: %v", i, resp)
		}
	}
	if err := b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	return f
}

func taggedSend(topic, body, tag string, a int) *remoting.Command {
	h := remoting.SendMessageRequestHeader{
		ProducerGroup: "pg", Topic: topic, DefaultTopic: AutoCreateTopicKey, DefaultTopicQueueNums: 1,
		QueueID: 0, BornTimestamp: time.Now().UnixMilli(), MaxReconsumeTimes: -1,
		Properties: string(message.EncodeProperties(map[string]string{message.PropertyTags: tag, "a": fmt.Sprint(a)})),
	}
	return remoting.NewRequest(remoting.RequestSendMessageV2, h.EncodeV2(nil), []byte(body))
}

// pullWith pulls queue 0 of "Filtered" from offset 0 as group, with the
// expression in the header when own (the subscription bit), else by the
// group's registered subscription.
func (f *filterFixture) pullWith(t *testing.T, group string, own bool, typ, expr string, subVersion int64) *remoting.Command {
	t.Helper()
	h := remoting.PullMessageRequestHeader{ConsumerGroup: group, Topic: "Filtered", MaxMsgNums: 32,
		ExpressionType: typ, Subscription: expr, SubVersion: subVersion}
	if own {
		h.SysFlag = pullSubscription
	}
	return call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestPullMessage, h.Encode(nil), nil))
}

// heartbeat registers client "c1" in group with one subscription to
// "Filtered".
func (f *filterFixture) heartbeat(t *testing.T, group, typ, expr string, version int64) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"clientID": "c1", "consumerDataSet": []any{map[string]any{
		"groupName": group, "consumeType": "CONSUME_PASSIVELY", "messageModel": "CLUSTERING",
		"subscriptionDataSet": []any{map[string]any{"topic": "Filtered", "subString": expr, "expressionType": typ,
			"subVersion": version, "classFilterMode": false, "tagsSet": []string{}, "codeSet": []int{}}},
	}}})
	if resp := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestHeartBeat, nil, body)); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("heartbeat: %v", resp)
	}
}

// bodiesOf lists the bodies of a successful pull, and fails on another code.
func bodiesOf(t *testing.T, resp *remoting.Command) []string {
	t.Helper()
	if resp.Code != remoting.ResponseSuccess {
		t.Fatalf("pull: code %d %q", resp.Code, resp.Remark)
	}
	var out []string
	for _, r := range decodeRecords(t, resp.Body) {
		out = append(out, string(r.Body))
	}
	return out
}

// wantBodies lists m<i> for the i in 0..29 that keep says.
func wantBodies(keep func(i int) bool) string {
	var out []string
	for i := range 30 {
		if keep(i) {
			out = append(out, fmt.Sprintf("m%d", i))
		}
	}
	return strings.Join(out, " ")
}

func wantRefusal(t *testing.T, resp *remoting.Command, code int16, remark string) {
	t.Helper()
	if resp.Code != code || !strings.Contains(resp.Remark, remark) {
		t.Fatalf("got code %d %q, want %d with %q", resp.Code, resp.Remark, code, remark)
	}
}

func TestPullFiltersByTheGroupsHeartbeatSubscription(t *testing.T) {
	f := newFilterFixture(t, false)
	wantRefusal(t, f.pullWith(t, "cg", false, "TAG", "", 0), remoting.ResponseSubscriptionNotExist, "group info not exist")

	f.heartbeat(t, "cg", "TAG", "TagA || TagC", 100)
	before := f.b.PullStats()
	resp := f.pullWith(t, "cg", false, "TAG", "", 0) // a Go push consumer's pull: no expression of its own
	got := bodiesOf(t, resp)
	if want := wantBodies(func(i int) bool { return i%3 != 1 }); strings.Join(got, " ") != want {
		t.Fatalf("TagA || TagC by the heartbeat: got %v, want %s", got, want)
	}
	var ph remoting.PullMessageResponseHeader
	if err := ph.Decode(resp.ExtFields); err != nil || ph.NextBeginOffset != 30 {
		t.Fatalf("next offset %d (%v), want 30", ph.NextBeginOffset, err)
	}
	// The stats move once the response is handed to the writer, which
	// may be after the client read it.
	waitFor(t, "pull stats", func() bool { return f.b.PullStats().Responses > before.Responses })
	after := f.b.PullStats()
	if after.Messages-before.Messages != 20 || after.BodyBytes-before.BodyBytes != int64(len(resp.Body)) || after.Responses-before.Responses != 1 {
		t.Fatalf("pull stats moved by %+v / %+v for a body of %d bytes with 20 records", before, after, len(resp.Body))
	}

	wantRefusal(t, f.pullWith(t, "cg", false, "TAG", "", 101), remoting.ResponseSubscriptionNotLatest, "not latest")
	wantRefusal(t, f.pullWith(t, "other", false, "TAG", "", 0), remoting.ResponseSubscriptionNotExist, "group info not exist")

	// A newer version replaces the subscription; an older one does not.
	f.heartbeat(t, "cg", "TAG", "TagB", 101)
	f.heartbeat(t, "cg", "TAG", "TagC", 50)
	if got := bodiesOf(t, f.pullWith(t, "cg", false, "TAG", "", 101)); strings.Join(got, " ") != wantBodies(func(i int) bool { return i%3 == 1 }) {
		t.Fatalf("after version 101 (TagB): got %v", got)
	}
}

func TestPullWithItsOwnExpression(t *testing.T) {
	f := newFilterFixture(t, true)
	if got := bodiesOf(t, f.pullWith(t, "any", true, "TAG", "TagB", 0)); strings.Join(got, " ") != wantBodies(func(i int) bool { return i%3 == 1 }) {
		t.Fatalf("TagB: got %v", got)
	}
	if got := bodiesOf(t, f.pullWith(t, "any", true, "TAG", "*", 0)); len(got) != 30 {
		t.Fatalf("*: got %d messages", len(got))
	}
	sql := "a > 5 AND (TAGS = 'TagA' OR a BETWEEN 20 AND 22)"
	if got := bodiesOf(t, f.pullWith(t, "any", true, "SQL92", sql, 0)); strings.Join(got, " ") != wantBodies(func(i int) bool { return i > 5 && (i%3 == 0 || i >= 20 && i <= 22) }) {
		t.Fatalf("%s: got %v", sql, got)
	}
	// Nothing matches: the pull moves past the scanned units.
	resp := f.pullWith(t, "any", true, "SQL92", "a > 100", 0)
	var ph remoting.PullMessageResponseHeader
	if resp.Code != remoting.ResponsePullRetryImmediately || ph.Decode(resp.ExtFields) != nil || ph.NextBeginOffset != 30 {
		t.Fatalf("no match: code %d, next %d", resp.Code, ph.NextBeginOffset)
	}
	wantRefusal(t, f.pullWith(t, "any", true, "SQL92", "a >", 0), remoting.ResponseSubscriptionParseFailed, "expected a value")
	wantRefusal(t, f.pullWith(t, "any", true, "SQL92", "", 0), remoting.ResponseSubscriptionParseFailed, "empty")
	wantRefusal(t, f.pullWith(t, "any", true, "CLASS", "x", 0), remoting.ResponseSubscriptionParseFailed, "unsupported expression type")

	off := newFilterFixture(t, false)
	wantRefusal(t, off.pullWith(t, "any", true, "SQL92", "a > 5", 0), remoting.ResponseSystemError, "filter message by SQL92 (enablePropertyFilter is off)")
	if got := bodiesOf(t, off.pullWith(t, "any", true, "TAG", "TagB", 0)); len(got) != 10 {
		t.Fatalf("TagB with property filtering off: %d messages", len(got))
	}
}

func TestSQL92HeartbeatSubscription(t *testing.T) {
	f := newFilterFixture(t, true)
	f.heartbeat(t, "cg", "SQL92", "a > 25", 7)
	if got := bodiesOf(t, f.pullWith(t, "cg", false, "TAG", "", 0)); strings.Join(got, " ") != "m26 m27 m28 m29" {
		t.Fatalf("a > 25: got %v", got)
	}
	f.heartbeat(t, "cg", "SQL92", "a >>> 25", 8)
	wantRefusal(t, f.pullWith(t, "cg", false, "TAG", "", 0), remoting.ResponseSubscriptionParseFailed, "offset 3")

	off := newFilterFixture(t, false)
	off.heartbeat(t, "cg", "SQL92", "a > 25", 7) // registered, as RocketMQ does, but no pull can use it
	wantRefusal(t, off.pullWith(t, "cg", false, "TAG", "", 0), remoting.ResponseSystemError, "enablePropertyFilter is off")
}

// checkClientConfig sends CHECK_CLIENT_CONFIG for a subscription to
// "Filtered".
func (f *filterFixture) checkClientConfig(t *testing.T, typ, expr string) *remoting.Command {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"clientId": "c1", "group": "cg",
		"subscriptionData": map[string]any{"topic": "Filtered", "subString": expr, "expressionType": typ, "subVersion": 1}})
	return call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestCheckClientConfig, nil, body))
}

func TestCheckClientConfig(t *testing.T) {
	f := newFilterFixture(t, true)
	check := func(typ, expr string) *remoting.Command { return f.checkClientConfig(t, typ, expr) }
	for _, c := range [][2]string{{"TAG", "A || B"}, {"", "*"}, {"SQL92", "a IS NOT NULL AND a <> 'x'"}} {
		if resp := check(c[0], c[1]); resp.Code != remoting.ResponseSuccess {
			t.Fatalf("%s %q: %v", c[0], c[1], resp)
		}
	}
	wantRefusal(t, check("SQL92", "a = NULL"), remoting.ResponseSubscriptionParseFailed, "use IS NULL")
	resp := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestCheckClientConfig, nil, []byte("{")))
	wantRefusal(t, resp, remoting.ResponseInvalidParameter, "check client config body")
	off := newFilterFixture(t, false)
	wantRefusal(t, off.checkClientConfig(t, "SQL92", "a > 1"), remoting.ResponseSystemError, "enablePropertyFilter is off")
	if resp := off.checkClientConfig(t, "TAG", "A"); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("TAG with property filtering off: %v", resp)
	}
}

func TestSuspendedPullWakesOnlyForTheTagsItWants(t *testing.T) {
	f := newFilterFixture(t, false)
	h := remoting.PullMessageRequestHeader{ConsumerGroup: "cg", Topic: "Filtered", QueueOffset: 30, MaxMsgNums: 32,
		SysFlag: pullSubscription | pullSuspend, SuspendTimeoutMillis: 20_000, ExpressionType: "TAG", Subscription: "TagC"}
	var wg sync.WaitGroup
	var resp *remoting.Command
	var err error
	wg.Go(func() { // not call: t.Fatal belongs to the test's goroutine
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		resp, err = f.cl.InvokeSync(ctx, f.addr, remoting.NewRequest(remoting.RequestPullMessage, h.Encode(nil), nil))
	})
	waitFor(t, "the pull to be suspended", func() bool { return f.b.polls.count.Load() == 1 })

	call(t, f.cl, f.addr, taggedSend("Filtered", "unwanted", "TagA", 0))
	if err := f.b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	// The arrival was reported during the dispatch: the pull was not woken.
	f.b.polls.mu.Lock()
	held := f.b.polls.held[queueKey{"Filtered", 0}]
	woken := len(held) == 1 && held[0].woken
	f.b.polls.mu.Unlock()
	if len(held) != 1 || woken {
		t.Fatalf("after a TagA message, %d pulls held (woken %v), want the TagC pull still asleep", len(held), woken)
	}

	call(t, f.cl, f.addr, taggedSend("Filtered", "wanted", "TagC", 0))
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got := bodiesOf(t, resp); strings.Join(got, " ") != "wanted" {
		t.Fatalf("the woken pull got %v, want only the TagC message", got)
	}
}

// waitFor polls cond until it holds, failing after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHoldWakesAPullWhoseMessageArrivedBeforeIt(t *testing.T) {
	b, err := New(&Options{ListenAddr: "127.0.0.1:0", DataDir: t.TempDir()}) // not started: no loop releases the pull
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	m := &message.Message{Topic: "Early", Body: []byte("x")}
	if _, err := b.store.PutMessage(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if err := b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	early := &pullRequest{h: remoting.PullMessageRequestHeader{Topic: "Early", QueueOffset: 0}}
	atEnd := &pullRequest{h: remoting.PullMessageRequestHeader{Topic: "Early", QueueOffset: 1}}
	b.polls.hold(early) // its pull read the queue before the message was dispatched
	b.polls.hold(atEnd)
	b.polls.mu.Lock()
	defer b.polls.mu.Unlock()
	if !early.woken || atEnd.woken {
		t.Fatalf("woken: the pull behind the queue's end %v (want true), the one at the end %v (want false)", early.woken, atEnd.woken)
	}
}
