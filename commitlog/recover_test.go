package commitlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rocketstore/rocketstore/message"
)

func TestReopenAfterCleanClose(t *testing.T) {
	dir := t.TempDir()
	l := openTest(t, dir, nil)
	var results []AppendResult
	for seq := int64(0); seq < 400; seq++ {
		results = append(results, mustAppend(t, l, testMessage(seq, 1500)))
	}
	end := l.MaxOffset()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTest(t, dir, nil)
	defer l.Close()
	rep := l.Recovery()
	if rep.End != end || l.MaxOffset() != end || rep.Reason != nil || rep.Dropped() {
		t.Fatalf("recovery %+v, max offset %d; want a clean end at %d", rep, l.MaxOffset(), end)
	}
	for seq, r := range results {
		if got := readSeq(t, l, r.PhysicalOffset); got != int64(seq) {
			t.Fatalf("seq %d at %d after reopen, want %d", got, r.PhysicalOffset, seq)
		}
	}
	next := mustAppend(t, l, testMessage(400, 10))
	if next.PhysicalOffset != end {
		t.Fatalf("first append after reopen at %d, want %d", next.PhysicalOffset, end)
	}
}

// corruptFileAt flips one byte at a physical offset in the closed log's files.
func corruptFileAt(t *testing.T, dir string, fileSize int, offset int64) {
	t.Helper()
	start := offset - offset%int64(fileSize)
	path := filepath.Join(dir, fileName(start))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[offset-start] ^= 0x5a
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func fileName(start int64) string { return fmt.Sprintf("%020d", start) }

func TestRecoveryTruncatesAtTheFirstDamagedRecord(t *testing.T) {
	for _, tc := range []struct {
		name     string
		damageAt func(r AppendResult) int64
		reason   error
	}{
		{"body byte", func(r AppendResult) int64 { return r.End() - 200 }, message.ErrCRCMismatch},
		{"magic", func(r AppendResult) int64 { return r.PhysicalOffset + 5 }, message.ErrBadMagic},
		{"physical offset field", func(r AppendResult) int64 { return r.PhysicalOffset + message.OffsetPhysicalOffset + 7 }, ErrMisplaced},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l := openTest(t, dir, nil)
			var results []AppendResult
			for seq := int64(0); seq < 300; seq++ {
				results = append(results, mustAppend(t, l, testMessage(seq, 1000)))
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			bad := results[150] // in the first file, so the second is dropped whole
			corruptFileAt(t, dir, testFileSize, tc.damageAt(bad))

			l = openTest(t, dir, nil)
			rep := l.Recovery()
			var ce *CorruptionError
			if rep.End != bad.PhysicalOffset || !errors.As(rep.Reason, &ce) || ce.Offset != bad.PhysicalOffset || !errors.Is(rep.Reason, tc.reason) {
				t.Fatalf("recovery %+v; want the end at %d for %v", rep, bad.PhysicalOffset, tc.reason)
			}
			if !rep.Dropped() {
				t.Fatalf("recovery %+v reports nothing dropped", rep)
			}
			last := results[len(results)-1]
			if want := []string{fileName(last.PhysicalOffset - last.PhysicalOffset%testFileSize)}; bad.PhysicalOffset >= testFileSize || !slices.Equal(rep.DroppedFiles, want) {
				t.Fatalf("damage at %d, dropped files %v; want the damage in the first file and %v dropped", bad.PhysicalOffset, rep.DroppedFiles, want)
			}
			for seq := range 150 {
				readSeq(t, l, results[seq].PhysicalOffset)
			}
			if _, err := l.Read(bad.PhysicalOffset); !errors.Is(err, ErrOffsetOutOfRange) {
				t.Fatalf("dropped record still readable: %v", err)
			}
			// New records overwrite the tail; a second recovery must not
			// resurrect anything of the old tail past them.
			mustAppend(t, l, testMessage(999, 10))
			end := l.MaxOffset()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l = openTest(t, dir, nil)
			defer l.Close()
			if l.MaxOffset() != end || l.Recovery().Reason != nil {
				t.Fatalf("second recovery: %+v, max %d, want a clean end at %d", l.Recovery(), l.MaxOffset(), end)
			}
		})
	}
}

func TestRecoveryOfAnEmptyDirectory(t *testing.T) {
	l := openTest(t, t.TempDir(), nil)
	defer l.Close()
	if rep := l.Recovery(); rep.End != 0 || rep.Dropped() || rep.Reason != nil {
		t.Fatalf("recovery of nothing: %+v", rep)
	}
	if r := mustAppend(t, l, testMessage(0, 10)); r.PhysicalOffset != 0 {
		t.Fatalf("first record at %d", r.PhysicalOffset)
	}
}

func TestRecoverFromScansEarlierFiles(t *testing.T) {
	dir := t.TempDir()
	l := openTest(t, dir, nil)
	var results []AppendResult
	for seq := int64(0); seq < 1500; seq++ { // about six files
		results = append(results, mustAppend(t, l, testMessage(seq, 1000)))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	bad := results[20] // in the first file: before the third-last
	corruptFileAt(t, dir, testFileSize, bad.End()-100)

	l = openTest(t, dir, nil)
	if rep := l.Recovery(); rep.Reason != nil || rep.ScanFrom == 0 {
		t.Fatalf("default recovery %+v: want a scan from the third-last file that misses the damage", rep)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTest(t, dir, &Options{RecoverFrom: results[10].PhysicalOffset})
	defer l.Close()
	if rep := l.Recovery(); rep.ScanFrom != 0 || rep.End != bad.PhysicalOffset || !errors.Is(rep.Reason, message.ErrCRCMismatch) {
		t.Fatalf("recovery from %d: %+v; want a scan from 0 ending at %d", results[10].PhysicalOffset, rep, bad.PhysicalOffset)
	}
}
