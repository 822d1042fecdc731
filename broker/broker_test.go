package broker

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// testBroker starts a broker on 127.0.0.1 with small files and no
// nameserver.
func testBroker(t *testing.T, dir string) *Broker {
	t.Helper()
	return testBrokerWith(t, dir, nil)
}

// testBrokerWith is testBroker with options changed by set.
func testBrokerWith(t *testing.T, dir string, set func(*Options)) *Broker {
	t.Helper()
	o := &Options{
		ListenAddr: "127.0.0.1:0",
		DataDir:    dir,
		Store: store.Options{
			CommitLog:                commitlog.Options{FileSize: 8 << 20},
			ConsumeQueueUnitsPerFile: 1000,
			IndexSlotCount:           1000,
			IndexMaxEntries:          4000,
			CleanResourceInterval:    -1,
			DelayLevels:              strings.Repeat("100ms ", 18),
		},
		FlowControl: testFlowControl,
	}
	if set != nil {
		set(o)
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

func call(t testing.TB, cl *remoting.Client, addr string, req *remoting.Command) *remoting.Command {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cl.InvokeSync(ctx, addr, req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func sendRequest(topic string, queueID int32, body, keys string) *remoting.Command {
	h := remoting.SendMessageRequestHeader{
		ProducerGroup: "pg", Topic: topic, DefaultTopic: AutoCreateTopicKey, DefaultTopicQueueNums: 4,
		QueueID: queueID, BornTimestamp: time.Now().UnixMilli(), MaxReconsumeTimes: -1,
		Properties: string(message.EncodeProperties(map[string]string{message.PropertyKeys: keys, message.PropertyTags: "TagA"})),
	}
	return remoting.NewRequest(remoting.RequestSendMessageV2, h.EncodeV2(nil), []byte(body))
}

func pullCommand(topic string, queueID int32, offset int64, suspend time.Duration) *remoting.Command {
	h := remoting.PullMessageRequestHeader{ConsumerGroup: "cg", Topic: topic, QueueID: queueID, QueueOffset: offset,
		MaxMsgNums: 32, SuspendTimeoutMillis: suspend.Milliseconds(), SubVersion: 1, ExpressionType: "TAG", Subscription: "*",
		SysFlag: pullSubscription}
	if suspend > 0 {
		h.SysFlag |= pullSuspend
	}
	return remoting.NewRequest(remoting.RequestPullMessage, h.Encode(nil), nil)
}

// decodeRecords splits a pull or query body into records.
func decodeRecords(t *testing.T, body []byte) []message.Record {
	t.Helper()
	var out []message.Record
	for len(body) > 0 {
		r, err := message.Decode(body, true)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
		body = body[r.StoreSize:]
	}
	return out
}

func TestSendPullQueryAndOffsetsOverTheWire(t *testing.T) {
	b := testBroker(t, t.TempDir())
	defer b.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	addr := b.Addr()

	var ids []string
	for i := range 10 {
		resp := call(t, cl, addr, sendRequest("Orders", 1, fmt.Sprintf("m%d", i), fmt.Sprintf("k%d", i)))
		var h remoting.SendMessageResponseHeader
		if resp.Code != remoting.ResponseSuccess || h.Decode(resp.ExtFields) != nil || h.QueueID != 1 || h.QueueOffset != int64(i) {
			t.Fatalf("send %d: %v", i, resp)
		}
		ids = append(ids, h.MsgID)
	}
	if _, ok := b.topics.get("Orders"); !ok {
		t.Fatal("the topic was not auto-created")
	}
	if err := b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}

	resp := call(t, cl, addr, pullCommand("Orders", 1, 0, 0))
	var ph remoting.PullMessageResponseHeader
	if resp.Code != remoting.ResponseSuccess || ph.Decode(resp.ExtFields) != nil || ph.NextBeginOffset != 10 || ph.MaxOffset != 10 {
		t.Fatalf("pull: %v", resp)
	}
	recs := decodeRecords(t, resp.Body)
	if len(recs) != 10 || string(recs[3].Body) != "m3" || recs[3].QueueOffset != 3 {
		t.Fatalf("pulled %d records", len(recs))
	}
	if resp := call(t, cl, addr, pullCommand("Orders", 1, 10, 0)); resp.Code != remoting.ResponsePullNotFound {
		t.Fatalf("pull at the end: %v", resp)
	}
	if resp := call(t, cl, addr, pullCommand("Orders", 1, 99, 0)); resp.Code != remoting.ResponsePullOffsetMoved {
		t.Fatalf("pull past the end: %v", resp)
	}

	// Query by key and view by id.
	q := remoting.QueryMessageRequestHeader{Topic: "Orders", Key: "k4", MaxNum: 8, EndTimestamp: time.Now().UnixMilli() + 1000}
	resp = call(t, cl, addr, remoting.NewRequest(remoting.RequestQueryMessage, q.Encode(nil), nil))
	if recs := decodeRecords(t, resp.Body); resp.Code != remoting.ResponseSuccess || len(recs) != 1 || string(recs[0].Body) != "m4" {
		t.Fatalf("query: %v", resp)
	}
	_, phys, err := message.ParseOffsetMsgID(ids[7])
	if err != nil {
		t.Fatal(err)
	}
	v := remoting.ViewMessageRequestHeader{Offset: phys}
	resp = call(t, cl, addr, remoting.NewRequest(remoting.RequestViewMessageByID, v.Encode(nil), nil))
	if recs := decodeRecords(t, resp.Body); resp.Code != remoting.ResponseSuccess || string(recs[0].Body) != "m7" {
		t.Fatalf("view: %v", resp)
	}

	// Consumer offsets.
	u := remoting.UpdateConsumerOffsetRequestHeader{ConsumerGroup: "cg", Topic: "Orders", QueueID: 1, CommitOffset: 6}
	call(t, cl, addr, remoting.NewRequest(remoting.RequestUpdateConsumerOffset, u.Encode(nil), nil))
	qo := remoting.QueryConsumerOffsetRequestHeader{ConsumerGroup: "cg", Topic: "Orders", QueueID: 1}
	resp = call(t, cl, addr, remoting.NewRequest(remoting.RequestQueryConsumerOffset, qo.Encode(nil), nil))
	var oh remoting.OffsetResponseHeader
	if resp.Code != remoting.ResponseSuccess || oh.Decode(resp.ExtFields) != nil || oh.Offset != 6 {
		t.Fatalf("query offset: %v", resp)
	}
}

func TestSuspendedPullWakesOnArrival(t *testing.T) {
	b := testBroker(t, t.TempDir())
	defer b.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	addr := b.Addr()
	call(t, cl, addr, sendRequest("Wake", 0, "first", "a"))
	if err := b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var resp *remoting.Command
	start := time.Now()
	wg.Go(func() { resp = call(t, cl, addr, pullCommand("Wake", 0, 1, 10*time.Second)) })
	time.Sleep(100 * time.Millisecond) // the pull is parked by now
	call(t, cl, addr, sendRequest("Wake", 0, "second", "b"))
	wg.Wait()
	if resp.Code != remoting.ResponseSuccess || time.Since(start) > 5*time.Second {
		t.Fatalf("suspended pull: %v after %v", resp, time.Since(start))
	}
	if recs := decodeRecords(t, resp.Body); len(recs) != 1 || string(recs[0].Body) != "second" {
		t.Fatalf("woken pull got %d records", len(recs))
	}
	// With nothing arriving, the pull ends at its timeout with PULL_NOT_FOUND.
	start = time.Now()
	if resp := call(t, cl, addr, pullCommand("Wake", 0, 2, 300*time.Millisecond)); resp.Code != remoting.ResponsePullNotFound || time.Since(start) < 250*time.Millisecond {
		t.Fatalf("timed-out pull: %v after %v", resp, time.Since(start))
	}
}

func TestOffsetsAndTopicsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	b := testBroker(t, dir)
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	call(t, cl, b.Addr(), sendRequest("Keep", 0, "x", "k"))
	u := remoting.UpdateConsumerOffsetRequestHeader{ConsumerGroup: "cg", Topic: "Keep", QueueID: 0, CommitOffset: 1}
	call(t, cl, b.Addr(), remoting.NewRequest(remoting.RequestUpdateConsumerOffset, u.Encode(nil), nil))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b = testBroker(t, dir)
	defer b.Close()
	if _, ok := b.topics.get("Keep"); !ok {
		t.Fatal("topic lost across a restart")
	}
	if off, ok := b.offsets.query("cg", "Keep", 0); !ok || off != 1 {
		t.Fatalf("offset after restart: %d %v", off, ok)
	}
	if max := b.store.GetMaxOffsetInQueue("Keep", 0); max != 1 {
		t.Fatalf("queue max after restart: %d", max)
	}
}

func TestSendBackGoesToRetryThenDeadLetter(t *testing.T) {
	b := testBroker(t, t.TempDir())
	defer b.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	addr := b.Addr()
	resp := call(t, cl, addr, sendRequest("Fails", 0, "poison", "p"))
	var h remoting.SendMessageResponseHeader
	if err := h.Decode(resp.ExtFields); err != nil {
		t.Fatal(err)
	}
	_, phys, _ := message.ParseOffsetMsgID(h.MsgID)
	sendBack := func(offset int64, maxTimes int) {
		t.Helper()
		ext := map[string]string{"offset": fmt.Sprint(offset), "group": "cg", "delayLevel": "0", "originMsgId": h.MsgID, "maxReconsumeTimes": fmt.Sprint(maxTimes)}
		if resp := call(t, cl, addr, remoting.NewRequest(remoting.RequestConsumerSendMsgBack, ext, nil)); resp.Code != remoting.ResponseSuccess {
			t.Fatalf("send back: %v", resp)
		}
	}
	sendBack(phys, 1)
	// The retry is delayed (100 ms per level here) through the schedule topic.
	resp = call(t, cl, addr, pullCommand("%RETRY%cg", 0, 0, 5*time.Second))
	recs := decodeRecords(t, resp.Body)
	if len(recs) != 1 || string(recs[0].Body) != "poison" || recs[0].ReconsumeTimes != 1 || recs[0].Properties.Get(message.PropertyRetryTopic) != "Fails" {
		t.Fatalf("retry topic holds %d records", len(recs))
	}
	sendBack(recs[0].PhysicalOffset, 1) // retried once already: dead letter
	if err := b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	resp = call(t, cl, addr, pullCommand("%DLQ%cg", 0, 0, 0))
	if recs := decodeRecords(t, resp.Body); len(recs) != 1 || recs[0].Properties.Get(message.PropertyOriginMessageID) != h.MsgID {
		t.Fatalf("dead-letter topic holds %d records", len(recs))
	}
}

func TestDelayedMessageArrivesAfterItsLevel(t *testing.T) {
	b := testBroker(t, t.TempDir())
	defer b.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	addr := b.Addr()
	req := sendRequest("Later", 0, "delayed", "d")
	var h remoting.SendMessageRequestHeader
	if err := h.DecodeV2(req.ExtFields); err != nil {
		t.Fatal(err)
	}
	h.Properties = string(message.Properties(h.Properties).Set(message.PropertyDelayLevel, "2"))
	req.ExtFields = h.EncodeV2(nil)
	start := time.Now()
	if resp := call(t, cl, addr, req); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("send: %v", resp)
	}
	if max := b.store.GetMaxOffsetInQueue("Later", 0); max != 0 {
		t.Fatalf("the delayed message is in its topic at once (max %d)", max)
	}
	resp := call(t, cl, addr, pullCommand("Later", 0, 0, 5*time.Second))
	recs := decodeRecords(t, resp.Body)
	if resp.Code != remoting.ResponseSuccess || len(recs) != 1 || string(recs[0].Body) != "delayed" {
		t.Fatalf("pull: %v", resp)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Fatalf("delivered after %v, before its level's delay", waited)
	}
	if recs[0].Properties.Get(message.PropertyRealTopic) != "" {
		t.Fatal("the delivered message still carries REAL_TOPIC")
	}
}
