package broker

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

// TestResetOffsetMovesRunningConsumers skips a group's backlog while its
// consumer runs: the broker takes the new offsets, pushes
// RESET_CONSUMER_CLIENT_OFFSET to the consumer, ignores the consumer's
// stale commits, corrects its pull from the old offset, and the lag metric
// falls to zero. Then it rewinds the group to a time.
func TestResetOffsetMovesRunningConsumers(t *testing.T) {
	f := newOpsFixture(t)
	f.send(t, "Backlog", 0, 20, "old")
	time.Sleep(5 * time.Millisecond) // store times are in milliseconds: none of "old" at mid
	mid := time.Now().UnixMilli()
	time.Sleep(5 * time.Millisecond)
	f.send(t, "Backlog", 0, 5, "new")
	f.commitOffset(t, "cg-reset", "Backlog", 0, 3)
	lag := func() float64 {
		return gaugeValues(t, f.b, "rocketmq_consumer_lag_messages", "consumer_group")["cg-reset"]
	}
	if got := lag(); got != 22 {
		t.Fatalf("lag before the reset %v, want 22", got)
	}

	var mu sync.Mutex
	var pushed []*remoting.Command
	consumer := remoting.NewClient(remoting.ClientOptions{Handler: func(c *remoting.Conn, req *remoting.Command) *remoting.Command {
		if req.Code == remoting.RequestResetConsumerClientOffset {
			mu.Lock()
			pushed = append(pushed, req)
			mu.Unlock()
		}
		return nil
	}})
	defer consumer.Close()
	f.heartbeat(t, consumer, "client-reset", "cg-reset", "Backlog", "")

	// Skip the backlog: every queue to its end.
	resp := f.admin(t, remoting.RequestInvokeBrokerToResetOffset,
		map[string]string{"topic": "Backlog", "group": "cg-reset", "timestamp": "-1", "isForce": "true"}, nil)
	var body struct {
		OffsetTable map[string]int64 `json:"offsetTable"`
	}
	decodeFastJSON(t, resp.Body, &body)
	if q := byQueue(t, body.OffsetTable, f.b.opts.BrokerName, "Backlog"); len(q) != 4 || q[0] != 25 || q[1] != 0 {
		t.Fatalf("reset body %v, want queue 0 at 25 of 4 queues", q)
	}
	waitFor(t, "the reset pushed to the consumer", func() bool { mu.Lock(); defer mu.Unlock(); return len(pushed) == 1 })
	mu.Lock()
	push := pushed[0]
	mu.Unlock()
	if push.ExtFields["group"] != "cg-reset" || push.ExtFields["topic"] != "Backlog" || !strings.Contains(string(push.Body), `"queueId":0,"topic":"Backlog"}:25`) {
		t.Fatalf("pushed %v %s", push.ExtFields, push.Body)
	}
	if got := lag(); got != 0 {
		t.Fatalf("lag after skipping the backlog %v, want 0", got)
	}

	// The consumer, not yet moved, commits its old offset and pulls from it.
	f.commitOffset(t, "cg-reset", "Backlog", 0, 4)
	if off, _ := f.b.offsets.query("cg-reset", "Backlog", 0); off != 25 {
		t.Fatalf("a stale commit moved the offset to %d", off)
	}
	pull := pullCommand("Backlog", 0, 4, 0)
	pull.ExtFields["consumerGroup"] = "cg-reset"
	moved := call(t, consumer, f.addr, pull)
	var ph remoting.PullMessageResponseHeader
	if err := ph.Decode(moved.ExtFields); err != nil || moved.Code != remoting.ResponsePullOffsetMoved || ph.NextBeginOffset != 25 {
		t.Fatalf("stale pull: code %d next %d (%v)", moved.Code, ph.NextBeginOffset, err)
	}
	// Pulling from the reset offset ends the correction; commits apply again.
	pull = pullCommand("Backlog", 0, 25, 0)
	pull.ExtFields["consumerGroup"] = "cg-reset"
	if r := call(t, consumer, f.addr, pull); r.Code != remoting.ResponsePullNotFound {
		t.Fatalf("pull at the new offset: code %d", r.Code)
	}
	f.commitOffset(t, "cg-reset", "Backlog", 0, 24)
	if off, _ := f.b.offsets.query("cg-reset", "Backlog", 0); off != 24 {
		t.Fatalf("commit after the consumer moved: offset %d, want 24", off)
	}

	// Rewind to a time: queue 0 goes back to the first "new" message.
	resp = f.admin(t, remoting.RequestInvokeBrokerToResetOffset,
		map[string]string{"topic": "Backlog", "group": "cg-reset", "timestamp": strconv.FormatInt(mid, 10), "isForce": "true"}, nil)
	decodeFastJSON(t, resp.Body, &body)
	if q := byQueue(t, body.OffsetTable, f.b.opts.BrokerName, "Backlog"); q[0] != 20 {
		t.Fatalf("rewind to %d: queue 0 at %d, want 20", mid, q[0])
	}
	if got := lag(); got != 5 {
		t.Fatalf("lag after the rewind %v, want 5", got)
	}
	// One queue to an explicit offset; out of range is refused.
	f.admin(t, remoting.RequestInvokeBrokerToResetOffset,
		map[string]string{"topic": "Backlog", "group": "cg-reset", "queueId": "0", "offset": "7", "timestamp": "0"}, nil)
	if off, _ := f.b.offsets.query("cg-reset", "Backlog", 0); off != 7 {
		t.Fatalf("explicit offset: %d, want 7", off)
	}
	bad := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestInvokeBrokerToResetOffset,
		map[string]string{"topic": "Backlog", "group": "cg-reset", "queueId": "0", "offset": "99", "timestamp": "0"}, nil))
	wantRefusal(t, bad, remoting.ResponseSystemError, "not in consume queue range")
	unknown := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestInvokeBrokerToResetOffset,
		map[string]string{"topic": "Nope", "group": "cg-reset", "timestamp": "-1"}, nil))
	if unknown.Code != remoting.ResponseTopicNotExist {
		t.Fatalf("unknown topic: code %d", unknown.Code)
	}
}

