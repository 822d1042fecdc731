package store

import (
	"encoding/binary"
	"hash/crc32"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/consumequeue"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// holeStore writes a store whose commit log is flushed only in its first
// file while its consume queues, index and checkpoint reach its last file
// (async flush lags the dispatcher), and returns its file system, options,
// the messages (seq → offset), their ends and the flushed offset.
func holeStore(t *testing.T) (*mappedfile.MemFS, *Options, map[int64]int64, map[int64]int64, int64) {
	t.Helper()
	fs := mappedfile.NewMemFS()
	opts := testOptions(fs)
	// Nothing flushes but the calls below.
	opts.CommitLog.FlushInterval, opts.CommitLog.FlushThoroughInterval = time.Hour, time.Hour
	opts.FlushConsumeQueueInterval, opts.FlushConsumeQueueThorough = time.Hour, time.Hour
	s := openUnchecked(t, "s", opts)
	t.Cleanup(func() { s.Close() })
	want, ends := map[int64]int64{}, map[int64]int64{}
	put := func(from, to int64) {
		for seq := from; seq < to; seq++ {
			res := mustPut(t, s, testMessage(seq, 50+int(seq%900)))
			want[seq], ends[seq] = res.PhysicalOffset, res.End()
		}
	}
	put(0, 60)
	if err := s.CommitLog().Flush(); err != nil {
		t.Fatal(err)
	}
	flushed := s.CommitLog().FlushedOffset()
	put(60, 1500) // about eight 128 KiB files
	mustDispatch(t, s)
	if err := s.flushLogics(true); err != nil { // queues, index, checkpoint
		t.Fatal(err)
	}
	if files := s.CommitLog().Files().Files(); len(files) < 6 || flushed >= files[0].StartOffset()+int64(files[0].Size()) {
		t.Fatalf("%d commit-log files, flushed to %d: the test needs the flush in the first of many", len(files), flushed)
	}
	return fs, opts, want, ends, flushed
}

// reopenAfterHole opens the crashed copy and checks that recovery trusted
// nothing at or past hole (the first commit-log byte the power loss lost),
// as Inspect foresaw: the log ends before it, and every message ending before the log's end is
// pulled and found by key. openStore checks the whole store at cleanup.
func reopenAfterHole(t *testing.T, opts *Options, crashed *mappedfile.MemFS, want, ends map[int64]int64, flushed, hole int64) {
	t.Helper()
	opts.FS = crashed
	plan, err := Inspect("s", checkOptions(opts))
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t, "s", opts)
	defer s.Close()
	r := s.Recovery()
	if plan.Recovery.ScanFrom != r.CommitLog.ScanFrom || plan.Recovery.End != r.CommitLog.End {
		t.Fatalf("Inspect planned a scan of [%d, %d), Open did [%d, %d)", plan.Recovery.ScanFrom, plan.Recovery.End, r.CommitLog.ScanFrom, r.CommitLog.End)
	}
	if r.CommitLog.End > hole || r.CommitLog.End < flushed {
		t.Fatalf("recovery %+v: the log ends at %d, want it cut before the hole at %d and not before the flushed %d",
			r.CommitLog, r.CommitLog.End, hole, flushed)
	}
	if r.CommitLog.ScanFrom > flushed {
		t.Fatalf("the recovery scan started at %d, past the last recorded flush %d", r.CommitLog.ScanFrom, flushed)
	}
	kept := map[int64]int64{}
	for seq, end := range ends {
		if end <= r.CommitLog.End {
			kept[seq] = want[seq]
		}
	}
	checkAll(t, s, kept)
}

// TestPowerLossHoleBeforeTheLastFilesIsNotTrusted: the kernel wrote back
// every page of the commit log but one in its second file, past the last
// flush. The checkpoint's consume-queue offset lies in the last file, so a
// scan from the third-last file alone would keep the records after the
// hole; the checkpoint's flushed offset makes recovery scan from the first.
func TestPowerLossHoleBeforeTheLastFilesIsNotTrusted(t *testing.T) {
	fs, opts, want, ends, flushed := holeStore(t)
	crashed := fs.Crash(mappedfile.CrashOptions{KeepUnflushed: 1})
	size := int64(opts.CommitLog.FileSize)
	hole := size + size/2 // a page in the middle of the second file
	path := filepath.Join("s", commitLogDir, mappedfile.FileName(size))
	m, err := crashed.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	at := int(hole - size)
	clear(m.Bytes()[at : at+4096])
	if err := m.Flush(at, 4096); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	reopenAfterHole(t, opts, crashed, want, ends, flushed, hole)
}

