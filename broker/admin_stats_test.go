package broker

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// The admin tests decode each answer into structs with RocketMQ's field
// names (the protocol body classes), as mqadmin and rocketmq-dashboard do.

func TestGetBrokerRuntimeInfo(t *testing.T) {
	f := newOpsFixture(t)
	f.send(t, "Runtime", 0, 7, "r")
	resp := f.admin(t, remoting.RequestGetBrokerRuntimeInfo, nil, nil)
	var kv struct {
		Table map[string]string `json:"table"`
	}
	if err := json.Unmarshal(resp.Body, &kv); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"msgPutTotalTodayNow":         "7",
		"msgGetTotalTodayNow":         "0",
		"sendThreadPoolQueueCapacity": "10000",
		"brokerPermission":            "6",
		"commitLogMinOffset":          "0",
		"dispatchBehindBytes":         "0",
		"brokerActive":                "true",
	}
	for k, v := range want {
		if kv.Table[k] != v {
			t.Errorf("%s = %q, want %q", k, kv.Table[k], v)
		}
	}
	for _, k := range []string{"commitLogMaxOffset", "earliestMessageTimeStamp", "commitLogDiskRatio", "brokerVersionDesc", "pageCacheLockTimeMills", "bootTimestamp"} {
		if kv.Table[k] == "" {
			t.Errorf("%s missing from %v", k, kv.Table)
		}
	}
	// Rates over 10 s, 1 min and 10 min, as mqadmin clusterList reads them:
	// 7 puts since the broker started moments ago.
	for _, k := range []string{"putTps", "getTotalTps", "getTransferredTps"} {
		var r [3]float64
		if n, err := fmt.Sscanf(kv.Table[k], "%f %f %f", &r[0], &r[1], &r[2]); n != 3 || err != nil {
			t.Fatalf("%s = %q: %v", k, kv.Table[k], err)
		}
		if k == "putTps" && (r[0] <= 0 || r[0] != r[2]) {
			t.Errorf("putTps %v: want one positive rate, the same in every window since the start", r)
		}
	}
	if n, _ := strconv.ParseInt(kv.Table["commitLogMaxOffset"], 10, 64); n != f.b.store.CommitLog().MaxOffset() {
		t.Errorf("commitLogMaxOffset %s, want %d", kv.Table["commitLogMaxOffset"], f.b.store.CommitLog().MaxOffset())
	}
}

// topicStatsTable is RocketMQ's TopicStatsTable.
type topicStatsTable struct {
	OffsetTable map[string]struct {
		MinOffset           int64 `json:"minOffset"`
		MaxOffset           int64 `json:"maxOffset"`
		LastUpdateTimestamp int64 `json:"lastUpdateTimestamp"`
	} `json:"offsetTable"`
	TopicPutTps float64 `json:"topicPutTps"`
}

func TestGetTopicStatsInfo(t *testing.T) {
	f := newOpsFixture(t)
	before := time.Now().UnixMilli()
	f.send(t, "Stats", 1, 5, "s")
	f.send(t, "Stats", 3, 2, "s")
	resp := f.admin(t, remoting.RequestGetTopicStatsInfo, map[string]string{"topic": "Stats"}, nil)
	var st topicStatsTable
	decodeFastJSON(t, resp.Body, &st)
	queues := byQueue(t, st.OffsetTable, f.b.opts.BrokerName, "Stats")
	if len(queues) != 4 {
		t.Fatalf("%d queues, want the topic's 4", len(queues))
	}
	for q, want := range map[int32]int64{0: 0, 1: 5, 2: 0, 3: 2} {
		o := queues[q]
		if o.MinOffset != 0 || o.MaxOffset != want {
			t.Errorf("queue %d: min %d max %d, want 0 and %d", q, o.MinOffset, o.MaxOffset, want)
		}
		if (want > 0) != (o.LastUpdateTimestamp >= before) {
			t.Errorf("queue %d: last update %d (sent after %d)", q, o.LastUpdateTimestamp, before)
		}
	}
	miss := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestGetTopicStatsInfo, map[string]string{"topic": "Nope"}, nil))
	if miss.Code != remoting.ResponseTopicNotExist {
		t.Fatalf("unknown topic: code %d", miss.Code)
	}
}

// consumeStats is RocketMQ's ConsumeStats.
type consumeStats struct {
	OffsetTable map[string]struct {
		BrokerOffset   int64 `json:"brokerOffset"`
		ConsumerOffset int64 `json:"consumerOffset"`
		PullOffset     int64 `json:"pullOffset"`
		LastTimestamp  int64 `json:"lastTimestamp"`
	} `json:"offsetTable"`
	ConsumeTps float64 `json:"consumeTps"`
}

// lag sums brokerOffset - consumerOffset, as mqadmin consumerProgress does.
func (s consumeStats) lag() int64 {
	var n int64
	for _, w := range s.OffsetTable {
		n += w.BrokerOffset - w.ConsumerOffset
	}
	return n
}

