package store

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/consumequeue"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// queueDump is every unit of every queue of a store.
func queueDump(t testing.TB, s *MessageStore) map[queueKey][]consumequeue.Unit {
	t.Helper()
	d := map[queueKey][]consumequeue.Unit{}
	for _, q := range s.queues.all() {
		var units []consumequeue.Unit
		if _, err := q.Scan(q.MinOffset(), func(_ int64, u consumequeue.Unit) bool {
			units = append(units, u)
			return true
		}); err != nil {
			t.Fatal(err)
		}
		d[queueKey{q.Topic(), q.QueueID()}] = units
	}
	return d
}

// checkAll pulls every queue and looks up every key of the messages in
// want (seq → physical offset): each must be there exactly once.
func checkAll(t testing.TB, s *MessageStore, want map[int64]int64) {
	t.Helper()
	got := map[int64]bool{}
	for qid := range int32(testQueues) {
		for _, seq := range pullAll(t, s, testTopic, qid, nil) {
			if got[seq] {
				t.Fatalf("seq %d pulled twice", seq)
			}
			got[seq] = true
		}
	}
	for seq, phys := range want {
		if !got[seq] {
			t.Fatalf("seq %d (offset %d) is not in its consume queue", seq, phys)
		}
		res, err := s.QueryMessage(testTopic, testKey(seq), 4, 0, 1<<62)
		if err != nil || len(res.Records) != 1 || res.Records[0].PhysicalOffset != phys {
			t.Fatalf("seq %d: key query gave %d records, err %v", seq, len(res.Records), err)
		}
	}
}

func putSeqs(t testing.TB, s *MessageStore, from, to int64, want map[int64]int64) {
	t.Helper()
	for seq := from; seq < to; seq++ {
		want[seq] = mustPut(t, s, testMessage(seq, 50+int(seq%900))).PhysicalOffset
	}
}

func TestCleanReopenIsNormalAndContinues(t *testing.T) {
	fs := mappedfile.NewMemFS()
	s := openStore(t, "s", testOptions(fs))
	want := map[int64]int64{}
	putSeqs(t, s, 0, 500, want)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A power loss right after a clean close keeps it clean: the abort
	// marker's removal is durable once Close returns.
	fs = fs.CrashCopy()
	s = openStore(t, "s", testOptions(fs))
	defer s.Close()
	if r := s.Recovery(); r.Abnormal || !r.CheckpointValid || r.Redispatched != 0 {
		t.Fatalf("recovery after a clean close: %+v", r)
	}
	putSeqs(t, s, 500, 600, want)
	mustDispatch(t, s)
	checkAll(t, s, want)
	if max := s.GetMaxOffsetInQueue(testTopic, 3); max != 150 {
		t.Fatalf("queue 3 max offset %d, want 150", max)
	}
}

// copyDir copies a store directory while the store is open: what a killed
// process leaves behind (the page cache survives, nothing is closed). The
// store's background work goes on meanwhile: a file listed but gone when
// it is read (a new file's temporary name, renamed into place by its
// creator) is left out, as a kill before it was made would leave it.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path != src {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestReopenAfterKillIsAbnormalAndLosesNothing(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	s := openStore(t, src, testOptions(nil))
	want := map[int64]int64{}
	putSeqs(t, s, 0, 300, want)
	if err := s.Flush(); err != nil { // a checkpoint in the middle
		t.Fatal(err)
	}
	putSeqs(t, s, 300, 700, want) // some dispatched, some maybe not
	copyDir(t, src, dst)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, dst, testOptions(nil))
	defer s.Close()
	r := s.Recovery()
	if !r.Abnormal || !r.CheckpointValid || r.DispatchFrom > want[300] {
		t.Fatalf("recovery after a kill: %+v; want abnormal, re-dispatch from at most %d", r, want[300])
	}
	checkAll(t, s, want)
	putSeqs(t, s, 700, 720, want)
	mustDispatch(t, s)
	checkAll(t, s, want)
}

