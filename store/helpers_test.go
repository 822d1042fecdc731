package store

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

const (
	testTopic  = "TopicTest"
	testQueues = 4
)

var testBornHost = netip.MustParseAddrPort("10.1.2.3:40000")

// testOptions are small sizes for tests: files roll often.
func testOptions(fs mappedfile.FS) *Options {
	return &Options{
		CommitLog:                commitlog.Options{FileSize: 128 << 10, MaxMessageSize: 32 << 10},
		ConsumeQueueUnitsPerFile: 256,
		IndexSlotCount:           512,
		IndexMaxEntries:          2048,
		CleanResourceInterval:    -1,
		FS:                       fs,
	}
}

// openStore opens a store that is closed, if the test did not, and then
// checked (Check) when the test ends.
func openStore(t testing.TB, root string, opts *Options) *MessageStore {
	t.Helper()
	testkit.CheckOnCleanup(t, "store "+root, func() error {
		_, err := Check(root, checkOptions(opts))
		return err
	})
	s := openUnchecked(t, root, opts)
	t.Cleanup(func() { s.Close() })
	return s
}

// openUnchecked opens a store that the test itself damages, so that it is
// not checked at the end.
func openUnchecked(t testing.TB, root string, opts *Options) *MessageStore {
	t.Helper()
	s, err := Open(root, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", root, err)
	}
	return s
}

// checkOptions are the Check options for a store opened with opts.
func checkOptions(opts *Options) *CheckOptions {
	if opts == nil {
		return nil
	}
	return &CheckOptions{FS: opts.FS, IndexSlotCount: opts.IndexSlotCount, IndexMaxEntries: opts.IndexMaxEntries}
}

var testTags = []string{"TagA", "TagB", "TagC"}

func testKey(seq int64) string  { return fmt.Sprintf("key-%d", seq) }
func testUniq(seq int64) string { return fmt.Sprintf("UNIQ%016X", seq) }

func testMessage(seq int64, size int) *message.Message {
	return &message.Message{
		Topic:   testTopic,
		QueueID: int32(seq % testQueues),
		Body:    testkit.Body(seq, size),
		Properties: message.EncodeProperties(map[string]string{
			message.PropertyKeys:    testKey(seq) + " common",
			message.PropertyTags:    testTags[seq%3],
			message.PropertyUniqKey: testUniq(seq),
		}),
		BornTimestamp: time.Now().UnixMilli(),
		BornHost:      testBornHost,
	}
}

func mustPut(t testing.TB, s *MessageStore, m *message.Message) commitlog.AppendResult {
	t.Helper()
	res, err := s.PutMessage(context.Background(), m)
	if err != nil {
		t.Fatalf("PutMessage: %v", err)
	}
	return res
}

func mustDispatch(t testing.TB, s *MessageStore) {
	t.Helper()
	if err := s.WaitDispatched(10 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// pullAll pulls every message of a queue from offset 0 and returns the
// sequence numbers in queue order, checking each body.
func pullAll(t testing.TB, s *MessageStore, topic string, queueID int32, filter MessageFilter) []int64 {
	t.Helper()
	var seqs []int64
	pullEach(t, s, topic, queueID, filter, func(offset int64, b []byte) {
		rec, err := message.Decode(b, true)
		if err != nil {
			t.Fatalf("record at %d: %v", offset, err)
		}
		seq, ok := testkit.BodySeq(rec.Body)
		if !ok {
			t.Fatalf("record at %d has a damaged body", offset)
		}
		seqs = append(seqs, seq)
	})
	return seqs
}

// pullEach pulls every message of a queue from its minimum offset and
// hands each record's bytes (valid only during the call) to fn in queue
// order.
func pullEach(t testing.TB, s *MessageStore, topic string, queueID int32, filter MessageFilter, fn func(offset int64, b []byte)) {
	t.Helper()
	offset := s.GetMinOffsetInQueue(topic, queueID)
	for range 100000 {
		r, err := s.GetMessage("g", topic, queueID, offset, 32, filter)
		if err != nil {
			t.Fatalf("GetMessage(%d): %v", offset, err)
		}
		for _, e := range r.Messages {
			fn(e.Offset, e.Bytes)
		}
		r.Release()
		switch r.Status {
		case Found, NoMatchedMessage:
			offset = r.NextBeginOffset
		case OffsetOverflowOne, NoMessageInQueue, NoMatchedLogicQueue:
			return
		default:
			t.Fatalf("GetMessage(%d): status %v", offset, r.Status)
		}
	}
	t.Fatal("pullEach did not reach the end")
}
