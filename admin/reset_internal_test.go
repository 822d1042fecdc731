package admin

import (
	"context"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/testcluster"
)

// The direct reset is mqadmin's path when no consumer of the group is
// online: offsets committed queue by queue with UPDATE_CONSUMER_OFFSET.
func TestDirectResetCommitsOffsetsQueueByQueue(t *testing.T) {
	cl := testcluster.Start(t)
	c := New(&Options{NameServers: []string{cl.NameServer}})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl.Backlog(t, "Backlog", 6, 2, "m")
	cl.Commit(t, "g", "Backlog", 0, 1) // queue 0 holds 3, the group read 1; queue 1 never committed
	rd, err := c.TopicRoute(ctx, "Backlog")
	if err != nil {
		t.Fatal(err)
	}
	b := routeMasters(rd)[0]

	// Skip to the end: every queue moves to its max offset.
	stats, err := c.resetDirect(ctx, b, "g", "Backlog", SkipToEnd, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != int(b.queues.ReadQueueNums) {
		t.Fatalf("%d queues reset, route has %d", len(stats), b.queues.ReadQueueNums)
	}
	for _, s := range stats[:2] {
		if s.BrokerOffset != 3 || s.RollbackOffset != 3 || s.TimestampOffset != 3 {
			t.Fatalf("queue %d: %+v", s.QueueID, s)
		}
	}
	if stats[0].ConsumerOffset != 1 || stats[1].ConsumerOffset != 0 {
		t.Fatalf("offsets before: %+v", stats[:2])
	}
	for q := range int32(2) {
		off, found, err := c.committedOffset(ctx, b.addr, "g", "Backlog", q)
		if err != nil || !found || off != 3 {
			t.Fatalf("queue %d committed %d %v %v", q, off, found, err)
		}
	}

	// Back to a time before the first message, not forced: offsets only
	// move back, so they go to 0.
	stats, err = c.resetDirect(ctx, b, "g", "Backlog", time.Now().Add(-time.Hour).UnixMilli(), false)
	if err != nil {
		t.Fatal(err)
	}
	if stats[0].RollbackOffset != 0 || stats[0].ConsumerOffset != 3 {
		t.Fatalf("rollback %+v", stats[0])
	}
}
