package store

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/consumequeue"
	"github.com/rocketstore/rocketstore/filter"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

func TestPutDispatchPullEveryQueue(t *testing.T) {
	s := openStore(t, "s", testOptions(mappedfile.NewMemFS()))
	defer s.Close()
	const n = 600
	for seq := range int64(n) {
		res := mustPut(t, s, testMessage(seq, 100+int(seq%700)))
		if want := seq / testQueues; res.QueueOffset != want {
			t.Fatalf("seq %d: queue offset %d, want %d", seq, res.QueueOffset, want)
		}
	}
	mustDispatch(t, s)
	for qid := range int32(testQueues) {
		got := pullAll(t, s, testTopic, qid, nil)
		if len(got) != n/testQueues {
			t.Fatalf("queue %d: %d messages, want %d", qid, len(got), n/testQueues)
		}
		for i, seq := range got {
			if want := int64(i)*testQueues + int64(qid); seq != want {
				t.Fatalf("queue %d offset %d: seq %d, want %d", qid, i, seq, want)
			}
		}
		if max := s.GetMaxOffsetInQueue(testTopic, qid); max != n/testQueues {
			t.Fatalf("queue %d: max offset %d", qid, max)
		}
	}
	if lag := s.DispatchBehindBytes(); lag != 0 {
		t.Fatalf("lag %d after dispatch", lag)
	}
}

