package store

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rocketstore/rocketstore/consumequeue"
	"github.com/rocketstore/rocketstore/index"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// checkedStore is a closed store of several files of every kind, and where
// each message went.
func checkedStore(t *testing.T) (*mappedfile.MemFS, *Options, map[int64]int64) {
	t.Helper()
	fs := mappedfile.NewMemFS()
	opts := testOptions(fs)
	opts.IndexSlotCount, opts.IndexMaxEntries = 256, 1024 // several files, RocketMQ's 1:4 ratio
	s := openUnchecked(t, "s", opts)                      // the tests damage it
	want := map[int64]int64{}
	putSeqs(t, s, 0, 600, want)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return fs, opts, want
}

// poke changes the bytes of a file at pos, durably.
func poke(t *testing.T, fs mappedfile.FS, path string, pos int, change func(b []byte)) {
	t.Helper()
	m, err := fs.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	change(m.Bytes()[pos:])
	if err := m.Flush(0, len(m.Bytes())); err != nil {
		t.Fatal(err)
	}
}

func mustCheckFail(t *testing.T, fs mappedfile.FS, opts *Options, kind string, offset int64, reason string) Report {
	t.Helper()
	rep, err := Check("s", checkOptions(opts))
	if !errors.Is(err, ErrDamaged) || rep.OK() {
		t.Fatalf("Check = %v, problems %v", err, rep.Problems)
	}
	p := rep.Problems[0]
	if p.Kind != kind || p.Offset != offset || !strings.Contains(p.Reason, reason) {
		t.Fatalf("first problem %v, want %s at offset %d: %q", p, kind, offset, reason)
	}
	return rep
}

func TestCheckAcceptsACleanStoreAndSummarizesIt(t *testing.T) {
	fs, opts, want := checkedStore(t)
	var done, total int64
	o := checkOptions(opts)
	o.Progress = func(d, tot int64) { done, total = d, tot }
	rep, err := Check("s", o)
	if err != nil {
		t.Fatalf("Check: %v, problems %v", err, rep.Problems)
	}
	cl := rep.CommitLog
	if cl.Records != 600 || cl.MinOffset != 0 || cl.EndOffset <= want[599] || cl.Files < 3 || cl.FileSize != opts.CommitLog.FileSize {
		t.Fatalf("commit log %+v", cl)
	}
	if len(rep.Queues) != testQueues || rep.Queues[0].MaxOffset != 150 || rep.Queues[0].Units != 150 || rep.Queues[0].MinOffset != 0 {
		t.Fatalf("queues %+v", rep.Queues)
	}
	if len(rep.Index) < 2 || rep.Index[0].SlotCount != 256 {
		t.Fatalf("index %+v", rep.Index)
	}
	if !rep.CheckpointValid || rep.Abnormal || rep.Checkpoint.LogicsOffset != cl.EndOffset {
		t.Fatalf("checkpoint %+v valid %v, abnormal %v", rep.Checkpoint, rep.CheckpointValid, rep.Abnormal)
	}
	if total == 0 || done != total {
		t.Fatalf("progress %d of %d", done, total)
	}
	// Without the geometry, the index files' size gives it (1:4 ratio).
	if rep, err := Check("s", &CheckOptions{FS: fs}); err != nil || rep.Index[0].MaxEntries != 1024 {
		t.Fatalf("Check with an inferred index geometry: %v %+v", err, rep.Index)
	}
}

func TestCheckNamesTheFirstBadRecord(t *testing.T) {
	fs, opts, want := checkedStore(t)
	bad := want[350]
	size := int64(opts.CommitLog.FileSize)
	poke(t, fs, filepath.Join("s", commitLogDir, mappedfile.FileName(bad-bad%size)), int(bad%size)+150, func(b []byte) { b[0] ^= 0xff })
	rep := mustCheckFail(t, fs, opts, KindCommitLog, bad, "CRC")
	if rep.CommitLog.EndOffset != bad {
		t.Fatalf("log end %d, want the bad record's %d", rep.CommitLog.EndOffset, bad)
	}
	// Units and index entries past it point past the valid records.
	if rep.ProblemCount < 2 {
		t.Fatalf("only %v", rep.Problems)
	}
}

func TestCheckFindsBytesPastTheEnd(t *testing.T) {
	fs, opts, _ := checkedStore(t)
	rep, _ := Check("s", checkOptions(opts))
	end := rep.CommitLog.EndOffset
	size := int64(opts.CommitLog.FileSize)
	poke(t, fs, filepath.Join("s", commitLogDir, mappedfile.FileName(end-end%size)), int(end%size)+100, func(b []byte) { b[0] = 7 })
	mustCheckFail(t, fs, opts, KindCommitLog, end, "after the end")
}

