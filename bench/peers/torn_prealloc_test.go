package peers

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rocketstore/rocketstore/bench"
)

// TestTornTailPreallocated tears the last record of raft-wal's and etcd's
// logs, whose segments are preallocated (so a segment's size does not say
// where its records end), in the two ways a crash in the middle of its
// write leaves it: the file cut short inside the record, or the record's
// sectors from some point on never written (still the preallocated zeros).
// A reopen must drop just that record (raft-wal by its commit frames' CRC,
// etcd by wal.Repair), and appends after it must read back, then and after
// one more reopen.
func TestTornTailPreallocated(t *testing.T) {
	engines := []struct {
		engine      bench.Engine
		lastSegment func(dir string) (string, error)
	}{
		{RaftWALEngine(), func(dir string) (string, error) { return lastSegmentByName(dir) }},
		{EtcdWALEngine(), func(dir string) (string, error) { return lastSegmentByName(etcdWALDir(dir)) }},
	}
	// The last record is over 40 KiB, so that it spans several sectors.
	n := 20
	for len(testRecord(n-1)) <= 40<<10 {
		n++
	}
	for _, c := range engines {
		t.Run(c.engine.Name, func(t *testing.T) {
			start, end := writePreallocatedTestLog(t, c.engine, c.lastSegment, t.TempDir(), n)
			// A cut file ends anywhere; unwritten bytes are whole sectors
			// (etcd's torn-write check looks for one of zeros: it takes
			// sector writes to be atomic, as disks make them).
			mid := (start + end) / 2
			var cuts, sectors []int64
			for _, cut := range []int64{start + 1, start + 3, start + 9, mid, end - 1} {
				if cut > start && cut < end && !slices.Contains(cuts, cut) {
					cuts = append(cuts, cut)
				}
			}
			for _, sector := range []int64{(start + 511) &^ 511, mid &^ 511, (end - 1) &^ 511} {
				if sector > start && sector < end && !slices.Contains(sectors, sector) {
					sectors = append(sectors, sector)
				}
			}
			for _, zero := range []bool{false, true} {
				from := cuts
				if zero {
					from = sectors
				}
				for _, cut := range from {
					name := fmt.Sprintf("truncated at %d", cut)
					if zero {
						name = fmt.Sprintf("zeros from %d", cut)
					}
					dir := t.TempDir()
					writePreallocatedTestLog(t, c.engine, c.lastSegment, dir, n)
					seg, err := c.lastSegment(dir)
					if err != nil {
						t.Fatal(err)
					}
					if zero {
						err = zeroRange(seg, cut, end)
					} else {
						err = os.Truncate(seg, cut)
					}
					if err != nil {
						t.Fatal(err)
					}
					checkTornReopen(t, c.engine, dir, n, name)
				}
			}
		})
	}
}

// checkTornReopen reopens the log in dir, whose record n-1 was torn, and
// checks that it holds records 0 to n-2, that two appends follow them and
// that all survive one more reopen.
func checkTornReopen(t *testing.T, e bench.Engine, dir string, n int, tear string) {
	t.Helper()
	o := bench.OpenOptions{SegmentSize: testSegmentSize}
	l, err := e.Open(dir, o)
	if err != nil {
		t.Fatalf("%s: Open: %v", tear, err)
	}
	if got := l.Len(); got != n-1 {
		l.Close()
		t.Fatalf("%s: Len = %d after the reopen, want %d", tear, got, n-1)
	}
	for seq := n - 1; seq < n+1; seq++ {
		if err := l.Append(testRecord(seq)); err != nil {
			l.Close()
			t.Fatalf("%s: Append: %v", tear, err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatalf("%s: Close: %v", tear, err)
	}
	l, closeLog := openTestLog(t, e, dir, o)
	checkLen(t, l, n+1)
	for seq := range n + 1 {
		checkRecord(t, l, seq, seq)
	}
	closeLog()
}

// writePreallocatedTestLog writes records 0 to n-1 to a new log of e in dir
// and returns where the last one's bytes start and end in the last segment:
// it writes the first n-1, closes the log, reopens it to append the last
// one, and compares the segment before and after.
func writePreallocatedTestLog(t *testing.T, e bench.Engine, lastSegment func(string) (string, error), dir string, n int) (start, end int64) {
	t.Helper()
	o := bench.OpenOptions{SegmentSize: testSegmentSize}
	read := func() (string, []byte) {
		seg, err := lastSegment(dir)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(seg)
		if err != nil {
			t.Fatal(err)
		}
		return seg, data
	}
	l, closeLog := openTestLog(t, e, dir, o)
	for seq := range n - 1 {
		if err := l.Append(testRecord(seq)); err != nil {
			t.Fatal(err)
		}
	}
	closeLog()
	segBefore, before := read()
	l, closeLog = openTestLog(t, e, dir, o)
	if err := l.Append(testRecord(n - 1)); err != nil {
		t.Fatal(err)
	}
	closeLog()
	segAfter, after := read()
	if segAfter != segBefore {
		t.Fatalf("the last record went to a new segment %s", segAfter)
	}
	first := commonPrefix(before, after)
	last := len(after) - commonPrefix(reversed(before), reversed(after))
	if first >= last {
		t.Fatalf("appending the last record changed nothing in %s", segAfter)
	}
	return int64(first), int64(last)
}

// commonPrefix is the length of the longest common prefix of a and b.
func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func reversed(b []byte) []byte {
	r := bytes.Clone(b)
	slices.Reverse(r)
	return r
}

// zeroRange overwrites bytes [from, to) of the file at path with zeros.
func zeroRange(path string, from, to int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(make([]byte, to-from), from)
	return errors.Join(err, f.Close())
}

// lastSegmentByName is the path of the *.wal file in dir whose name sorts
// last: raft-wal and etcd both name segments with fixed-width numbers.
func lastSegmentByName(dir string) (string, error) {
	segs, err := filepath.Glob(filepath.Join(dir, "*.wal"))
	if err != nil || len(segs) == 0 {
		return "", fmt.Errorf("no segment in %s (%v)", dir, err)
	}
	slices.Sort(segs)
	return segs[len(segs)-1], nil
}