func TestCloneGroupOffset(t *testing.T) {
	f := newOpsFixture(t)
	f.send(t, "Cloned", 1, 4, "c")
	f.commitOffset(t, "cg-src", "Cloned", 1, 3)
	f.admin(t, remoting.RequestCloneGroupOffset, map[string]string{"srcGroup": "cg-src", "destGroup": "cg-dst", "topic": "Cloned", "offline": "false"}, nil)
	if off, ok := f.b.offsets.query("cg-dst", "Cloned", 1); !ok || off != 3 {
		t.Fatalf("cloned offset %d %v, want 3", off, ok)
	}
	f.admin(t, remoting.RequestCloneGroupOffset, map[string]string{"srcGroup": "cg-src", "destGroup": "cg-all"}, nil)
	if off, _ := f.b.offsets.query("cg-all", "Cloned", 1); off != 3 {
		t.Fatalf("clone of every topic: %d, want 3", off)
	}
}

func TestQueryConsumeQueue(t *testing.T) {
	f := newOpsFixture(t)
	f.send(t, "Units", 2, 5, "u") // sendRequest tags every message TagA
	f.heartbeat(t, f.cl, "c1", "cg-units", "Units", "")
	resp := f.admin(t, remoting.RequestQueryConsumeQueue,
		map[string]string{"topic": "Units", "queueId": "2", "index": "1", "count": "3", "consumerGroup": "cg-units"}, nil)
	var body struct {
		SubscriptionData *struct {
			Topic     string `json:"topic"`
			SubString string `json:"subString"`
		} `json:"subscriptionData"`
		QueueData []struct {
			PhysicOffset int64 `json:"physicOffset"`
			PhysicSize   int   `json:"physicSize"`
			TagsCode     int64 `json:"tagsCode"`
			Eval         bool  `json:"eval"`
		} `json:"queueData"`
		MaxQueueIndex int64 `json:"maxQueueIndex"`
		MinQueueIndex int64 `json:"minQueueIndex"`
	}
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.MaxQueueIndex != 5 || body.MinQueueIndex != 0 || len(body.QueueData) != 3 || body.SubscriptionData == nil || body.SubscriptionData.SubString != "*" {
		t.Fatalf("body %s", resp.Body)
	}
	r, err := f.b.store.GetMessage("", "Units", 2, 1, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	for i, u := range body.QueueData {
		if u.PhysicOffset != r.Messages[i].Offset || u.PhysicSize != len(r.Messages[i].Bytes) || u.TagsCode != message.TagsCode("TagA") || !u.Eval {
			t.Fatalf("unit %d: %+v, want offset %d size %d", i, u, r.Messages[i].Offset, len(r.Messages[i].Bytes))
		}
	}
}

func TestGetTopicConfig(t *testing.T) {
	f := newOpsFixture(t)
	f.send(t, "Configured", 0, 1, "t")
	var tc struct {
		TopicName      string `json:"topicName"`
		ReadQueueNums  int    `json:"readQueueNums"`
		WriteQueueNums int    `json:"writeQueueNums"`
		Perm           int    `json:"perm"`
	}
	if err := json.Unmarshal(f.admin(t, remoting.RequestGetTopicConfig, map[string]string{"topic": "Configured"}, nil).Body, &tc); err != nil {
		t.Fatal(err)
	}
	if tc.TopicName != "Configured" || tc.ReadQueueNums != 4 || tc.WriteQueueNums != 4 || tc.Perm != DefaultPerm {
		t.Fatalf("topic config %+v", tc)
	}
	if r := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestGetTopicConfig, map[string]string{"topic": "Nope"}, nil)); r.Code != remoting.ResponseTopicNotExist {
		t.Fatalf("unknown topic: code %d", r.Code)
	}
}

func TestPendingResetsAreForgottenWithTheirTopicOrGroup(t *testing.T) {
	tb, err := openOffsetTable(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tb.assignReset("g1", "T", 0, 10)
	tb.assignReset("g1", "T", 0, 12) // a second reset of the same queue replaces the first
	tb.assignReset("g1", "T", 1, 5)
	tb.assignReset("g2", "U", 0, 7)
	if off, moved := tb.pullReset("g1", "T", 0, 3); !moved || off != 12 || tb.pending.Load() != 3 {
		t.Fatalf("stale pull: %d %v, pending %d", off, moved, tb.pending.Load())
	}
	if _, moved := tb.pullReset("g1", "T", 1, 5); moved || tb.pending.Load() != 2 {
		t.Fatalf("pull at the reset offset moved, or pending %d", tb.pending.Load())
	}
	tb.removeTopic("T")
	tb.removeGroup("g2")
	if tb.pending.Load() != 0 {
		t.Fatalf("pending %d after the topic and group went", tb.pending.Load())
	}
	if _, moved := tb.pullReset("g1", "T", 0, 3); moved {
		t.Fatal("a reset of a deleted topic still moves pulls")
	}
	tb.commit("g2", "U", 0, 1)
	if off, _ := tb.query("g2", "U", 0); off != 1 {
		t.Fatalf("commit after the group's reset went: %d", off)
	}
}