func TestGetMessageStatuses(t *testing.T) {
	s := openStore(t, "s", testOptions(mappedfile.NewMemFS()))
	defer s.Close()
	get := func(topic string, qid int32, offset int64) *GetResult {
		t.Helper()
		r, err := s.GetMessage("g", topic, qid, offset, 32, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Release()
		return r
	}
	if r := get(testTopic, 0, 0); r.Status != NoMatchedLogicQueue || r.NextBeginOffset != 0 {
		t.Fatalf("missing queue: %+v", r)
	}
	for seq := range int64(40) {
		mustPut(t, s, testMessage(seq*testQueues, 200)) // all in queue 0
	}
	mustDispatch(t, s)
	cases := []struct {
		offset     int64
		status     GetStatus
		next, msgs int64
	}{
		{0, Found, 32, 32},
		{32, Found, 40, 8},
		{40, OffsetOverflowOne, 40, 0},
		{41, OffsetOverflowBadly, 0, 0}, // min offset 0: back to the start
	}
	for _, c := range cases {
		r := get(testTopic, 0, c.offset)
		if r.Status != c.status || r.NextBeginOffset != c.next || r.MinOffset != 0 || r.MaxOffset != 40 {
			t.Fatalf("offset %d: %v next %d min %d max %d, want %v next %d", c.offset, r.Status, r.NextBeginOffset, r.MinOffset, r.MaxOffset, c.status, c.next)
		}
	}
	// Tag filter: TagB messages only (seq*4 % 3 == 1).
	r, err := s.GetMessage("g", testTopic, 0, 0, 32, filter.NewTagFilter("TagB"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range r.Messages {
		rec, _ := message.Decode(e.Bytes, false)
		if rec.Tags() != "TagB" {
			t.Fatalf("filter let %q through", rec.Tags())
		}
	}
	if r.Status != Found || len(r.Messages) != 13 || r.NextBeginOffset != 40 {
		t.Fatalf("TagB: %v, %d messages, next %d", r.Status, len(r.Messages), r.NextBeginOffset)
	}
	r.Release()
	r, _ = s.GetMessage("g", testTopic, 0, 0, 32, filter.NewTagFilter("NoSuchTag"))
	if r.Status != NoMatchedMessage || r.NextBeginOffset != 40 {
		t.Fatalf("no match: %v next %d", r.Status, r.NextBeginOffset)
	}
	r.Release()
}

func TestGetMessageBoundsABatch(t *testing.T) {
	opts := testOptions(mappedfile.NewMemFS())
	opts.MaxTransferBytesInMemory = 3000
	s := openStore(t, "s", opts)
	defer s.Close()
	for seq := range int64(20) {
		mustPut(t, s, testMessage(seq*testQueues, 1000))
	}
	mustDispatch(t, s)
	r, err := s.GetMessage("g", testTopic, 0, 0, 32, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if len(r.Messages) != 2 || r.NextBeginOffset != 2 || r.BufferTotalSize > 3000 {
		t.Fatalf("%d messages, %d bytes, next %d", len(r.Messages), r.BufferTotalSize, r.NextBeginOffset)
	}
}

func TestBatchPutTakesConsecutiveOffsets(t *testing.T) {
	s := openStore(t, "s", testOptions(mappedfile.NewMemFS()))
	defer s.Close()
	mustPut(t, s, testMessage(0, 10))
	batch := make([]message.Message, 5)
	for i := range batch {
		batch[i] = *testMessage(int64(1+i)*testQueues, 50)
	}
	res, err := s.PutMessages(context.Background(), batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.QueueOffset != int64(i+1) {
			t.Fatalf("batch message %d: queue offset %d", i, r.QueueOffset)
		}
	}
	mustDispatch(t, s)
	if got := pullAll(t, s, testTopic, 0, nil); !slices.Equal(got, []int64{0, 4, 8, 12, 16, 20}) {
		t.Fatalf("pulled %v", got)
	}
}

func TestLookupsByOffsetKeyAndTime(t *testing.T) {
	s := openStore(t, "s", testOptions(mappedfile.NewMemFS()))
	defer s.Close()
	var offsets []int64
	for seq := range int64(300) {
		offsets = append(offsets, mustPut(t, s, testMessage(seq, 64)).PhysicalOffset)
	}
	mustDispatch(t, s)
	for _, seq := range []int64{0, 17, 299} {
		rec, err := s.LookMessageByOffset(offsets[seq])
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := testkit.BodySeq(rec.Body); got != seq {
			t.Fatalf("offset %d: seq %d, want %d", offsets[seq], got, seq)
		}
		for _, key := range []string{testKey(seq), testUniq(seq)} {
			res, err := s.QueryMessage(testTopic, key, 32, 0, time.Now().UnixMilli()+1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Records) != 1 || res.Records[0].PhysicalOffset != offsets[seq] {
				t.Fatalf("key %s: %d records", key, len(res.Records))
			}
		}
	}
	if _, err := s.LookMessageByOffset(offsets[1] + 1); err == nil {
		t.Fatal("an offset inside a record gave a record")
	}
	if _, err := s.LookMessageByOffset(1 << 40); !errors.Is(err, ErrNotFound) {
		t.Fatalf("offset past the end: %v", err)
	}
	// Many messages share "common": newest first, bounded by max.
	res, _ := s.QueryMessage(testTopic, "common", 5, 0, time.Now().UnixMilli()+1000)
	if len(res.Records) != 5 || res.Records[0].PhysicalOffset != offsets[299] {
		t.Fatalf("common: %d records, first at %d", len(res.Records), res.Records[0].PhysicalOffset)
	}
	if res, _ := s.QueryMessage("OtherTopic", testKey(5), 32, 0, time.Now().UnixMilli()+1000); len(res.Records) != 0 {
		t.Fatal("a key of another topic matched")
	}
	phys, err := s.GetCommitLogOffsetInQueue(testTopic, 1, 2)
	if err != nil || phys != offsets[9] {
		t.Fatalf("commit-log offset of queue 1 offset 2: %d %v, want %d", phys, err, offsets[9])
	}
	if off, err := s.GetOffsetInQueueByTime(testTopic, 0, 0); err != nil || off != 0 {
		t.Fatalf("by time 0: %d %v", off, err)
	}
	if off, err := s.GetOffsetInQueueByTime(testTopic, 0, time.Now().UnixMilli()+60_000); err != nil || off != 75 {
		t.Fatalf("by a future time: %d %v", off, err)
	}
}

func TestKeyQueryCacheSeesNewMessages(t *testing.T) {
	s := openStore(t, "s", testOptions(mappedfile.NewMemFS()))
	defer s.Close()
	m := testMessage(1, 10)
	m.Properties = m.Properties.Set(message.PropertyKeys, "order-7")
	mustPut(t, s, m)
	mustDispatch(t, s)
	query := func() int {
		res, err := s.QueryMessage(testTopic, "order-7", 32, 0, 1<<62)
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Records)
	}
	for range 20 {
		if n := query(); n != 1 {
			t.Fatalf("%d records", n)
		}
		s.cache.c.Wait()
	}
	if st := s.CacheStats(); st.Hits == 0 {
		t.Fatalf("no cache hits: %+v", st)
	}
	mustPut(t, s, m)
	mustDispatch(t, s)
	if n := query(); n != 2 {
		t.Fatalf("after a second put the cached query gave %d records", n)
	}
}

func TestArrivalListenerAndConcurrentPuts(t *testing.T) {
	var mu sync.Mutex
	arrived := map[int32]int64{}
	opts := testOptions(mappedfile.NewMemFS())
	opts.OnArrival = func(a Arrival) {
		mu.Lock()
		arrived[a.QueueID] = a.MaxOffset
		mu.Unlock()
	}
	s := openStore(t, "s", opts)
	defer s.Close()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 100 {
				mustPut(t, s, testMessage(int64(w*1000+i), 300))
			}
		})
	}
	wg.Wait()
	mustDispatch(t, s)
	mu.Lock()
	defer mu.Unlock()
	for qid := range int32(testQueues) {
		if arrived[qid] != s.GetMaxOffsetInQueue(testTopic, qid) || arrived[qid] != 200 {
			t.Fatalf("queue %d: listener saw %d, queue max %d", qid, arrived[qid], s.GetMaxOffsetInQueue(testTopic, qid))
		}
		seen := map[int64]bool{}
		for _, seq := range pullAll(t, s, testTopic, qid, nil) {
			if seen[seq] {
				t.Fatalf("seq %d twice", seq)
			}
			seen[seq] = true
		}
	}
}

