package broker

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

func TestMetricsCountTrafficAndComputeGaugesAtScrape(t *testing.T) {
	f := newOpsFixture(t)
	f.send(t, "Metered", 0, 6, "m") // bodies "m-0".."m-5": 18 bytes
	f.send(t, "Metered", 1, 2, "m")
	f.heartbeat(t, f.cl, "c1", "cg-m", "Metered", "pg-m")
	pull := pullCommand("Metered", 0, 0, 0)
	pull.ExtFields["consumerGroup"] = "cg-m"
	resp := call(t, f.cl, f.addr, pull)
	if resp.Code != remoting.ResponseSuccess {
		t.Fatalf("pull: %d %q", resp.Code, resp.Remark)
	}
	f.commitOffset(t, "cg-m", "Metered", 0, 4)
	f.commitOffset(t, "cg-m", "Metered", 1, 0)

	if got := gaugeValues(t, f.b, "rocketmq_messages_in_total", "topic")["Metered"]; got != 8 {
		t.Fatalf("messages in %v, want 8", got)
	}
	if got := gaugeValues(t, f.b, "rocketmq_throughput_in_total", "topic")["Metered"]; got != 24 { // "m-0".."m-5", "m-0", "m-1"
		t.Fatalf("bytes in %v, want 24", got)
	}
	// A pull's delivery is counted once its records are handed to the
	// connection's writer, which may be after the client has them.
	waitForValue(t, "messages out", 6, func() float64 {
		return gaugeValues(t, f.b, "rocketmq_messages_out_total", "consumer_group")["cg-m"]
	})
	waitForValue(t, "bytes out", float64(len(resp.Body)), func() float64 {
		return gaugeValues(t, f.b, "rocketmq_throughput_out_total", "consumer_group")["cg-m"]
	})
	lag := gaugeValues(t, f.b, "rocketmq_consumer_lag_messages", "queue_id")
	if lag["0"] != 2 || lag["1"] != 2 {
		t.Fatalf("lag by queue %v, want 2 and 2", lag)
	}
	if age := gaugeValues(t, f.b, "rocketmq_consumer_lag_latency", "consumer_group")["cg-m"]; age < 0 || age > float64(time.Minute.Milliseconds()) {
		t.Fatalf("lag latency %v ms", age)
	}
	// Latency of sends (code 310) and pulls (11), by response code.
	waitForValue(t, "pull latency samples", 1, func() float64 {
		return gaugeValues(t, f.b, "rocketmq_rpc_latency", "request_code")["11"]
	})
	lat := gaugeValues(t, f.b, "rocketmq_rpc_latency", "request_code")
	if lat["310"] != 8 || lat["11"] != 1 {
		t.Fatalf("rpc latency samples by request %v, want 8 sends and 1 pull", lat)
	}
	one := func(name string) float64 { return gaugeValues(t, f.b, name, "")[""] }
	if n := one("rocketmq_storage_size"); n != float64(f.b.store.CommitLog().MaxOffset()) {
		t.Fatalf("storage size %v, want %d", n, f.b.store.CommitLog().MaxOffset())
	}
	if one("rocketstore_disk_free_bytes") <= 0 || one("rocketstore_disk_total_bytes") < one("rocketstore_disk_free_bytes") {
		t.Fatal("disk gauges")
	}
	if n := one("rocketmq_topic_number"); n < 2 { // TBW102, Metered, %RETRY%cg-m
		t.Fatalf("topic number %v", n)
	}
	if n := one("rocketstore_store_put_latency"); n != 8 {
		t.Fatalf("put latency samples %v, want 8", n)
	}
	if w := gaugeValues(t, f.b, "rocketmq_processor_watermark", "processor"); len(w) != len(f.b.pools) {
		t.Fatalf("processor watermarks %v", w)
	}
	// A deleted topic's series go with it.
	f.admin(t, remoting.RequestDeleteTopicInBroker, map[string]string{"topic": "Metered"}, nil)
	for _, name := range []string{"rocketmq_messages_in_total", "rocketmq_messages_out_total", "rocketmq_consumer_lag_messages"} {
		if got := gaugeValues(t, f.b, name, "topic"); got["Metered"] != 0 {
			t.Fatalf("%s of the deleted topic: %v", name, got)
		}
	}
}

