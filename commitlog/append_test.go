package commitlog

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

func TestAppendThenReadEveryRecord(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts Options
	}{
		{"async", Options{}},
		{"sync", Options{FlushMode: SyncFlush}},
		{"transient-pool", Options{TransientStorePool: true, TransientStorePoolSize: 2}},
		{"sync-transient-pool", Options{FlushMode: SyncFlush, TransientStorePool: true, TransientStorePoolSize: 2}},
		{"no-preallocate", Options{DisablePreallocate: true}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			opts := mode.opts
			l := openTest(t, t.TempDir(), &opts)
			defer l.Close()
			rng := rand.New(rand.NewPCG(1, 2))
			var results []AppendResult
			for seq := int64(0); seq < 600; seq++ {
				results = append(results, mustAppend(t, l, testMessage(seq, rng.IntN(4000))))
			}
			if got := len(l.Files().Files()); got < 3 {
				t.Fatalf("expected the log to roll over several files, got %d", got)
			}
			for seq, res := range results {
				if got := readSeq(t, l, res.PhysicalOffset); got != int64(seq) {
					t.Fatalf("offset %d holds seq %d, want %d", res.PhysicalOffset, got, seq)
				}
				host, off, err := message.ParseOffsetMsgID(res.MsgID())
				if err != nil || off != res.PhysicalOffset || host != l.StoreHost() {
					t.Fatalf("MsgID %q parses to %v %d %v", res.MsgID(), host, off, err)
				}
			}
			last := results[len(results)-1]
			if l.MaxOffset() != last.End() {
				t.Fatalf("MaxOffset %d, want %d", l.MaxOffset(), last.End())
			}
		})
	}
}

func TestRecordFieldsAsStored(t *testing.T) {
	now := time.UnixMilli(1_750_000_000_123)
	l := openTest(t, t.TempDir(), &Options{Now: func() time.Time { return now }, QueueOffsets: &seqAssigner{}})
	defer l.Close()
	m := testMessage(7, 100)
	m.SysFlag = message.TransactionPreparedType
	m.ReconsumeTimes = 3
	m.PreparedTransactionOffset = 99
	mustAppend(t, l, testMessage(3, 10)) // queue 3, offset 0
	res := mustAppend(t, l, m)           // queue 3, offset 1
	e, err := l.Read(res.PhysicalOffset)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Release()
	rec, err := e.Decode(true)
	if err != nil {
		t.Fatal(err)
	}
	want := message.Record{
		Message:        *m,
		Magic:          message.MagicCodeV1,
		StoreSize:      res.Size,
		BodyCRC:        message.BodyCRC(m.Body),
		QueueOffset:    1,
		PhysicalOffset: res.PhysicalOffset,
		StoreTimestamp: now.UnixMilli(),
		StoreHost:      DefaultStoreHost,
	}
	if rec.Topic != want.Topic || rec.QueueID != want.QueueID || rec.Flag != want.Flag ||
		string(rec.Body) != string(want.Body) || string(rec.Properties) != string(want.Properties) ||
		rec.SysFlag != want.SysFlag || rec.BornTimestamp != want.BornTimestamp || rec.BornHost != want.BornHost ||
		rec.ReconsumeTimes != want.ReconsumeTimes || rec.PreparedTransactionOffset != want.PreparedTransactionOffset ||
		rec.Magic != want.Magic || rec.StoreSize != want.StoreSize || rec.BodyCRC != want.BodyCRC ||
		rec.QueueOffset != want.QueueOffset || rec.PhysicalOffset != want.PhysicalOffset ||
		rec.StoreTimestamp != want.StoreTimestamp || rec.StoreHost != want.StoreHost {
		t.Fatalf("stored record\n got %+v\nwant %+v", rec, want)
	}
	if res.QueueOffset != 1 || res.StoreTimestamp != now.UnixMilli() {
		t.Fatalf("result %+v", res)
	}
}