func TestGetConsumeStatsBrokerConsumeStatsAndConsumeByWho(t *testing.T) {
	f := newOpsFixture(t)
	f.send(t, "Lagging", 0, 10, "l")
	f.send(t, "Lagging", 2, 4, "l")
	f.commitOffset(t, "cg-lag", "Lagging", 0, 6)
	f.commitOffset(t, "cg-lag", "Lagging", 2, 4)
	f.commitOffset(t, "cg-other", "Lagging", 0, 10)

	var st consumeStats
	decodeFastJSON(t, f.admin(t, remoting.RequestGetConsumeStats, map[string]string{"consumerGroup": "cg-lag", "topic": "Lagging"}, nil).Body, &st)
	queues := byQueue(t, st.OffsetTable, f.b.opts.BrokerName, "Lagging")
	if w := queues[0]; w.BrokerOffset != 10 || w.ConsumerOffset != 6 || w.PullOffset != 6 || w.LastTimestamp == 0 {
		t.Fatalf("queue 0: %+v, want broker 10, consumer 6, a last timestamp", w)
	}
	if w := queues[2]; w.BrokerOffset != 4 || w.ConsumerOffset != 4 {
		t.Fatalf("queue 2: %+v", w)
	}
	if st.lag() != 4 || len(queues) != 4 {
		t.Fatalf("lag %d over %d queues, want 4 over 4", st.lag(), len(queues))
	}
	// Without a topic: every topic the group has offsets in.
	var all consumeStats
	decodeFastJSON(t, f.admin(t, remoting.RequestGetConsumeStats, map[string]string{"consumerGroup": "cg-lag"}, nil).Body, &all)
	if all.lag() != 4 {
		t.Fatalf("all topics: lag %d, want 4", all.lag())
	}

	var list struct {
		ConsumeStatsList  []map[string][]consumeStats `json:"consumeStatsList"`
		BrokerAddr        string                      `json:"brokerAddr"`
		TotalDiff         int64                       `json:"totalDiff"`
		TotalInflightDiff int64                       `json:"totalInflightDiff"`
	}
	decodeFastJSON(t, f.admin(t, remoting.RequestGetBrokerConsumeStats, map[string]string{"isOrder": "false", "timeoutMillis": "3000"}, nil).Body, &list)
	lags := map[string]int64{}
	for _, m := range list.ConsumeStatsList {
		for g, stats := range m {
			for _, s := range stats {
				lags[g] += s.lag()
			}
		}
	}
	if lags["cg-lag"] != 4 || lags["cg-other"] != 4 || list.TotalDiff != 8 || list.BrokerAddr != f.addr {
		t.Fatalf("broker consume stats: lags %v total %d addr %s", lags, list.TotalDiff, list.BrokerAddr)
	}

	f.heartbeat(t, f.cl, "c1", "cg-live", "Lagging", "")
	var groups struct {
		GroupList []string `json:"groupList"`
	}
	if err := json.Unmarshal(f.admin(t, remoting.RequestQueryTopicConsumeByWho, map[string]string{"topic": "Lagging"}, nil).Body, &groups); err != nil {
		t.Fatal(err)
	}
	if got := groups.GroupList; len(got) != 3 || got[0] != "cg-lag" || got[1] != "cg-live" || got[2] != "cg-other" {
		t.Fatalf("consumed by %v, want cg-lag, cg-live (subscribed), cg-other", got)
	}
}

func TestViewBrokerStatsData(t *testing.T) {
	f := newOpsFixture(t)
	f.send(t, "Viewed", 0, 6, "v")
	var d struct {
		StatsMinute, StatsHour, StatsDay struct {
			Sum   int64   `json:"sum"`
			Tps   float64 `json:"tps"`
			Avgpt float64 `json:"avgpt"`
		}
	}
	resp := f.admin(t, remoting.RequestViewBrokerStatsData, map[string]string{"statsName": "TOPIC_PUT_NUMS", "statsKey": "Viewed"}, nil)
	if err := json.Unmarshal(resp.Body, &d); err != nil {
		t.Fatal(err)
	}
	for name, it := range map[string]struct {
		Sum   int64   `json:"sum"`
		Tps   float64 `json:"tps"`
		Avgpt float64 `json:"avgpt"`
	}{"minute": d.StatsMinute, "hour": d.StatsHour, "day": d.StatsDay} {
		if it.Sum != 6 || it.Tps <= 0 || it.Avgpt != 1 {
			t.Errorf("%s: %+v, want sum 6, a rate, 1 message per send", name, it)
		}
	}
	f.b.stats.mu.Lock()
	// Whatever housekeeping sampled is dropped: the windows start now.
	f.b.stats.lastSampled = [3]time.Time{}
	f.b.stats.series = map[string]*statsSeries{}
	f.b.stats.mu.Unlock()
	f.b.stats.sample() // the minute window starts here
	f.send(t, "Viewed", 0, 2, "w")
	if err := json.Unmarshal(f.admin(t, remoting.RequestViewBrokerStatsData, map[string]string{"statsName": "TOPIC_PUT_NUMS", "statsKey": "Viewed"}, nil).Body, &d); err != nil {
		t.Fatal(err)
	}
	if d.StatsMinute.Sum != 2 {
		t.Fatalf("minute sum %d after a sample and 2 more sends, want 2", d.StatsMinute.Sum)
	}
	miss := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestViewBrokerStatsData, map[string]string{"statsName": "TOPIC_PUT_NUMS", "statsKey": "Nope"}, nil))
	if miss.Code != remoting.ResponseSystemError {
		t.Fatalf("unknown stats key: code %d", miss.Code)
	}
}
