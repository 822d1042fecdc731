package peers

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rocketstore/rocketstore/bench"
)

// TestTornTail cuts the last record of tidwall-wal's and rosedb-wal's logs
// short, as a crash in the middle of its write(2) does, at several places
// (in its length or header, in its data, at the 32 KiB block boundary rosedb
// splits it at), and checks that a reopen drops just that record, and that
// appends after it read back, then and after one more reopen. raft-wal's
// and etcd's segments are preallocated: TestTornTailPreallocated tears
// theirs. The other engines' own recovery handles torn tails
// (TestKilledWriter).
func TestTornTail(t *testing.T) {
	engines := []struct {
		engine      bench.Engine
		lastSegment func(dir string) (string, error)
	}{
		{TidwallEngine(), lastTidwallSegment},
		{RosedbEngine(), lastRosedbSegment},
	}
	// The last record is over 40 KiB, so that rosedb splits it over blocks.
	n := 20
	for len(testRecord(n-1)) <= 40<<10 {
		n++
	}
	for _, c := range engines {
		t.Run(c.engine.Name, func(t *testing.T) {
			start, end := writeTornTestLog(t, c.engine, c.lastSegment, t.TempDir(), n)
			boundary := (start/rosedbBlockSize + 1) * rosedbBlockSize
			var cuts []int64
			for _, cut := range []int64{start + 1, start + 3, start + 9, boundary, boundary + 1, end - 1} {
				if cut > start && cut < end && !slices.Contains(cuts, cut) {
					cuts = append(cuts, cut)
				}
			}
			for _, cut := range cuts {
				dir := t.TempDir()
				writeTornTestLog(t, c.engine, c.lastSegment, dir, n)
				seg, err := c.lastSegment(dir)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(seg, cut); err != nil {
					t.Fatal(err)
				}
				o := bench.OpenOptions{SegmentSize: testSegmentSize}
				l, closeLog := openTestLog(t, c.engine, dir, o)
				checkLen(t, l, n-1)
				for seq := n - 1; seq < n+1; seq++ {
					if err := l.Append(testRecord(seq)); err != nil {
						t.Fatalf("cut at %d: Append: %v", cut, err)
					}
				}
				closeLog()
				l, closeLog = openTestLog(t, c.engine, dir, o)
				checkLen(t, l, n+1)
				for seq := range n + 1 {
					checkRecord(t, l, seq, seq)
				}
				closeLog()
			}
		})
	}
}

// writeTornTestLog writes records 0 to n-1 to a new log of e in dir and
// returns where the last one starts and ends in the last segment.
func writeTornTestLog(t *testing.T, e bench.Engine, lastSegment func(string) (string, error), dir string, n int) (start, end int64) {
	t.Helper()
	l, closeLog := openTestLog(t, e, dir, bench.OpenOptions{SegmentSize: testSegmentSize})
	size := func() int64 {
		seg, err := lastSegment(dir)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(seg)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	for seq := range n {
		if seq == n-1 {
			start = size() // both write each record with one write(2)
		}
		if err := l.Append(testRecord(seq)); err != nil {
			t.Fatal(err)
		}
	}
	end = size()
	closeLog()
	return start, end
}

// lastRosedbSegment is the path of rosedb's active segment in dir, the one
// with the highest number (named in 9 digits, so they sort as text).
func lastRosedbSegment(dir string) (string, error) {
	segs, err := filepath.Glob(filepath.Join(dir, "*.SEG"))
	if err != nil || len(segs) == 0 {
		return "", err
	}
	slices.Sort(segs)
	return segs[len(segs)-1], nil
}
