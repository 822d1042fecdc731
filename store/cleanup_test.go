package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// clock is a settable Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// cleanupStore is a store of several commit-log files whose cleaner only
// runs when a test calls it.
func cleanupStore(t *testing.T, usage *atomic.Int64) (*MessageStore, *clock, map[int64]int64) {
	t.Helper()
	clk := &clock{now: time.Now()}
	opts := testOptions(mappedfile.NewMemFS())
	opts.Now = clk.Now
	opts.CleanResourceInterval = time.Hour // rounds are run by hand
	opts.DeleteFilesInterval = time.Millisecond
	opts.DeleteWhen = "00"
	if clk.now.Hour() == 0 {
		opts.DeleteWhen = "01"
	}
	opts.DiskUsage = func(string) (float64, error) { return float64(usage.Load()) / 100, nil }
	s := openStore(t, "s", opts)
	t.Cleanup(func() { s.Close() })
	want := map[int64]int64{}
	putSeqs(t, s, 0, 1200, want) // about five 128 KiB files
	mustDispatch(t, s)
	mustFlushLog(t, s) // cleanup deletes only flushed files
	if n := len(s.commitLog.Files().Files()); n < 5 {
		t.Fatalf("%d commit-log files, want at least 5", n)
	}
	return s, clk, want
}

func TestManualCleanupDeletesExpiredFilesAndMovesMinOffsets(t *testing.T) {
	var usage atomic.Int64
	s, clk, want := cleanupStore(t, &usage)
	filesBefore := len(s.commitLog.Files().Files())
	oldest := want[0]
	if _, err := s.LookMessageByOffset(oldest); err != nil { // now cached
		t.Fatal(err)
	}

	if r, err := s.DeleteExpiredFiles(); err != nil || r.CommitLogFiles != 0 {
		t.Fatalf("nothing is expired yet: %+v %v", r, err)
	}
	clk.Set(clk.Now().Add(DefaultFileReservedTime + time.Hour))
	r, err := s.DeleteExpiredFiles()
	if err != nil {
		t.Fatal(err)
	}
	if r.CommitLogFiles != filesBefore-1 || len(s.commitLog.Files().Files()) != 1 {
		t.Fatalf("report %+v; %d files left of %d, want only the current one", r, len(s.commitLog.Files().Files()), filesBefore)
	}
	if r.ConsumeQueueFile == 0 || r.IndexFiles == 0 {
		t.Fatalf("report %+v: consume-queue and index files pointing below the log must go", r)
	}
	minPhys := s.commitLog.MinOffset()
	for qid := range int32(testQueues) {
		res, err := s.GetMessage("g", testTopic, qid, 0, 32, nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Release()
		if res.Status != OffsetTooSmall || res.NextBeginOffset != res.MinOffset || res.MinOffset == 0 {
			t.Fatalf("queue %d after cleanup: %v next %d min %d", qid, res.Status, res.NextBeginOffset, res.MinOffset)
		}
		phys, err := s.GetCommitLogOffsetInQueue(testTopic, qid, res.MinOffset)
		if err != nil || phys < minPhys {
			t.Fatalf("queue %d: first unit at %d (%v), below the log's start %d", qid, phys, err, minPhys)
		}
	}
	if _, err := s.LookMessageByOffset(oldest); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a deleted record is still served (from the cache?): %v", err)
	}
	// Everything still in the log is still pullable.
	kept := map[int64]int64{}
	for seq, phys := range want {
		if phys >= minPhys {
			kept[seq] = phys
		}
	}
	checkAllFrom(t, s, kept)
}

// checkAllFrom is checkAll for queues that no longer start at 0.
func checkAllFrom(t *testing.T, s *MessageStore, want map[int64]int64) {
	t.Helper()
	got := map[int64]bool{}
	for qid := range int32(testQueues) {
		for _, seq := range pullAll(t, s, testTopic, qid, nil) {
			got[seq] = true
		}
	}
	for seq := range want {
		if !got[seq] {
			t.Fatalf("seq %d is gone", seq)
		}
	}
}

