package peers

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/rocketstore/rocketstore/bench"
)

// testSegmentSize is small, so that the tests span several segments. It is
// 8 MiB, not 4: rocketstore's commit log refuses a file that cannot hold its
// largest message (4 MiB by default) plus an end-of-file marker.
const testSegmentSize = 8 << 20

// testRecord returns record id: id in its first 8 bytes, then a filler
// derived from id, so that a record read at the wrong place, truncated or
// mixed with another does not compare equal. One in four is under 136
// bytes, so that blocks hold several records; the others take 8 bytes to 64
// KiB, so that some span rosedb's 32 KiB blocks and pebble's WAL blocks.
func testRecord(id int) []byte {
	h := uint64(id+1) * 0x9E3779B97F4A7C15 // spreads consecutive ids
	size := 8 + int(h>>40)%(64<<10-8)
	if id%4 == 0 {
		size = 8 + int(h>>40)%128
	}
	r := make([]byte, size)
	binary.BigEndian.PutUint64(r, uint64(id))
	x := uint32(h>>32) | 1
	for i := 8; i < len(r); i++ {
		x ^= x << 13 // xorshift: cheap, and no two records share a run
		x ^= x >> 17
		x ^= x << 5
		r[i] = byte(x)
	}
	return r
}

// recordID is the id testRecord put in rec, or -1 if rec is too short.
func recordID(rec []byte) int {
	if len(rec) < 8 {
		return -1
	}
	return int(binary.BigEndian.Uint64(rec))
}

// checkRecord fails t unless seq reads back as testRecord(id).
func checkRecord(t *testing.T, l bench.Log, seq, id int) {
	t.Helper()
	got, err := l.ReadAt(seq)
	if err != nil {
		t.Fatalf("ReadAt(%d): %v", seq, err)
	}
	if want := testRecord(id); !bytes.Equal(got, want) {
		t.Fatalf("ReadAt(%d) = %d bytes with id %d, want the %d bytes of record %d",
			seq, len(got), recordID(got), len(want), id)
	}
}

// checkNoRecord fails t unless ReadAt(seq) wraps bench.ErrNoRecord.
func checkNoRecord(t *testing.T, l bench.Log, seq int) {
	t.Helper()
	if _, err := l.ReadAt(seq); !errors.Is(err, bench.ErrNoRecord) {
		t.Fatalf("ReadAt(%d) with Len %d: err = %v, want bench.ErrNoRecord", seq, l.Len(), err)
	}
}

// openTestLog opens e in dir and closes it when the test ends, if the test
// has not: a failed test must still release pebble's lock and mappings
// before t.TempDir removes the directory. The returned func closes it now.
func openTestLog(t *testing.T, e bench.Engine, dir string, o bench.OpenOptions) (bench.Log, func()) {
	t.Helper()
	l, err := e.Open(dir, o)
	if err != nil {
		t.Fatalf("Open %s: %v", dir, err)
	}
	closed := false
	closeLog := func() {
		if closed {
			return
		}
		closed = true
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	t.Cleanup(closeLog)
	return l, closeLog
}
