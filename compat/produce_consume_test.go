package compat

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// noDuplicates fails on any body received more than once.
func noDuplicates(t *testing.T, counts map[string]int) {
	t.Helper()
	for b, n := range counts {
		if n != 1 {
			t.Fatalf("%s consumed %d times", b, n)
		}
	}
}

func TestSyncAsyncOnewayAndBatchSendsAreConsumedOnce(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	runDriver(t, "send", "-ns", ns, "-topic", "Modes", "-n", "20", "-mode", "sync", "-prefix", "sync")
	runDriver(t, "send", "-ns", ns, "-topic", "Modes", "-n", "20", "-mode", "async", "-prefix", "async")
	runDriver(t, "send", "-ns", ns, "-topic", "Modes", "-n", "20", "-mode", "oneway", "-prefix", "oneway")
	runDriver(t, "send", "-ns", ns, "-topic", "Modes", "-n", "10", "-mode", "batch", "-prefix", "batch")
	cons := startDriver(t, "consume", "-ns", ns, "-topic", "Modes", "-group", "cg-modes")
	lines := cons.waitUntil(t, 60*time.Second, "70 messages", hasAtLeast(70))
	time.Sleep(500 * time.Millisecond) // a duplicate would show by now
	counts := bodies(cons.snapshot())
	noDuplicates(t, counts)
	for _, want := range []string{"sync-0", "async-19", "oneway-7", "batch-9"} {
		if counts[want] != 1 {
			t.Fatalf("%s missing among %d received (%d lines)", want, len(counts), len(lines))
		}
	}
}

func TestTagFilterSubscription(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	runDriver(t, "send", "-ns", ns, "-topic", "Tags", "-n", "30", "-tags", "A,B,C")
	cons := startDriver(t, "consume", "-ns", ns, "-topic", "Tags", "-group", "cg-tags", "-expr", "A || C")
	cons.waitUntil(t, 60*time.Second, "20 messages", hasAtLeast(20))
	time.Sleep(500 * time.Millisecond)
	got := received(cons.snapshot())
	if len(got) != 20 {
		t.Fatalf("received %d messages, want the 20 tagged A or C", len(got))
	}
	for _, g := range got {
		if g.tags != "A" && g.tags != "C" {
			t.Fatalf("%s with tag %s passed the filter A || C", g.body, g.tags)
		}
	}
}

func TestMessageNearTheSizeLimit(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	// Bodies above 4 KiB are compressed by the client; this one is random
	// enough to stay near its size.
	size := 4<<20 - 64<<10
	runDriver(t, "send", "-ns", ns, "-topic", "Large", "-n", "2", "-size", fmt.Sprint(size), "-prefix", "large")
	cons := startDriver(t, "consume", "-ns", ns, "-topic", "Large", "-group", "cg-large")
	cons.waitUntil(t, 60*time.Second, "both large messages", hasAtLeast(2))
	counts := bodies(cons.snapshot())
	for i := range 2 {
		if name := fmt.Sprintf("large-%d/%d", i, size); counts[name] != 1 {
			t.Fatalf("received %v, want %s once", counts, name)
		}
	}
}