func mustFlushLog(t *testing.T, s *MessageStore) {
	t.Helper()
	if err := s.commitLog.Flush(); err != nil {
		t.Fatal(err)
	}
}

// TestCleanupNeverDeletesAnUnflushedFile: a forced cleanup (disk above
// the forced ratio, files seconds old) flushes the log before it deletes,
// so that it never removes a file the flusher has not finished (whose
// flush would then fail and poison the log); the files it deleted early
// are counted.
func TestCleanupNeverDeletesAnUnflushedFile(t *testing.T) {
	usage := atomic.Int64{}
	clk := &clock{now: time.Now()}
	opts := testOptions(mappedfile.NewMemFS())
	opts.Now = clk.Now
	opts.CleanResourceInterval = time.Hour
	opts.DeleteFilesInterval = time.Millisecond
	opts.CommitLog.FlushInterval = time.Hour // nothing flushes by itself
	opts.CommitLog.FlushThoroughInterval = time.Hour
	opts.DiskUsage = func(string) (float64, error) { return float64(usage.Load()) / 100, nil }
	s := openStore(t, "s", opts)
	defer s.Close()
	putSeqs(t, s, 0, 1200, map[int64]int64{})
	mustDispatch(t, s)
	usage.Store(87)
	covered := s.commitLog.Files().First().StartOffset() + int64(s.commitLog.FileSize())
	if s.commitLog.FlushedOffset() >= covered {
		t.Fatal("the test needs a first file not yet flushed")
	}
	if r := s.cleaner.round(false); r.CommitLogFiles == 0 || r.EarlyFiles != r.CommitLogFiles || s.EarlyDeletedFiles() != int64(r.EarlyFiles) {
		t.Fatalf("a forced round after the flush: %+v, early %d", r, s.EarlyDeletedFiles())
	}
	if err := s.Err(); err != nil {
		t.Fatalf("the store after the cleanup: %v", err)
	}
}

func TestDiskPressureDeletesAndRefusesWrites(t *testing.T) {
	var usage atomic.Int64
	s, clk, _ := cleanupStore(t, &usage)
	files := len(s.commitLog.Files().Files())

	usage.Store(80) // above 75%: expired files go at any hour; none expired
	if r := s.cleaner.round(false); r.CommitLogFiles != 0 || !r.SpaceFull || r.Forcibly {
		t.Fatalf("80%%: %+v", r)
	}
	clk.Set(clk.Now().Add(DefaultFileReservedTime + time.Minute))
	if r := s.cleaner.round(false); r.CommitLogFiles != files-1 {
		t.Fatalf("80%% with expired files: %+v", r)
	}

	putSeqs(t, s, 2000, 3000, map[int64]int64{})
	mustDispatch(t, s)
	mustFlushLog(t, s)
	files = len(s.commitLog.Files().Files())
	usage.Store(87) // above 85%: even unexpired files go
	if r := s.cleaner.round(false); !r.Forcibly || r.CommitLogFiles != files-1 {
		t.Fatalf("87%%: %+v, %d files before", r, files)
	}

	usage.Store(95) // above 90%: writes are refused
	if r := s.cleaner.round(false); !r.WritesRefused {
		t.Fatalf("95%%: %+v", r)
	}
	if _, err := s.PutMessage(context.Background(), testMessage(1, 10)); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("put at 95%%: %v", err)
	}
	usage.Store(50)
	s.cleaner.round(false)
	mustPut(t, s, testMessage(1, 10))
}

func TestCleanupAtTheConfiguredHour(t *testing.T) {
	var usage atomic.Int64
	s, clk, _ := cleanupStore(t, &usage)
	later := clk.Now().Add(DefaultFileReservedTime + time.Hour)
	clk.Set(later)
	if r := s.cleaner.round(false); r.TimeUp || r.CommitLogFiles != 0 {
		t.Fatalf("outside DeleteWhen: %+v", r)
	}
	h := 0
	if s.opts.DeleteWhen == "01" {
		h = 1
	}
	clk.Set(time.Date(later.Year(), later.Month(), later.Day()+1, h, 30, 0, 0, later.Location()))
	if r := s.cleaner.round(false); !r.TimeUp || r.CommitLogFiles == 0 {
		t.Fatalf("at the DeleteWhen hour: %+v", r)
	}
}