func TestPowerLossUnderSyncFlushKeepsAcknowledgedMessages(t *testing.T) {
	for round := range 6 {
		fs := mappedfile.NewMemFS()
		opts := testOptions(fs)
		opts.CommitLog.FlushMode = commitlog.SyncFlush
		opts.CommitLog.TransientStorePool = round%2 == 1
		opts.CommitLog.TransientStorePoolSize = 3
		s := openStore(t, "s", opts)
		var (
			mu    sync.Mutex
			acked = map[int64]int64{}
			wg    sync.WaitGroup
		)
		for w := range 4 {
			wg.Go(func() {
				for i := range 60 + round*20 {
					seq := int64(w*10000 + i)
					res, err := s.PutMessage(context.Background(), testMessage(seq, 100+i*7))
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					acked[seq] = res.PhysicalOffset
					mu.Unlock()
					if i == 30 && w == 0 {
						if err := s.Flush(); err != nil {
							t.Error(err)
						}
					}
				}
			})
		}
		wg.Wait()
		crashed := fs.CrashCopy() // only what was flushed survives
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		opts.FS = crashed
		s = openStore(t, "s", opts)
		if !s.Recovery().Abnormal {
			t.Fatalf("round %d: recovery %+v not abnormal", round, s.Recovery())
		}
		checkAll(t, s, acked)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDeletedQueuesAndIndexAreRebuiltExactly(t *testing.T) {
	root := t.TempDir()
	s := openStore(t, root, testOptions(nil))
	want := map[int64]int64{}
	putSeqs(t, s, 0, 800, want)
	mustDispatch(t, s)
	before := queueDump(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{consumeQueueDir, indexDir} {
		if err := os.RemoveAll(filepath.Join(root, dir)); err != nil {
			t.Fatal(err)
		}
	}
	s = openStore(t, root, testOptions(nil))
	defer s.Close()
	if r := s.Recovery(); r.Redispatched != 800 || r.DispatchFrom != 0 {
		t.Fatalf("recovery %+v: want all 800 records re-dispatched from 0", r)
	}
	after := queueDump(t, s)
	if !maps.EqualFunc(before, after, slices.Equal) {
		t.Fatal("rebuilt consume queues differ from the originals")
	}
	checkAll(t, s, want)
}

func TestMissingCheckpointRebuildsFromTheLog(t *testing.T) {
	fs := mappedfile.NewMemFS()
	s := openStore(t, "s", testOptions(fs))
	want := map[int64]int64{}
	putSeqs(t, s, 0, 300, want)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := fs.Remove(filepath.Join("s", checkpointName)); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, "s", testOptions(fs))
	defer s.Close()
	if r := s.Recovery(); r.CheckpointValid || r.DispatchFrom != 0 || r.Redispatched != 300 {
		t.Fatalf("recovery without a checkpoint: %+v", r)
	}
	checkAll(t, s, want)
}

func TestDamagedRecordTruncatesLogAndQueues(t *testing.T) {
	root := t.TempDir()
	opts := testOptions(nil)
	s := openStore(t, root, opts)
	want := map[int64]int64{}
	putSeqs(t, s, 0, 400, want)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Flip a body byte of record 350.
	bad := want[350]
	size := int64(opts.CommitLog.FileSize)
	path := filepath.Join(root, commitLogDir, mappedfile.FileName(bad-bad%size))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[bad%size+150] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// A crash, so that the scan covers the damage.
	if err := os.WriteFile(filepath.Join(root, abortName), []byte{1}, 0o644); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, root, opts)
	defer s.Close()
	r := s.Recovery()
	if r.CommitLog.End != bad || !errors.Is(r.CommitLog.Reason, message.ErrCRCMismatch) {
		t.Fatalf("recovery %+v: want the log cut at %d", r, bad)
	}
	for seq := int64(350); seq < 400; seq++ {
		delete(want, seq)
	}
	checkAll(t, s, want)
	// Queue offsets continue from the cut: seq 350 was queue 2, offset 87.
	if res := mustPut(t, s, testMessage(350, 10)); res.QueueOffset != 87 {
		t.Fatalf("first put after the cut took queue offset %d, want 87", res.QueueOffset)
	}
}