func TestPutRefusesBadMessagesAndClosedStore(t *testing.T) {
	s := openStore(t, "s", testOptions(mappedfile.NewMemFS()))
	for _, topic := range []string{"", "../etc", "a/b", "tab\t", string(make([]byte, 128))} {
		m := testMessage(1, 10)
		m.Topic = topic
		if _, err := s.PutMessage(context.Background(), m); !errors.Is(err, ErrMessageIllegal) {
			t.Fatalf("topic %q: %v", topic, err)
		}
	}
	m := testMessage(1, 10)
	m.QueueID = -1
	if _, err := s.PutMessage(context.Background(), m); !errors.Is(err, ErrMessageIllegal) {
		t.Fatalf("queue -1: %v", err)
	}
	if _, err := s.PutMessage(context.Background(), testMessage(1, 64<<10)); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutMessage(context.Background(), testMessage(1, 10)); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
	if _, err := s.GetMessage("g", testTopic, 0, 0, 1, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("get after close: %v", err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second close: %v", err)
	}
}

func TestTransactionRecordsStayOutOfQueues(t *testing.T) {
	s := openStore(t, "s", testOptions(mappedfile.NewMemFS()))
	defer s.Close()
	prepared := testMessage(0, 10)
	prepared.SysFlag = message.ResetTransactionType(0, message.TransactionPreparedType)
	if res := mustPut(t, s, prepared); res.QueueOffset != 0 {
		t.Fatalf("prepared record got queue offset %d", res.QueueOffset)
	}
	mustPut(t, s, testMessage(4, 10))
	mustDispatch(t, s)
	if got := pullAll(t, s, testTopic, 0, nil); !slices.Equal(got, []int64{4}) {
		t.Fatalf("pulled %v", got)
	}
}

func TestDiskFullAtARollLeavesAConsistentStore(t *testing.T) {
	fs := mappedfile.NewMemFS()
	opts := testOptions(fs)
	opts.CommitLog.DisablePreallocate = true
	s := openStore(t, "s", opts)
	want := map[int64]int64{}
	putSeqs(t, s, 0, 50, want)
	mustDispatch(t, s)
	// No room for another commit-log file: the roll fails after the filler.
	fs.SetCapacity(fsUsed(t, fs, "s") + 4096)
	var err error
	for seq := int64(50); err == nil && seq < 1000; seq++ {
		var res commitlog.AppendResult
		if res, err = s.PutMessage(context.Background(), testMessage(seq, 900)); err == nil {
			want[seq] = res.PhysicalOffset
		}
	}
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("filling the disk: %v", err)
	}
	if end := s.CommitLog().MaxOffset(); end%int64(opts.CommitLog.FileSize) != 0 {
		t.Fatalf("log ends at %d, not at the file boundary the failed roll left", end)
	}
	mustDispatch(t, s) // the dispatcher stands past the filler
	checkAll(t, s, want)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fs.SetCapacity(0)
	s = openStore(t, "s", opts)
	defer s.Close()
	putSeqs(t, s, 2000, 2010, want)
	mustDispatch(t, s)
	checkAll(t, s, want)
}

// fsUsed sums the sizes of the files below dir.
func fsUsed(t *testing.T, fs *mappedfile.MemFS, dir string) int64 {
	t.Helper()
	var n int64
	names, _ := fs.ReadDir(dir)
	for _, name := range names {
		size, _, err := fs.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		n += size
	}
	subs, _ := fs.Subdirs(dir)
	for _, sub := range subs {
		n += fsUsed(t, fs, filepath.Join(dir, sub))
	}
	return n
}

func TestAUnitPointingAtAnotherQueuesMessageIsNotServed(t *testing.T) {
	s := openUnchecked(t, "s", testOptions(mappedfile.NewMemFS())) // the test damages a queue
	defer s.Close()
	res := mustPut(t, s, testMessage(0, 100)) // queue 0, offset 0
	mustDispatch(t, s)
	q, err := s.queues.findOrCreate(testTopic, 9)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Put(0, consumequeue.Unit{CommitLogOffset: res.PhysicalOffset, Size: res.Size}); err != nil {
		t.Fatal(err)
	}
	r, err := s.GetMessage("g", testTopic, 9, 0, 32, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if len(r.Messages) != 0 || r.SkippedCorrupt != 1 || r.Status != NoMatchedMessage || r.NextBeginOffset != 1 {
		t.Fatalf("status %v, %d messages, %d skipped, next %d", r.Status, len(r.Messages), r.SkippedCorrupt, r.NextBeginOffset)
	}
}
