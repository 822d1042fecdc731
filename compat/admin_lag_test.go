package compat

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// adminLag asks the broker for group's lag in topic with GET_CONSUME_STATS,
// decoding RocketMQ's ConsumeStats as mqadmin does: the sum over queues of
// brokerOffset - consumerOffset.
func adminLag(t *testing.T, c *cluster, group, topic string) int64 {
	t.Helper()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := remoting.NewRequest(remoting.RequestGetConsumeStats, map[string]string{"consumerGroup": group, "topic": topic}, nil)
	resp, err := cl.InvokeSync(ctx, c.broker.Addr(), req)
	if err != nil || resp.Code != remoting.ResponseSuccess {
		t.Fatalf("GET_CONSUME_STATS: %v %v", resp, err)
	}
	js, err := remoting.NormalizeFastJSON(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var stats struct {
		OffsetTable map[string]struct {
			BrokerOffset   int64 `json:"brokerOffset"`
			ConsumerOffset int64 `json:"consumerOffset"`
		} `json:"offsetTable"`
	}
	if err := json.Unmarshal(js, &stats); err != nil {
		t.Fatal(err)
	}
	var lag int64
	for _, w := range stats.OffsetTable {
		lag += w.BrokerOffset - w.ConsumerOffset
	}
	return lag
}

// metricLag reads rocketmq_consumer_lag_messages of group from the broker's
// registry, summed over queues.
func metricLag(t *testing.T, c *cluster, group, topic string) int64 {
	t.Helper()
	mfs, err := c.broker.MetricsRegistry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var lag float64
	for _, mf := range mfs {
		if mf.GetName() != "rocketmq_consumer_lag_messages" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["consumer_group"] == group && labels["topic"] == topic {
				lag += m.GetGauge().GetValue()
			}
		}
	}
	return int64(lag)
}

// TestAdminLagIsWhatTheConsumerObserves: the lag GET_CONSUME_STATS and the
// lag metric report for a group is exactly the number of messages a
// rocketmq-client-go consumer of that group then receives; and a reset of
// the group's offsets while the consumer runs makes it consume again from
// the new offsets.
func TestAdminLagIsWhatTheConsumerObserves(t *testing.T) {
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	const topic, group = "AdminLag", "cg-admin-lag"
	runDriver(t, "send", "-ns", ns, "-topic", topic, "-n", "30", "-prefix", "first")
	c1 := startDriver(t, "consume", "-ns", ns, "-topic", topic, "-group", group, "-instance", "lag1")
	c1.waitUntil(t, 60*time.Second, "the first 30", hasAtLeast(30))
	waitForCommittedOffsets(t, c, group, topic, 30)
	c1.stop(t)
	if lag := adminLag(t, c, group, topic); lag != 0 {
		t.Fatalf("lag %d after consuming everything", lag)
	}

	runDriver(t, "send", "-ns", ns, "-topic", topic, "-n", "12", "-prefix", "second")
	lag, gauge := adminLag(t, c, group, topic), metricLag(t, c, group, topic)
	if lag != 12 || gauge != 12 {
		t.Fatalf("with the consumer stopped: GET_CONSUME_STATS says %d, the metric %d; 12 were sent", lag, gauge)
	}
	c2 := startDriver(t, "consume", "-ns", ns, "-topic", topic, "-group", group, "-instance", "lag2")
	lines := c2.waitUntil(t, 60*time.Second, "the backlog", func(l []string) bool { return countPrefix(l, "second-") == 12 })
	if n := countPrefix(lines, "first-"); n != 0 {
		t.Fatalf("the consumer received %d already-consumed messages; it observed a lag of %d, the broker said %d",
			n, countPrefix(lines, "second-")+n, lag)
	}
	waitForCommittedOffsets(t, c, group, topic, 42)
	if lag := adminLag(t, c, group, topic); lag != 0 {
		t.Fatalf("lag %d once the consumer caught up", lag)
	}

	// Rewind the running consumer to the start: the broker tells it
	// (RESET_CONSUMER_CLIENT_OFFSET) and it consumes everything again.
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reset := remoting.NewRequest(remoting.RequestInvokeBrokerToResetOffset,
		map[string]string{"topic": topic, "group": group, "timestamp": "0", "isForce": "true"}, nil)
	if resp, err := cl.InvokeSync(ctx, c.broker.Addr(), reset); err != nil || resp.Code != remoting.ResponseSuccess {
		t.Fatalf("reset: %v %v", resp, err)
	}
	if lag := metricLag(t, c, group, topic); lag != 42 {
		t.Fatalf("lag metric %d after the rewind, want 42", lag)
	}
	// c2 had received only the second 12; now it receives all 42.
	c2.waitUntil(t, 90*time.Second, "everything again after the reset", func(l []string) bool {
		again := 0
		for _, k := range bodies(l) {
			if k >= 2 {
				again++
			}
		}
		return countPrefix(l, "first-") == 30 && again == 12
	})
	waitForCommittedOffsets(t, c, group, topic, 42)
}
