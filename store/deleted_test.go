package store

import (
	"slices"
	"testing"

	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// putTo stores message seq in topic's queue 0.
func putTo(t *testing.T, s *MessageStore, topic string, seq int64) int64 {
	t.Helper()
	m := testMessage(seq, 100)
	m.Topic, m.QueueID = topic, 0
	return mustPut(t, s, m).PhysicalOffset
}

// TestADeletedTopicStaysDeletedAfterACrash: the dispatch that recovery
// runs again after a crash skips the records of a deleted topic, so a
// topic created again with the name keeps exactly its new messages, at
// the offsets they were acknowledged at, and queries find only those.
func TestADeletedTopicStaysDeletedAfterACrash(t *testing.T) {
	mem := mappedfile.NewMemFS()
	opts := testOptions(mem)
	s := openStore(t, "s", opts)
	var old []int64
	for i := range int64(5) {
		old = append(old, putTo(t, s, "Gone", i))
	}
	putTo(t, s, "Kept", 100)
	mustDispatch(t, s)
	if err := s.DeleteTopic("Gone"); err != nil {
		t.Fatal(err)
	}
	if n := s.GetMaxOffsetInQueue("Gone", 0); n != 0 {
		t.Fatalf("a deleted queue ends at %d", n)
	}
	for i := range int64(3) {
		res := mustPut(t, s, func() *message.Message { m := testMessage(200+i, 100); m.Topic, m.QueueID = "Gone", 0; return m }())
		if res.QueueOffset != i {
			t.Fatalf("new message %d of the topic created again at queue offset %d", i, res.QueueOffset)
		}
	}
	mustDispatch(t, s)
	if err := s.CommitLog().Flush(); err != nil { // the records survive; the queues may not
		t.Fatal(err)
	}
	crashed := mem.CrashCopy()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	opts.FS = crashed
	s = openStore(t, "s", opts)
	if !s.Recovery().Abnormal || s.Recovery().Redispatched == 0 {
		t.Fatalf("recovery %+v: the test needs a crash that dispatches again", s.Recovery())
	}
	if got := pullAll(t, s, "Gone", 0, nil); !slices.Equal(got, []int64{200, 201, 202}) {
		t.Fatalf("after the crash the topic created again holds %v, want [200 201 202]", got)
	}
	if got := pullAll(t, s, "Kept", 0, nil); !slices.Equal(got, []int64{100}) {
		t.Fatalf("another topic holds %v", got)
	}
	res, err := s.QueryMessage("Gone", "common", 64, 0, 1<<62)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 3 {
		t.Fatalf("a query of the topic created again found %d records, want its 3", len(res.Records))
	}
	for _, phys := range old {
		if !s.TopicDeletedAfter("Gone", phys) {
			t.Fatalf("record at %d not known as deleted", phys)
		}
		if _, err := s.MessageBytes(phys); err == nil {
			t.Fatalf("the deleted record at %d is still viewed", phys)
		}
	}
	if res := mustPut(t, s, func() *message.Message { m := testMessage(300, 100); m.Topic, m.QueueID = "Gone", 0; return m }()); res.QueueOffset != 3 {
		t.Fatalf("the next message got queue offset %d, want 3", res.QueueOffset)
	}
}

// TestDeletedTopicsAreForgottenOnceTheirRecordsAreGone: an entry stays
// while the commit log holds records below its offset, and survives a
// reopen.
func TestDeletedTopicsAreForgottenOnceTheirRecordsAreGone(t *testing.T) {
	mem := mappedfile.NewMemFS()
	d, err := openDeletedTopics(mem, "deleted.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.add("A", 1000); err != nil {
		t.Fatal(err)
	}
	if err := d.add("B", 5000); err != nil {
		t.Fatal(err)
	}
	if err := d.expire(1000); err != nil {
		t.Fatal(err)
	}
	d, err = openDeletedTopics(mem, "deleted.json")
	if err != nil {
		t.Fatal(err)
	}
	if d.hides("A", 999) || !d.hides("B", 4999) || d.hides("B", 5000) {
		t.Fatalf("after expiring below 1000: %v", d.at)
	}
}