func TestTwoConsumersSplitTheQueuesAndTakeOver(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	runDriver(t, "send", "-ns", ns, "-topic", "Split", "-n", "1", "-prefix", "warm") // creates the topic (4 queues)
	c1 := startDriver(t, "consume", "-ns", ns, "-topic", "Split", "-group", "cg-split", "-instance", "c1")
	c1.waitUntil(t, 30*time.Second, "c1 ready", hasLine("READY"))
	c2 := startDriver(t, "consume", "-ns", ns, "-topic", "Split", "-group", "cg-split", "-instance", "c2")
	c2.waitUntil(t, 30*time.Second, "c2 ready", hasLine("READY"))
	time.Sleep(2 * time.Second) // both have rebalanced after the membership notice
	runDriver(t, "send", "-ns", ns, "-topic", "Split", "-n", "100", "-prefix", "split")
	deadline := time.Now().Add(60 * time.Second)
	for {
		n1, n2 := bodies(c1.snapshot()), bodies(c2.snapshot())
		total := 0
		for b := range n1 {
			if strings.HasPrefix(b, "split-") {
				total++
			}
		}
		for b := range n2 {
			if strings.HasPrefix(b, "split-") {
				total++
				if n1[b] > 0 {
					t.Fatalf("%s consumed by both consumers", b)
				}
			}
		}
		if total == 100 {
			if len(n1) == 0 || len(n2) == 0 {
				t.Fatalf("one consumer got everything (%d / %d): the queues were not split", len(n1), len(n2))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumed %d of 100 (c1 %d, c2 %d)", total, len(n1), len(n2))
		}
		time.Sleep(50 * time.Millisecond)
	}
	queuesOf := func(lines []string) map[int]bool {
		q := map[int]bool{}
		for _, g := range received(lines) {
			q[g.queue] = true
		}
		return q
	}
	for q := range queuesOf(c1.snapshot()) {
		if queuesOf(c2.snapshot())[q] {
			t.Fatalf("queue %d served to both consumers", q)
		}
	}

	// c2 leaves; c1 takes over its queues.
	c2.stop(t)
	time.Sleep(2 * time.Second)
	runDriver(t, "send", "-ns", ns, "-topic", "Split", "-n", "40", "-prefix", "after")
	c1.waitUntil(t, 60*time.Second, "the messages after c2 left", func(lines []string) bool {
		n := 0
		for b := range bodies(lines) {
			if strings.HasPrefix(b, "after-") {
				n++
			}
		}
		return n == 40
	})
}

func TestBroadcastingDeliversToEveryConsumer(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	runDriver(t, "send", "-ns", ns, "-topic", "Cast", "-n", "1", "-prefix", "warm")
	c1 := startDriver(t, "consume", "-ns", ns, "-topic", "Cast", "-group", "cg-cast", "-instance", "b1", "-model", "broadcasting")
	c2 := startDriver(t, "consume", "-ns", ns, "-topic", "Cast", "-group", "cg-cast", "-instance", "b2", "-model", "broadcasting")
	c1.waitUntil(t, 30*time.Second, "b1 ready", hasLine("READY"))
	c2.waitUntil(t, 30*time.Second, "b2 ready", hasLine("READY"))
	runDriver(t, "send", "-ns", ns, "-topic", "Cast", "-n", "30", "-prefix", "cast")
	for _, d := range []*driver{c1, c2} {
		d.waitUntil(t, 60*time.Second, "all 30 broadcast messages", func(lines []string) bool {
			n := 0
			for b := range bodies(lines) {
				if strings.HasPrefix(b, "cast-") {
					n++
				}
			}
			return n == 30
		})
	}
}

func TestPullByOffset(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	runDriver(t, "create-topic", "-ns", ns, "-broker-addr", c.broker.Addr(), "-topic", "PullMe", "-queues", "1")
	time.Sleep(200 * time.Millisecond) // the broker re-registers the new topic
	runDriver(t, "send", "-ns", ns, "-topic", "PullMe", "-n", "10", "-prefix", "p")
	// A send is acknowledged once stored, before the dispatcher indexes it;
	// pulling by offset needs the consume queue.
	if err := c.broker.Store().WaitDispatched(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	lines := runDriver(t, "pull", "-ns", ns, "-topic", "PullMe", "-queue", "0", "-offset", "4", "-n", "3")
	got := received(lines)
	if len(got) != 3 || got[0].body != "p-4" || got[0].offset != 4 || got[2].body != "p-6" {
		t.Fatalf("pull from offset 4: %v", lines)
	}
	if !hasLine("PULLED 0 7 3")(lines) { // status 0 is the client's PullFound
		t.Fatalf("pull result: %v", lines)
	}
}

func TestAFailedMessageIsRetried(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	runDriver(t, "send", "-ns", ns, "-topic", "Retry", "-n", "10", "-prefix", "r")
	cons := startDriver(t, "consume", "-ns", ns, "-topic", "Retry", "-group", "cg-retry", "-fail-once-prefix", "r-3")
	lines := cons.waitUntil(t, 60*time.Second, "all 10, r-3 after its retry", hasAtLeast(10))
	if !hasLine("FAILED r-3")(lines) {
		t.Fatalf("r-3 never failed: %v", lines)
	}
	noDuplicates(t, bodies(lines))
}

func TestDelayedMessagesArriveLater(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	runDriver(t, "send", "-ns", ns, "-topic", "Delayed", "-n", "1", "-prefix", "warm")
	cons := startDriver(t, "consume", "-ns", ns, "-topic", "Delayed", "-group", "cg-delay")
	cons.waitUntil(t, 60*time.Second, "the warm-up message", hasAtLeast(1))
	start := time.Now()
	runDriver(t, "send", "-ns", ns, "-topic", "Delayed", "-n", "5", "-prefix", "late", "-delay", "3")
	// Every level is 1 s here.
	if got := len(bodies(cons.snapshot())); got != 1 && time.Since(start) < 900*time.Millisecond {
		t.Fatalf("%d messages arrived before their delay", got-1)
	}
	cons.waitUntil(t, 60*time.Second, "the 5 delayed messages", hasAtLeast(6))
	if waited := time.Since(start); waited < time.Second {
		t.Fatalf("the delayed messages arrived after %v, before their 1 s delay", waited)
	}
}
