package store

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// TestTruncateToTakesDerivedDataAlong truncates a store in the middle of
// its log: the consume queues and the index lose exactly the records past
// the cut, the next put continues the queue offsets from there, and the
// reopened store checks clean.
func TestTruncateToTakesDerivedDataAlong(t *testing.T) {
	fs := mappedfile.NewMemFS()
	opts := testOptions(fs)
	s := openStore(t, "root", opts)
	var results []commitlog.AppendResult
	for seq := range int64(400) {
		results = append(results, mustPut(t, s, testMessage(seq, 900)))
	}
	mustDispatch(t, s)
	const cutSeq = 250
	cut := results[cutSeq].PhysicalOffset
	if err := s.TruncateTo(cut); err != nil {
		t.Fatalf("TruncateTo(%d): %v", cut, err)
	}
	mustDispatch(t, s)
	for q := range int32(testQueues) {
		var want []int64
		for seq := int64(q); seq < cutSeq; seq += testQueues {
			want = append(want, seq)
		}
		if got := pullAll(t, s, testTopic, q, nil); !slices.Equal(got, want) {
			t.Fatalf("queue %d after truncation: %v, want %v", q, got, want)
		}
	}
	if r, err := s.QueryMessage(testTopic, testKey(cutSeq+1), 10, 0, time.Now().UnixMilli()+1); err != nil || len(r.Records) != 0 {
		t.Fatalf("a truncated record is still indexed: %v, %d found", err, len(r.Records))
	}
	if r, err := s.QueryMessage(testTopic, testKey(cutSeq-1), 10, 0, time.Now().UnixMilli()+1); err != nil || len(r.Records) != 1 {
		t.Fatalf("a kept record lost its index entry: %v, %d found", err, len(r.Records))
	}
	if _, err := s.LookMessageByOffset(cut); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a truncated record can be looked up: %v", err)
	}
	again := mustPut(t, s, testMessage(cutSeq, 900))
	if again.PhysicalOffset != cut || again.QueueOffset != results[cutSeq].QueueOffset {
		t.Fatalf("put after truncation at %d queue offset %d, want %d and %d",
			again.PhysicalOffset, again.QueueOffset, cut, results[cutSeq].QueueOffset)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, "root", opts)
	if got := s.GetMaxOffsetInQueue(testTopic, int32(cutSeq%testQueues)); got != results[cutSeq].QueueOffset+1 {
		t.Fatalf("reopened queue ends at %d, want %d", got, results[cutSeq].QueueOffset+1)
	}
}

// TestHoldUnconfirmedDispatchesOnlyConfirmedRecords: records past the
// confirm offset reach no consume queue and cannot be looked up until the
// offset moves; a reopened store holds back what was not confirmed.
func TestHoldUnconfirmedDispatchesOnlyConfirmedRecords(t *testing.T) {
	fs := mappedfile.NewMemFS()
	opts := testOptions(fs)
	opts.HoldUnconfirmed = true
	s := openStore(t, "root", opts)
	var results []commitlog.AppendResult
	for seq := range int64(40) {
		results = append(results, mustPut(t, s, testMessage(seq, 500)))
	}
	mustDispatch(t, s)
	if got := s.GetMaxOffsetInQueue(testTopic, 0); got != 0 {
		t.Fatalf("a fresh store dispatched unconfirmed records: queue 0 ends at %d", got)
	}
	confirm := results[20].PhysicalOffset // records 0..19
	s.SetConfirmOffset(confirm)
	mustDispatch(t, s)
	if got := s.DispatchedOffset(); got != confirm {
		t.Fatalf("dispatched to %d, confirm %d", got, confirm)
	}
	if got := pullAll(t, s, testTopic, 1, nil); !slices.Equal(got, []int64{1, 5, 9, 13, 17}) {
		t.Fatalf("queue 1 shows %v", got)
	}
	if _, err := s.LookMessageByOffset(results[25].PhysicalOffset); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an unconfirmed record can be looked up: %v", err)
	}
	if _, err := s.LookMessageByOffset(results[5].PhysicalOffset); err != nil {
		t.Fatalf("a confirmed record cannot be looked up: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, "root", opts)
	mustDispatch(t, s)
	if got := s.DispatchedOffset(); got != confirm {
		t.Fatalf("reopened store dispatched to %d, confirmed %d", got, confirm)
	}
	s.SetConfirmOffset(-1)
	mustDispatch(t, s)
	if got := s.GetMaxOffsetInQueue(testTopic, 3); got != 10 {
		t.Fatalf("without a limit queue 3 ends at %d, want 10", got)
	}
}
