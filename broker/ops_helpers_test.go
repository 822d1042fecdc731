package broker

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// opsFixture is a broker and a client for the admin, metrics and flow
// control tests.
type opsFixture struct {
	b    *Broker
	cl   *remoting.Client
	addr string
}

func newOpsFixture(t *testing.T, tweaks ...func(*Options)) *opsFixture {
	t.Helper()
	return opsFixtureIn(t, t.TempDir(), tweaks...)
}

func opsFixtureIn(t *testing.T, dir string, tweaks ...func(*Options)) *opsFixture {
	t.Helper()
	b := newRoleBroker(t, dir, RoleAsyncMaster, "", "", tweaks...)
	t.Cleanup(func() { b.Close() })
	cl := remoting.NewClient(remoting.ClientOptions{})
	t.Cleanup(func() { cl.Close() })
	return &opsFixture{b: b, cl: cl, addr: b.Addr()}
}

// send stores n messages in topic's queue, bodies prefix-<i>, and waits
// until they are dispatched.
func (f *opsFixture) send(t *testing.T, topic string, queue int32, n int, prefix string) {
	t.Helper()
	for i := range n {
		if resp := call(t, f.cl, f.addr, sendRequest(topic, queue, fmt.Sprintf("%s-%d", prefix, i), "")); resp.Code != remoting.ResponseSuccess {
			t.Fatalf("send %d to %s: code %d %q", i, topic, resp.Code, resp.Remark)
		}
	}
	if err := f.b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// admin calls code with ext fields and body and wants SUCCESS.
func (f *opsFixture) admin(t *testing.T, code int16, ext map[string]string, body []byte) *remoting.Command {
	t.Helper()
	resp := call(t, f.cl, f.addr, remoting.NewRequest(code, ext, body))
	if resp.Code != remoting.ResponseSuccess {
		t.Fatalf("request %d: code %d %q", code, resp.Code, resp.Remark)
	}
	return resp
}

// heartbeatBody is a client's heartbeat: a consumer of group subscribed to
// topic (when group is set) and a producer of producerGroup (when set).
func heartbeatBody(clientID, group, topic, producerGroup string) []byte {
	hb := map[string]any{"clientID": clientID}
	if group != "" {
		hb["consumerDataSet"] = []any{map[string]any{
			"groupName": group, "consumeType": "CONSUME_PASSIVELY", "messageModel": "CLUSTERING",
			"consumeFromWhere": "CONSUME_FROM_LAST_OFFSET",
			"subscriptionDataSet": []any{map[string]any{"topic": topic, "subString": "*", "expressionType": "TAG",
				"subVersion": 1, "classFilterMode": false, "tagsSet": []string{}, "codeSet": []int{}}},
		}}
	}
	if producerGroup != "" {
		hb["producerDataSet"] = []any{map[string]any{"groupName": producerGroup}}
	}
	body, _ := json.Marshal(hb)
	return body
}

// heartbeat sends a heartbeat over cl.
func (f *opsFixture) heartbeat(t *testing.T, cl *remoting.Client, clientID, group, topic, producerGroup string) {
	t.Helper()
	req := remoting.NewRequest(remoting.RequestHeartBeat, nil, heartbeatBody(clientID, group, topic, producerGroup))
	if resp := call(t, cl, f.addr, req); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("heartbeat: code %d %q", resp.Code, resp.Remark)
	}
}

// decodeFastJSON decodes a body RocketMQ writes with fastjson (maps keyed
// by MessageQueue objects) into v; such keys become their JSON text.
func decodeFastJSON(t *testing.T, body []byte, v any) {
	t.Helper()
	js, err := remoting.NormalizeFastJSON(body)
	if err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if err := json.Unmarshal(js, v); err != nil {
		t.Fatalf("%v: %s", err, js)
	}
}

// byQueue turns a decoded offsetTable into queue id → value, checking every
// key names the broker and topic.
func byQueue[V any](t *testing.T, table map[string]V, broker, topic string) map[int32]V {
	t.Helper()
	out := map[int32]V{}
	for k, v := range table {
		mq, err := remoting.ParseQueueKey(k)
		if err != nil {
			t.Fatal(err)
		}
		if mq.BrokerName != broker || (topic != "" && mq.Topic != topic) {
			t.Fatalf("queue key %s: want broker %s topic %s", k, broker, topic)
		}
		out[mq.QueueID] = v
	}
	return out
}

// commitOffset commits group's offset in topic/queue.
func (f *opsFixture) commitOffset(t *testing.T, group, topic string, queue int32, offset int64) {
	t.Helper()
	h := remoting.UpdateConsumerOffsetRequestHeader{ConsumerGroup: group, Topic: topic, QueueID: queue, CommitOffset: offset}
	f.admin(t, remoting.RequestUpdateConsumerOffset, h.Encode(nil), nil)
}
