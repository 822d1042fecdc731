package compat

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/broker"
	"github.com/rocketstore/rocketstore/message"
)

func withPropertyFilter(o *broker.Options) { o.EnablePropertyFilter = true }

// storedRecords reads every record of topic from the broker's store: what
// a pull of everything would send.
func storedRecords(t *testing.T, b *broker.Broker, topic string) []message.Record {
	t.Helper()
	s := b.Store()
	var out []message.Record
	for q := int32(0); q < 16; q++ {
		for offset := s.GetMinOffsetInQueue(topic, q); offset < s.GetMaxOffsetInQueue(topic, q); {
			r, err := s.GetMessage("compat-check", topic, q, offset, 32, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range r.Messages {
				rec, err := message.Decode(e.Bytes, false)
				if err != nil {
					t.Fatal(err)
				}
				rec.Body = slices.Clone(rec.Body)
				rec.Properties = slices.Clone(rec.Properties)
				out = append(out, rec)
			}
			r.Release()
			if r.NextBeginOffset <= offset {
				t.Fatalf("queue %d: the pull at %d did not move", q, offset)
			}
			offset = r.NextBeginOffset
		}
	}
	return out
}

// wantPullTraffic checks that the broker's pull responses carried exactly
// the stored records keep selects: no other message crossed the network.
func wantPullTraffic(t *testing.T, b *broker.Broker, topic string, keep func(message.Record) bool) {
	t.Helper()
	var msgs, bytes, all int64
	for _, r := range storedRecords(t, b, topic) {
		all += int64(r.StoreSize)
		if keep(r) {
			msgs++
			bytes += int64(r.StoreSize)
		}
	}
	if got := b.PullStats(); got.Messages != msgs || got.BodyBytes != bytes {
		t.Fatalf("the broker sent %d records (%d bytes), want the %d matching ones (%d bytes of %d stored)",
			got.Messages, got.BodyBytes, msgs, bytes, all)
	}
	t.Logf("pull responses carried %d of %d stored bytes", bytes, all)
}

func TestSQL92SubscriptionReceivesOnlyMatchingMessages(t *testing.T) {
	c := startCluster(t, t.TempDir(), withPropertyFilter)
	ns := c.ns.Addr()
	runDriver(t, "send", "-ns", ns, "-topic", "Sql", "-n", "12", "-prefix", "sql", "-prop", "a")
	cons := startDriver(t, "consume", "-ns", ns, "-topic", "Sql", "-group", "cg-sql", "-type", "SQL92", "-expr", "a > 5")
	cons.waitUntil(t, 60*time.Second, "6 messages", hasAtLeast(6))
	// The client does not filter SQL92 itself: what the broker sent is what
	// the consumer got, and the broker sent exactly the matching six.
	wantPullTraffic(t, c.broker, "Sql", func(r message.Record) bool {
		a, err := strconv.Atoi(r.Properties.Get("a"))
		return err == nil && a > 5
	})
	counts := bodies(cons.snapshot())
	noDuplicates(t, counts)
	for i := range 12 {
		if got, want := counts[fmt.Sprintf("sql-%d", i)], i > 5; (got == 1) != want {
			t.Fatalf("sql-%d (a=%d) received %d times: %v", i, i, got, counts)
		}
	}
}

func TestTagSubscriptionIsFilteredOnTheBroker(t *testing.T) {
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	runDriver(t, "send", "-ns", ns, "-topic", "TagsOnBroker", "-n", "30", "-tags", "A,B,C")
	cons := startDriver(t, "consume", "-ns", ns, "-topic", "TagsOnBroker", "-group", "cg-tagsb", "-expr", "A || C")
	cons.waitUntil(t, 60*time.Second, "20 messages", hasAtLeast(20))
	wantPullTraffic(t, c.broker, "TagsOnBroker", func(r message.Record) bool {
		return r.Tags() == "A" || r.Tags() == "C"
	})
	for _, g := range received(cons.snapshot()) {
		if g.tags != "A" && g.tags != "C" {
			t.Fatalf("%s with tag %s passed the filter A || C", g.body, g.tags)
		}
	}
}

func TestSQL92PullConsumer(t *testing.T) {
	c := startCluster(t, t.TempDir(), withPropertyFilter)
	ns := c.ns.Addr()
	runDriver(t, "create-topic", "-ns", ns, "-broker-addr", c.broker.Addr(), "-topic", "SqlPull", "-queues", "1")
	runDriver(t, "send", "-ns", ns, "-topic", "SqlPull", "-n", "10", "-prefix", "p", "-prop", "a", "-tags", "X,Y")
	if err := c.broker.Store().WaitDispatched(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	lines := runDriver(t, "pull", "-ns", ns, "-topic", "SqlPull", "-queue", "0", "-type", "SQL92",
		"-expr", "a BETWEEN 2 AND 7 AND TAGS = 'Y'")
	var got []string
	for _, g := range received(lines) {
		got = append(got, g.body)
	}
	if want := []string{"p-3", "p-5", "p-7"}; !slices.Equal(got, want) {
		t.Fatalf("pulled %v, want %v (lines %v)", got, want, lines)
	}
	if !hasLine("PULLED 0 10 3")(lines) { // status 0 is the client's PullFound; next offset past all 10
		t.Fatalf("pull result: %v", lines)
	}
}