func TestBacklogGauges(t *testing.T) {
	f := newOpsFixture(t, func(o *Options) { o.Store.DelayLevels = strings.Repeat("1h ", 18) })
	h := remoting.SendMessageRequestHeader{ProducerGroup: "pg", Topic: "Later", DefaultTopic: AutoCreateTopicKey,
		DefaultTopicQueueNums: 1, BornTimestamp: time.Now().UnixMilli(),
		Properties: string(message.EncodeProperties(map[string]string{message.PropertyDelayLevel: "3"}))}
	for range 2 {
		if r := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestSendMessageV2, h.EncodeV2(nil), []byte("later"))); r.Code != remoting.ResponseSuccess {
			t.Fatalf("delayed send: %d %q", r.Code, r.Remark)
		}
	}
	if err := f.b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := gaugeValues(t, f.b, "rocketstore_delay_backlog_messages", "level"); got["3"] != 2 || len(got) != 1 {
		t.Fatalf("delay backlog %v, want 2 at level 3", got)
	}
	// Transactional half messages past the check group's offset.
	if got := gaugeValues(t, f.b, "rocketmq_half_messages", ""); len(got) != 0 {
		t.Fatalf("half messages %v without the half topic", got)
	}
	// Clients may not send to the half topic: put into the store directly.
	for i := range 3 {
		m := message.Message{Topic: TransHalfTopic, Body: []byte{byte(i)}, BornTimestamp: time.Now().UnixMilli()}
		if _, err := f.b.store.PutMessage(context.Background(), &m); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	f.commitOffset(t, transCheckGroup, TransHalfTopic, 0, 1)
	if got := gaugeValues(t, f.b, "rocketmq_half_messages", "")[""]; got != 2 {
		t.Fatalf("half messages %v, want 2", got)
	}
	if lag := gaugeValues(t, f.b, "rocketmq_consumer_lag_messages", "consumer_group"); len(lag) != 0 {
		t.Fatalf("the check group counted as a consumer's lag: %v", lag)
	}
}

func TestDisabledMetrics(t *testing.T) {
	f := newOpsFixture(t, func(o *Options) { o.DisableMetrics = true })
	f.send(t, "Unmetered", 0, 2, "u")
	if f.b.MetricsRegistry() != nil {
		t.Fatal("a registry with metrics disabled")
	}
	r := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestViewBrokerStatsData, map[string]string{"statsName": "TOPIC_PUT_NUMS", "statsKey": "Unmetered"}, nil))
	wantRefusal(t, r, remoting.ResponseSystemError, "DisableMetrics")
	f.admin(t, remoting.RequestGetBrokerRuntimeInfo, nil, nil)
}

func TestReplicationLagGauges(t *testing.T) {
	master := roleBroker(t, RoleAsyncMaster, "", "")
	defer master.Close()
	f := &opsFixture{b: master, cl: remoting.NewClient(remoting.ClientOptions{}), addr: master.Addr()}
	defer f.cl.Close()
	f.send(t, "Replicated", 0, 5, "r")
	slave := roleBroker(t, RoleSlave, master.HAAddr(), master.Addr())
	defer slave.Close()
	waitFor(t, "a slave in sync with no lag", func() bool {
		lag := gaugeValues(t, master, "rocketstore_replication_lag_bytes", "slave")
		sync := gaugeValues(t, master, "rocketstore_replication_in_sync", "slave")
		if len(lag) != 1 || len(sync) != 1 {
			return false
		}
		for addr, v := range lag {
			if v != 0 || sync[addr] != 1 {
				return false
			}
		}
		return true
	})
	slave.Close()
	waitFor(t, "the slave's gauges to go", func() bool {
		return len(gaugeValues(t, master, "rocketstore_replication_lag_bytes", "slave")) == 0
	})
}
