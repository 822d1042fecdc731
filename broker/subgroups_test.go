package broker

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// subscriptionGroupJSON is RocketMQ's SubscriptionGroupConfig, the fields
// the broker honours and a few it keeps.
type subscriptionGroupJSON struct {
	GroupName                    string `json:"groupName"`
	ConsumeEnable                bool   `json:"consumeEnable"`
	ConsumeBroadcastEnable       bool   `json:"consumeBroadcastEnable"`
	RetryQueueNums               int    `json:"retryQueueNums"`
	RetryMaxTimes                int    `json:"retryMaxTimes"`
	BrokerID                     int64  `json:"brokerId"`
	WhichBrokerWhenConsumeSlowly int64  `json:"whichBrokerWhenConsumeSlowly"`
	ConsumeTimeoutMinute         int    `json:"consumeTimeoutMinute"`
}

func TestSubscriptionGroupsAreHonouredAndPersisted(t *testing.T) {
	dir := t.TempDir()
	f := opsFixtureIn(t, dir)
	f.send(t, "Grouped", 0, 3, "g")
	// A disabled group with no retries; fields left out take defaults.
	f.admin(t, remoting.RequestUpdateAndCreateSubscriptionGroup, nil,
		[]byte(`{"groupName":"cg-off","consumeEnable":false,"retryMaxTimes":0}`))
	f.heartbeat(t, f.cl, "c1", "cg-auto", "Grouped", "") // auto-created with defaults

	var wrapper struct {
		SubscriptionGroupTable map[string]subscriptionGroupJSON `json:"subscriptionGroupTable"`
		DataVersion            struct {
			Counter int64 `json:"counter"`
		} `json:"dataVersion"`
	}
	if err := json.Unmarshal(f.admin(t, remoting.RequestGetAllSubscriptionGroupConfig, nil, nil).Body, &wrapper); err != nil {
		t.Fatal(err)
	}
	off, auto := wrapper.SubscriptionGroupTable["cg-off"], wrapper.SubscriptionGroupTable["cg-auto"]
	if off.ConsumeEnable || off.RetryMaxTimes != 0 || !off.ConsumeBroadcastEnable || off.RetryQueueNums != 1 || off.ConsumeTimeoutMinute != 15 {
		t.Fatalf("cg-off %+v", off)
	}
	if !auto.ConsumeEnable || auto.RetryMaxTimes != 16 || auto.WhichBrokerWhenConsumeSlowly != 1 || wrapper.DataVersion.Counter != 2 {
		t.Fatalf("cg-auto %+v, version %d", auto, wrapper.DataVersion.Counter)
	}

	// consumeEnable=false: pulls refused with RocketMQ's code and remark.
	pull := pullCommand("Grouped", 0, 0, 0)
	pull.ExtFields["consumerGroup"] = "cg-off"
	wantRefusal(t, call(t, f.cl, f.addr, pull), remoting.ResponseNoPermission, "subscription group no permission, cg-off")

	// retryMaxTimes drives CONSUMER_SEND_MSG_BACK: 0 retries → the DLQ.
	r, err := f.b.store.GetMessage("", "Grouped", 0, 0, 1, nil)
	if err != nil || len(r.Messages) != 1 {
		t.Fatal(r, err)
	}
	phys := strconv.FormatInt(r.Messages[0].Offset, 10)
	r.Release()
	sendBack := func(group string, maxTimes string) {
		ext := map[string]string{"offset": phys, "group": group, "delayLevel": "0", "originTopic": "Grouped"}
		if maxTimes != "" {
			ext["maxReconsumeTimes"] = maxTimes
		}
		f.admin(t, remoting.RequestConsumerSendMsgBack, ext, nil)
	}
	sendBack("cg-off", "")
	sendBack("cg-auto", "")
	sendBack("cg-off", "5") // a client's own limit overrides the group's, as RocketMQ's
	if err := f.b.store.WaitDispatched(5e9); err != nil {
		t.Fatal(err)
	}
	if n := f.b.store.GetMaxOffsetInQueue(dlqTopicPrefix+"cg-off", 0); n != 1 {
		t.Fatalf("cg-off's DLQ holds %d, want 1", n)
	}
	if n := f.b.store.GetMaxOffsetInQueue(dlqTopicPrefix+"cg-auto", 0); n != 0 {
		t.Fatalf("cg-auto's DLQ holds %d, want 0 (16 retries)", n)
	}
	if n := f.b.store.GetMaxOffsetInQueue(store.ScheduleTopic, 2); n != 2 { // level 3 retries of cg-auto and cg-off(5)
		t.Fatalf("%d retries scheduled, want 2", n)
	}
	if got := gaugeValues(t, f.b, "rocketmq_send_to_dlq_messages_total", "consumer_group"); got["cg-off"] != 1 {
		t.Fatalf("DLQ counter %v", got)
	}

	var one subscriptionGroupJSON
	if err := json.Unmarshal(f.admin(t, remoting.RequestGetSubscriptionGroupConfig, map[string]string{"group": "cg-off"}, nil).Body, &one); err != nil || one.GroupName != "cg-off" {
		t.Fatalf("GET_SUBSCRIPTIONGROUP_CONFIG: %+v %v", one, err)
	}

	// The table survives a restart; a deleted group is gone, and its
	// offsets too with cleanOffset.
	f.commitOffset(t, "cg-auto", "Grouped", 0, 2)
	f.b.Close()
	f = opsFixtureIn(t, dir)
	wantRefusal(t, call(t, f.cl, f.addr, pull), remoting.ResponseNoPermission, "no permission")
	f.admin(t, remoting.RequestDeleteSubscriptionGroup, map[string]string{"groupName": "cg-auto", "cleanOffset": "true"}, nil)
	if _, ok := f.b.groups.get("cg-auto"); ok {
		t.Fatal("cg-auto still configured")
	}
	if _, ok := f.b.offsets.query("cg-auto", "Grouped", 0); ok {
		t.Fatal("cg-auto's offsets kept after cleanOffset")
	}
	r2 := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestGetSubscriptionGroupConfig, map[string]string{"group": "cg-auto"}, nil))
	if r2.Code != remoting.ResponseSubscriptionGroupNotExist {
		t.Fatalf("deleted group: code %d", r2.Code)
	}
	bad := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestUpdateAndCreateSubscriptionGroup, nil, []byte(`{"consumeEnable":true}`)))
	if bad.Code != remoting.ResponseInvalidParameter {
		t.Fatalf("group without a name: code %d", bad.Code)
	}
}