func TestCheckFindsBadUnits(t *testing.T) {
	cases := []struct {
		name   string
		change func(b []byte, want map[int64]int64)
		reason string
	}{
		{"size", func(b []byte, _ map[int64]int64) { binary.BigEndian.PutUint32(b[8:], 3) }, "says size 3"},
		{"tags", func(b []byte, _ map[int64]int64) { binary.BigEndian.PutUint64(b[12:], 12345) }, "tags code 12345"},
		{"another queue's record", func(b []byte, want map[int64]int64) { binary.BigEndian.PutUint64(b, uint64(want[41])) }, "record of TopicTest/1"},
		{"past the end", func(b []byte, _ map[int64]int64) { binary.BigEndian.PutUint64(b, 1<<40) }, "past the end"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs, opts, want := checkedStore(t)
			// Unit 10 of queue 0 is message 40.
			path := filepath.Join(consumequeue.Dir(filepath.Join("s", consumeQueueDir), testTopic, 0), mappedfile.FileName(0))
			poke(t, fs, path, 10*consumequeue.UnitSize, func(b []byte) { tc.change(b, want) })
			rep, err := Check("s", checkOptions(opts))
			if !errors.Is(err, ErrDamaged) || rep.Problems[0].Kind != KindConsumeQueue || rep.Problems[0].Pos != 10*consumequeue.UnitSize ||
				!strings.Contains(rep.Problems[0].Reason, tc.reason) || !strings.Contains(rep.Problems[0].Reason, "TopicTest/0 unit 10") {
				t.Fatalf("Check = %v, %v", err, rep.Problems)
			}
		})
	}
}

func TestCheckFindsBadIndexEntries(t *testing.T) {
	cases := []struct {
		name   string
		pos    func(slots int) int
		change func(b []byte, want map[int64]int64)
		reason string
	}{
		// Entries 1, 2, 3 are message 0's key, "common" and unique key; 4 is
		// message 1's key.
		{"an entry pointing at another record", func(slots int) int { return index.EntryAt(slots, 4) + 4 },
			func(b []byte, want map[int64]int64) { binary.BigEndian.PutUint64(b, uint64(want[3])) }, "no key of the record"},
		{"a slot beyond the index count", func(int) int { return index.HeaderSize },
			func(b []byte, _ map[int64]int64) {
				for i := 0; i < 256*4; i += 4 { // every slot: one of them is used
					if binary.BigEndian.Uint32(b[i:]) != 0 {
						binary.BigEndian.PutUint32(b[i:], 1e6)
					}
				}
			}, "outside 1.."},
		{"a chain going forward", func(slots int) int { return index.EntryAt(slots, 2) + 16 },
			func(b []byte, _ map[int64]int64) { binary.BigEndian.PutUint32(b, 7) }, "links forward to 7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs, opts, want := checkedStore(t)
			rep, err := Check("s", checkOptions(opts))
			if err != nil {
				t.Fatal(err)
			}
			poke(t, fs, rep.Index[0].Path, tc.pos(256), func(b []byte) { tc.change(b, want) })
			rep, err = Check("s", checkOptions(opts))
			if !errors.Is(err, ErrDamaged) || rep.Problems[0].Kind != KindIndex || !strings.Contains(rep.Problems[0].Reason, tc.reason) {
				t.Fatalf("Check = %v, %v", err, rep.Problems)
			}
		})
	}
}

func TestCheckFindsACheckpointAheadOfTheData(t *testing.T) {
	fs, opts, _ := checkedStore(t)
	rep, _ := Check("s", checkOptions(opts))
	cp := rep.Checkpoint
	cp.IndexOffset = rep.CommitLog.EndOffset + 1000
	poke(t, fs, filepath.Join("s", checkpointName), 0, func(b []byte) { cp.encode(b) })
	mustCheckFail(t, fs, opts, KindCheckpoint, cp.IndexOffset, "past the end")
	cp.IndexOffset = rep.CommitLog.EndOffset - 1 // inside the last record
	poke(t, fs, filepath.Join("s", checkpointName), 0, func(b []byte) { cp.encode(b) })
	mustCheckFail(t, fs, opts, KindCheckpoint, cp.IndexOffset, "not a record boundary")
	cp.IndexOffset = rep.CommitLog.EndOffset
	cp.CommitLogFlushed = rep.CommitLog.EndOffset + 1
	poke(t, fs, filepath.Join("s", checkpointName), 0, func(b []byte) { cp.encode(b) })
	mustCheckFail(t, fs, opts, KindCheckpoint, cp.CommitLogFlushed, "flushed data is gone")
	poke(t, fs, filepath.Join("s", checkpointName), 0, func(b []byte) { b[3] ^= 1 })
	mustCheckFail(t, fs, opts, KindCheckpoint, -1, "CRC")
}

func TestCheckReportsAnOpenStoreAsAbnormal(t *testing.T) {
	fs := mappedfile.NewMemFS()
	opts := testOptions(fs)
	s := openStore(t, "s", opts)
	mustPut(t, s, testMessage(1, 100))
	mustDispatch(t, s)
	rep, err := Check("s", checkOptions(opts))
	if !rep.Abnormal || err != nil && !errors.Is(err, ErrDamaged) {
		t.Fatalf("Check of an open store: abnormal %v, %v", rep.Abnormal, err)
	}
	if _, err := Check("no-such-store", &CheckOptions{FS: mappedfile.OSFS}); err == nil || errors.Is(err, ErrDamaged) {
		t.Fatalf("Check of a missing directory: %v", err)
	}
}
