package store

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
)

func TestReadRecordsAndQueue(t *testing.T) {
	fs, opts, want := checkedStore(t)
	o := checkOptions(opts)
	var seqs []int64
	err := ReadRecords("s", o, want[100], want[110], func(r DirRecord) bool {
		seq, ok := testkit.BodySeq(r.Body)
		if !ok || !r.CRCOK || r.PhysicalOffset != want[seq] {
			t.Fatalf("record at %d: seq %d ok %v crc %v", r.PhysicalOffset, seq, ok, r.CRCOK)
		}
		seqs = append(seqs, seq)
		return true
	})
	if err != nil || len(seqs) != 10 || seqs[0] != 100 || seqs[9] != 109 {
		t.Fatalf("ReadRecords: %v, %v", err, seqs)
	}
	seqs = nil
	err = ReadQueue("s", o, testTopic, 2, 5, 8, func(logic int64, r DirRecord) bool {
		seq, _ := testkit.BodySeq(r.Body)
		seqs = append(seqs, seq)
		return true
	})
	if err != nil || len(seqs) != 3 || seqs[0] != 22 || seqs[2] != 30 {
		t.Fatalf("ReadQueue: %v, %v", err, seqs)
	}
	n := 0
	if err := ReadRecords("s", o, 0, 0, func(DirRecord) bool { n++; return n < 5 }); err != nil || n != 5 {
		t.Fatalf("stopping early: %v after %d", err, n)
	}
	if err := ReadQueue("s", o, "NoSuchTopic", 0, 0, 0, func(int64, DirRecord) bool { return true }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing queue: %v", err)
	}
	// Damaged framing stops the walk, naming the offset.
	bad, size := want[300], int64(opts.CommitLog.FileSize)
	poke(t, fs, filepath.Join("s", commitLogDir, mappedfile.FileName(bad-bad%size)), int(bad%size), func(b []byte) { b[0] ^= 0x40 })
	if err := ReadRecords("s", o, 0, 0, func(DirRecord) bool { return true }); !errors.Is(err, ErrDamaged) {
		t.Fatalf("damaged log: %v", err)
	}
}