func TestCleanupNeverUnmapsUnderAReader(t *testing.T) {
	var usage atomic.Int64
	s, clk, _ := cleanupStore(t, &usage)
	clk.Set(clk.Now().Add(DefaultFileReservedTime + time.Hour))
	held, err := s.GetMessage("g", testTopic, 0, 0, 1, nil)
	if err != nil || len(held.Messages) != 1 {
		t.Fatal(err)
	}
	if r, _ := s.DeleteExpiredFiles(); r.CommitLogFiles != 0 {
		t.Fatalf("a held file was deleted: %+v", r)
	}
	held.Release()
	if r, _ := s.DeleteExpiredFiles(); r.CommitLogFiles == 0 {
		t.Fatalf("the released file was not deleted: %+v", r)
	}
}

func TestCleanupForcesAHeldFileAfterTheInterval(t *testing.T) {
	var usage atomic.Int64
	s, clk, _ := cleanupStore(t, &usage)
	s.opts.DestroyForciblyAfter = 20 * time.Millisecond
	clk.Set(clk.Now().Add(DefaultFileReservedTime + time.Hour))
	held, err := s.GetMessage("g", testTopic, 0, 0, 1, nil)
	if err != nil || len(held.Messages) != 1 {
		t.Fatal(err)
	}
	defer held.Release()
	if r, _ := s.DeleteExpiredFiles(); r.CommitLogFiles != 0 {
		t.Fatalf("deleted before the interval: %+v", r)
	}
	time.Sleep(30 * time.Millisecond)
	if r, _ := s.DeleteExpiredFiles(); r.CommitLogFiles == 0 {
		t.Fatalf("not deleted after the interval: %+v", r)
	}
}

// TestKeyQueriesDuringCleanupOnDisk queries keys on the real file system
// while cleanup deletes commit-log and index files under the queries.
// Index files used to be unmapped under a running query (SIGSEGV).
func TestKeyQueriesDuringCleanupOnDisk(t *testing.T) {
	opts := testOptions(nil)
	opts.IndexSlotCount, opts.IndexMaxEntries = 64, 256 // a new index file every ~85 messages
	opts.CacheBytes = -1                                // every query reads the index
	opts.CleanResourceInterval = time.Hour              // rounds are run by hand
	opts.DeleteFilesInterval = time.Millisecond
	opts.DiskUsage = func(string) (float64, error) { return 0.87, nil } // every file but the last goes
	s := openStore(t, t.TempDir(), opts)
	stop := make(chan struct{})
	var queries atomic.Int64
	var wg sync.WaitGroup
	for q := range 2 {
		wg.Go(func() {
			for i := int64(q); ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				res, err := s.QueryMessage(testTopic, testKey(i%2000), 4, 0, 1<<62)
				if err != nil {
					t.Error(err)
					return
				}
				for _, r := range res.Records {
					if !hasKey(&r, testKey(i%2000)) {
						t.Errorf("query for %s gave a record without the key", testKey(i%2000))
						return
					}
				}
				queries.Add(1)
			}
		})
	}
	deleted := 0
	for round := range int64(10) {
		putSeqs(t, s, round*200, round*200+200, map[int64]int64{})
		mustDispatch(t, s)
		r, err := s.DeleteExpiredFiles()
		if err != nil {
			t.Fatal(err)
		}
		deleted += r.IndexFiles
	}
	close(stop)
	wg.Wait()
	if deleted == 0 || queries.Load() == 0 {
		t.Fatalf("%d index files deleted under %d queries: the test raced nothing", deleted, queries.Load())
	}
}