// TestCheckpointKeepsTheOldLayoutReadable: the commit log's flushed offset
// follows the 60 bytes earlier versions wrote and read, under a CRC of its
// own, so each version reads the other's file; a crash with the offset
// unknown (an earlier version's file) scans the whole log.
func TestCheckpointKeepsTheOldLayoutReadable(t *testing.T) {
	cp := Checkpoint{PhysicMsgTimestamp: 1, LogicsMsgTimestamp: 2, IndexMsgTimestamp: 3, MasterFlushed: 4,
		ConfirmPhysOffset: 5, LogicsOffset: 600, IndexOffset: 700, CommitLogFlushed: 500}
	b := make([]byte, checkpointSize)
	cp.encode(b)
	var got Checkpoint
	if !got.decode(b) || got != cp {
		t.Fatalf("decoded %+v, want %+v", got, cp)
	}
	// An earlier version reads the first 60 bytes only.
	old := cp
	old.CommitLogFlushed = -1
	if !got.decode(b[:cpEnd]) || got != old {
		t.Fatalf("the first %d bytes decode to %+v, want %+v", cpEnd, got, old)
	}
	// An earlier version's file, or one it rewrote since.
	for name, damage := range map[string]func([]byte){
		"never written": func(b []byte) { clear(b[cpEnd:cpFlushedEnd]) },
		"rewritten": func(b []byte) { // as an earlier version writes: 60 bytes
			binary.BigEndian.PutUint64(b[cpLogicsOffset:], 800)
			binary.BigEndian.PutUint32(b[cpCRC:], crc32.ChecksumIEEE(b[:cpCRC]))
		},
	} {
		c := slices.Clone(b)
		damage(c)
		if !got.decode(c) || got.CommitLogFlushed != -1 {
			t.Fatalf("%s: decoded %+v, want the flushed offset unknown", name, got)
		}
	}
	for _, tc := range []struct {
		name            string
		cp              Checkpoint
		valid, abnormal bool
		want            int64
	}{
		{"clean close", cp, true, false, 600},
		{"crash", cp, true, true, 500},
		{"crash, flushed past the queues", Checkpoint{LogicsOffset: 600, IndexOffset: 700, CommitLogFlushed: 900}, true, true, 600},
		{"crash, flushed unknown", old, true, true, 1},
		{"crash, no checkpoint", Checkpoint{}, false, true, 1},
	} {
		if got := recoveryScanFrom(tc.cp, tc.valid, tc.abnormal, tc.cp.LogicsOffset, tc.cp.IndexOffset); got != tc.want {
			t.Errorf("%s: scan from %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestKillInTheMiddleOfAUnitRewritesIt: a kill while the dispatcher writes
// a consume-queue unit leaves its commit-log offset and size but not yet
// its tags code. Recovery must not keep such a unit past the checkpoint
// (a repeated put of a unit below the queue's end is skipped): the units
// past the durable point go and are dispatched again.
func TestKillInTheMiddleOfAUnitRewritesIt(t *testing.T) {
	fs := mappedfile.NewMemFS()
	opts := testOptions(fs)
	s := openUnchecked(t, "s", opts)
	t.Cleanup(func() { s.Close() })
	want := map[int64]int64{}
	putSeqs(t, s, 0, 100, want)
	if err := s.Flush(); err != nil { // the checkpoint
		t.Fatal(err)
	}
	putSeqs(t, s, 100, 200, want)
	mustDispatch(t, s)
	// What a kill leaves: every byte written (the page cache survives),
	// and the last unit of queue 3 torn before its tags code.
	crashed := fs.Crash(mappedfile.CrashOptions{KeepUnflushed: 1})
	q := s.queues.find(testTopic, 3)
	last := q.MaxOffset() - 1
	if u, err := q.Unit(last); err != nil || u.TagsCode == 0 {
		t.Fatalf("unit %d of queue 3: %+v, %v", last, u, err)
	}
	perFile := int64(opts.ConsumeQueueUnitsPerFile)
	path := filepath.Join(consumequeue.Dir(filepath.Join("s", consumeQueueDir), testTopic, 3),
		mappedfile.FileName(last/perFile*perFile*consumequeue.UnitSize))
	poke(t, crashed, path, int(last%perFile*consumequeue.UnitSize)+12, func(b []byte) { clear(b[:8]) })

	opts.FS = crashed
	s2 := openStore(t, "s", opts) // checked when the test ends
	defer s2.Close()
	u, err := s2.queues.find(testTopic, 3).Unit(last)
	if err != nil || u.TagsCode == 0 {
		t.Fatalf("unit %d of queue 3 after recovery: %+v, %v: the torn unit was kept", last, u, err)
	}
	checkAll(t, s2, want)
}
