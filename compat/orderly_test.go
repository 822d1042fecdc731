package compat

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/broker"
)

// inQueueOrder fails unless every queue's messages reached the consumer in
// queue order; it returns the queues seen.
func inQueueOrder(t *testing.T, name string, lines []string) map[int]bool {
	t.Helper()
	last := map[int]int64{}
	for _, g := range received(lines) {
		if prev, ok := last[g.queue]; ok && g.offset <= prev {
			t.Fatalf("%s got queue %d offset %d after offset %d", name, g.queue, g.offset, prev)
		}
		last[g.queue] = g.offset
	}
	seen := map[int]bool{}
	for q := range last {
		seen[q] = true
	}
	return seen
}

func countWithPrefix(counts map[string]int, prefix string) int {
	n := 0
	for b := range counts {
		if strings.HasPrefix(b, prefix) {
			n++
		}
	}
	return n
}

// TestOrderlyConsumersKeepQueueOrderThroughAConsumerLeaving runs two
// orderly consumers of a group: each locks its queues (LOCK_BATCH_MQ) and
// gets each in order. A queue moves only when its holder unlocks it or its
// lock expires: o1 locks all four queues first, and rocketmq-client-go
// v2.1.2 does not unlock the two it gives up when o2 joins (its
// removeUnnecessaryMessageQueue leaves orderly queues as a TODO), so o2
// gets them once o1's locks expire (10 s here; 60 s by default). When o2
// leaves it unlocks its queues, and o1 takes them over at once.
func TestOrderlyConsumersKeepQueueOrderThroughAConsumerLeaving(t *testing.T) {
	t.Parallel()
	c := startClusterWith(t, broker.Options{DataDir: t.TempDir(), RebalanceLockMaxLiveTime: 10 * time.Second})
	ns := c.ns.Addr()
	runDriver(t, "create-topic", "-ns", ns, "-broker-addr", c.broker.Addr(), "-topic", "Ordered", "-queues", "4")
	orderly := []string{"-group", "cg-orderly", "-orderly", "-lock-interval", "2s"}
	c1 := c.startConsumerOn(t, "Ordered", append(orderly, "-instance", "o1")...)
	c2 := c.startConsumerOn(t, "Ordered", append(orderly, "-instance", "o2")...)
	runDriver(t, "send", "-ns", ns, "-topic", "Ordered", "-n", "200", "-shards", "8", "-prefix", "first")
	deadline := time.Now().Add(90 * time.Second)
	for {
		n1, n2 := bodies(c1.snapshot()), bodies(c2.snapshot())
		if countWithPrefix(n1, "first-")+countWithPrefix(n2, "first-") >= 200 {
			if len(n1) == 0 || len(n2) == 0 {
				t.Fatalf("one consumer got everything (%d / %d): the queues were not split", len(n1), len(n2))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("received %d + %d of 200", len(n1), len(n2))
		}
		time.Sleep(50 * time.Millisecond)
	}
	inQueueOrder(t, "o1", c1.snapshot())
	q2 := inQueueOrder(t, "o2", c2.snapshot())

	c2.stop(t) // unlocks its queues as it shuts down
	runDriver(t, "send", "-ns", ns, "-topic", "Ordered", "-n", "200", "-shards", "8", "-prefix", "second")
	c1.waitUntil(t, 90*time.Second, "the 200 sent after o2 left", func(l []string) bool {
		return countWithPrefix(bodies(l), "second-") == 200
	})
	after := inQueueOrder(t, "o1", c1.snapshot())
	for q := range q2 {
		if !after[q] {
			t.Fatalf("queue %d of o2 was not taken over", q)
		}
	}
	all := bodies(c1.snapshot())
	for b, n := range bodies(c2.snapshot()) {
		all[b] += n
	}
	for i := range 200 {
		if all[fmt.Sprintf("first-%d", i)] == 0 {
			t.Fatalf("first-%d never arrived", i)
		}
	}
}
