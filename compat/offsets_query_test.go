package compat

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

func TestConsumerOffsetsSurviveABrokerRestart(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	runDriver(t, "send", "-ns", ns, "-topic", "Restart", "-n", "20", "-prefix", "first")
	c1 := startDriver(t, "consume", "-ns", ns, "-topic", "Restart", "-group", "cg-restart", "-instance", "r1")
	c1.waitUntil(t, 60*time.Second, "the first 20", hasAtLeast(20))
	// The client commits offsets every 5 s and, oneway, as it shuts down;
	// wait for the broker to hold them all, so the restart is what is tested.
	before := waitForCommittedOffsets(t, c, "cg-restart", "Restart", 20)
	c1.stop(t)

	c.broker.Close()
	c.startBroker(t)
	if after := committedOffsets(t, c, "cg-restart", "Restart"); !maps.Equal(before, after) {
		t.Fatalf("committed offsets %v before the restart, %v after", before, after)
	}
	runDriver(t, "send", "-ns", ns, "-topic", "Restart", "-n", "10", "-prefix", "second")
	c2 := startDriver(t, "consume", "-ns", ns, "-topic", "Restart", "-group", "cg-restart", "-instance", "r2")
	c2.waitUntil(t, 60*time.Second, "the second 10", func(lines []string) bool {
		n := 0
		for b := range bodies(lines) {
			if strings.HasPrefix(b, "second-") {
				n++
			}
		}
		return n == 10
	})
	time.Sleep(500 * time.Millisecond)
	for b := range bodies(c2.snapshot()) {
		if strings.HasPrefix(b, "first-") {
			t.Fatalf("%s consumed again after the restart", b)
		}
	}
}

func TestQueryByKeyAndViewByIDOfClientMessages(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	lines := runDriver(t, "send", "-ns", c.ns.Addr(), "-topic", "Lookup", "-n", "8", "-prefix", "q")
	ids := map[string]string{} // body → offset message id
	for _, l := range lines {
		var id, body string
		if _, err := fmt.Sscanf(l, "SENT %s %s", &id, &body); err == nil {
			ids[body] = id
		}
	}
	if len(ids) != 8 {
		t.Fatalf("sent %v", lines)
	}
	if err := c.broker.Store().WaitDispatched(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	q := remoting.QueryMessageRequestHeader{Topic: "Lookup", Key: "q-key-5", MaxNum: 4, EndTimestamp: time.Now().UnixMilli() + 60_000}
	resp, err := cl.InvokeSync(ctx, c.broker.Addr(), remoting.NewRequest(remoting.RequestQueryMessage, q.Encode(nil), nil))
	if err != nil || resp.Code != remoting.ResponseSuccess {
		t.Fatalf("query by key: %v %v", resp, err)
	}
	rec, err := message.Decode(resp.Body, true)
	if err != nil || string(rec.Body) != "q-5" || int(rec.StoreSize) != len(resp.Body) {
		t.Fatalf("query by key gave %q (%v)", rec.Body, err)
	}

	_, phys, err := message.ParseOffsetMsgID(ids["q-2"])
	if err != nil {
		t.Fatal(err)
	}
	v := remoting.ViewMessageRequestHeader{Offset: phys}
	resp, err = cl.InvokeSync(ctx, c.broker.Addr(), remoting.NewRequest(remoting.RequestViewMessageByID, v.Encode(nil), nil))
	if err != nil || resp.Code != remoting.ResponseSuccess {
		t.Fatalf("view by id: %v %v", resp, err)
	}
	if rec, err := message.Decode(resp.Body, true); err != nil || string(rec.Body) != "q-2" || rec.OffsetMsgID() != ids["q-2"] {
		t.Fatalf("view by id %s gave %q (%v)", ids["q-2"], rec.Body, err)
	}
}

// committedOffsets asks the broker for group's committed offset in each
// queue of topic that has one.
func committedOffsets(t *testing.T, c *cluster, group, topic string) map[int32]int64 {
	t.Helper()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := map[int32]int64{}
	for q := range int32(16) {
		h := remoting.QueryConsumerOffsetRequestHeader{ConsumerGroup: group, Topic: topic, QueueID: q}
		resp, err := cl.InvokeSync(ctx, c.broker.Addr(), remoting.NewRequest(remoting.RequestQueryConsumerOffset, h.Encode(nil), nil))
		if err != nil {
			t.Fatal(err)
		}
		var oh remoting.OffsetResponseHeader
		if resp.Code == remoting.ResponseSuccess && oh.Decode(resp.ExtFields) == nil && oh.Offset > 0 {
			out[q] = oh.Offset
		}
	}
	return out
}

// waitForCommittedOffsets waits until group's committed offsets in topic
// add up to total.
func waitForCommittedOffsets(t *testing.T, c *cluster, group, topic string, total int64) map[int32]int64 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		offsets := committedOffsets(t, c, group, topic)
		var sum int64
		for _, o := range offsets {
			sum += o
		}
		if sum == total {
			return offsets
		}
		if time.Now().After(deadline) {
			t.Fatalf("committed offsets %v add up to %d, want %d", offsets, sum, total)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