func TestRollFillsTheRestWithABlank(t *testing.T) {
	l := openTest(t, t.TempDir(), &Options{FileSize: 64 << 10, MaxMessageSize: 16 << 10})
	defer l.Close()
	var last AppendResult
	for seq := int64(0); l.MaxOffset() < 64<<10-16<<10; seq++ {
		last = mustAppend(t, l, testMessage(seq, 10_000))
	}
	big := mustAppend(t, l, testMessage(1000, 15_000)) // cannot fit in the first file
	if big.PhysicalOffset != 64<<10 {
		t.Fatalf("a record that does not fit should start the next file, got offset %d", big.PhysicalOffset)
	}
	filler, err := l.ReadRange(last.End(), 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer filler.Release()
	size, magic, err := message.PeekHeader(filler.Bytes)
	if err != nil || magic != message.BlankMagicCode || int64(size) != 64<<10-last.End() {
		t.Fatalf("filler: size %d magic %#x err %v; want size %d and the blank magic", size, uint32(magic), err, 64<<10-last.End())
	}
	if _, err := l.Read(last.End()); !errors.Is(err, ErrNotRecord) {
		t.Fatalf("Read at the filler: %v, want ErrNotRecord", err)
	}
}

func TestAppendBatch(t *testing.T) {
	l := openTest(t, t.TempDir(), &Options{QueueOffsets: &seqAssigner{}})
	defer l.Close()
	msgs := make([]message.Message, 20)
	for i := range msgs {
		msgs[i] = *testMessage(int64(i), 500)
		msgs[i].QueueID = 1
	}
	results, err := l.AppendBatch(context.Background(), msgs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(msgs) {
		t.Fatalf("%d results for %d messages", len(results), len(msgs))
	}
	for i, r := range results {
		if i > 0 && r.PhysicalOffset != results[i-1].End() {
			t.Fatalf("batch record %d at %d, previous ends at %d", i, r.PhysicalOffset, results[i-1].End())
		}
		if r.QueueOffset != int64(i) {
			t.Fatalf("batch record %d has queue offset %d", i, r.QueueOffset)
		}
		if got := readSeq(t, l, r.PhysicalOffset); got != int64(i) {
			t.Fatalf("batch record %d holds seq %d", i, got)
		}
	}
	huge := make([]message.Message, 100)
	for i := range huge {
		huge[i] = *testMessage(int64(i), 4000)
	}
	if _, err := l.AppendBatch(context.Background(), huge, nil); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("batch larger than a file: %v, want ErrMessageTooLarge", err)
	}
}

func TestAppendRejectsBadMessages(t *testing.T) {
	l := openTest(t, t.TempDir(), nil)
	defer l.Close()
	before := l.MaxOffset()
	tooBig := testMessage(1, testFileSize/4+1)
	if _, err := l.Append(context.Background(), tooBig); !errors.Is(err, ErrMessageTooLarge) {
		t.Errorf("oversized message: %v, want ErrMessageTooLarge", err)
	}
	noTopic := testMessage(2, 10)
	noTopic.Topic = ""
	if _, err := l.Append(context.Background(), noTopic); !errors.Is(err, ErrMessageIllegal) {
		t.Errorf("empty topic: %v, want ErrMessageIllegal", err)
	}
	badProps := testMessage(3, 10)
	badProps.Properties = message.Properties("no-separator")
	if _, err := l.Append(context.Background(), badProps); !errors.Is(err, ErrMessageIllegal) {
		t.Errorf("malformed properties: %v, want ErrMessageIllegal", err)
	}
	if l.MaxOffset() != before {
		t.Errorf("rejected messages moved the write position from %d to %d", before, l.MaxOffset())
	}
}

func TestInvalidOptions(t *testing.T) {
	for name, o := range map[string]Options{
		"message > file": {FileSize: 64 << 10, MaxMessageSize: 64 << 10},
		"tiny file":      {FileSize: 100},
	} {
		if _, err := Open(t.TempDir(), &o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: %v, want ErrInvalidOptions", name, err)
		}
	}
}

func TestCallsAfterCloseFail(t *testing.T) {
	l := openTest(t, t.TempDir(), nil)
	res := mustAppend(t, l, testMessage(1, 10))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(context.Background(), testMessage(2, 10)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: %v", err)
	}
	if _, err := l.Read(res.PhysicalOffset); !errors.Is(err, ErrClosed) {
		t.Errorf("Read after Close: %v", err)
	}
	if err := l.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
}

func TestSyncFlushAcknowledgesOnlyDurableRecords(t *testing.T) {
	l := openTest(t, t.TempDir(), &Options{FlushMode: SyncFlush})
	defer l.Close()
	errs := make(chan error, 8)
	for w := range 8 {
		go func() {
			for i := range 50 {
				res, err := l.Append(context.Background(), testMessage(int64(w*1000+i), 300))
				if err == nil && l.FlushedOffset() < res.End() {
					err = errors.New("acknowledged before durable")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadOutOfRange(t *testing.T) {
	l := openTest(t, t.TempDir(), nil)
	defer l.Close()
	res := mustAppend(t, l, testMessage(1, 10))
	for _, off := range []int64{-1, res.End(), res.End() + 1000, 1 << 40} {
		if _, err := l.Read(off); !errors.Is(err, ErrOffsetOutOfRange) {
			t.Errorf("Read(%d): %v, want ErrOffsetOutOfRange", off, err)
		}
	}
	if _, err := l.Read(res.PhysicalOffset + 4); !errors.Is(err, ErrNotRecord) {
		t.Errorf("Read inside a record: %v, want ErrNotRecord", err)
	}
}

func TestMemFSBackedLogWorks(t *testing.T) {
	fs := mappedfile.NewMemFS()
	l := openTest(t, "log", &Options{FS: fs})
	for seq := int64(0); seq < 100; seq++ {
		mustAppend(t, l, testMessage(seq, 3000))
	}
	end := l.MaxOffset()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTest(t, "log", &Options{FS: fs})
	defer l.Close()
	if l.MaxOffset() != end {
		t.Fatalf("reopened at %d, want %d", l.MaxOffset(), end)
	}
}
