package commitlog

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/message"
)

const pageSize = 4096

// tornLog writes 30 records to a log in dir and then last, with a body
// sized so that a page boundary falls cut bytes after its body's end: the
// page after it holds the rest of its topic or properties, which a power
// loss that keeps a record's first page and loses its last one damages
// without touching the body. It returns every record's result and the
// boundary.
func tornLog(t *testing.T, dir string, last *message.Message, cut int) (results []AppendResult, boundary int64) {
	t.Helper()
	l := openTest(t, dir, nil)
	for seq := range int64(30) {
		results = append(results, mustAppend(t, l, testMessage(seq, 1000)))
	}
	last.Body = nil
	overhead, err := message.EncodedSize(last, DefaultStoreHost)
	if err != nil {
		t.Fatal(err)
	}
	afterBody := 1 + len(last.Topic) + 2 + len(last.Properties) // TOPIC and PROPERTIES with their lengths
	start := l.MaxOffset()
	boundary = (start+int64(overhead)+100)/pageSize*pageSize + pageSize
	last.Body = testkit.Body(30, int(boundary-int64(cut)-start)-(overhead-afterBody))
	r := mustAppend(t, l, last)
	if bodyEnd := r.End() - int64(afterBody); bodyEnd != boundary-int64(cut) || r.End() <= boundary {
		t.Fatalf("the last record [%d, %d) has its body end at %d, want the page boundary %d %d bytes later", r.PhysicalOffset, r.End(), bodyEnd, boundary, cut)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return append(results, r), boundary
}

// zeroLog clears the log's bytes [from, to) in the closed log in dir.
func zeroLog(t *testing.T, dir string, from, to int64) {
	t.Helper()
	start := from - from%testFileSize
	path := filepath.Join(dir, fileName(start))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	clear(b[from-start : to-start])
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRecoveryDropsARecordWhoseTopicOrPropertiesWereTorn damages what the
// body CRC does not cover in one record and reopens: recovery must cut the
// log at that record, say why, and keep every record before it. Framing
// passes each damaged record: the lengths are intact.
func TestRecoveryDropsARecordWhoseTopicOrPropertiesWereTorn(t *testing.T) {
	topicLen := len(testMessage(0, 0).Topic)
	propsLen := func(seq int64) int64 { return int64(len(testMessage(seq, 0).Properties)) }
	noProps := func() *message.Message { m := testMessage(30, 0); m.Properties = nil; return m }
	for _, tc := range []struct {
		name   string
		last   *message.Message
		cut    int // the page boundary in the last record, in bytes after its body
		victim int // which record
		// damage returns the bytes to zero, given the victim and the page
		// boundary.
		damage func(r AppendResult, seq, boundary int64) (from, to int64)
		want   error
	}{
		{"topic bytes of the last record", testMessage(30, 0), 3, 30, func(r AppendResult, seq, _ int64) (int64, int64) {
			at := r.End() - propsLen(seq) - 2 - int64(topicLen)
			return at, at + int64(topicLen)
		}, message.ErrIllegalTopic},
		{"properties bytes of the last record", testMessage(30, 0), 3, 30, func(r AppendResult, seq, _ int64) (int64, int64) {
			return r.End() - propsLen(seq), r.End()
		}, message.ErrMalformedProperties},
		{"last page, from inside the properties", testMessage(30, 0), 1 + topicLen + 2 + 5, 30, lastPage, message.ErrMalformedProperties},
		{"last page, from inside the topic of a record without properties", noProps(), 3, 30, lastPage, message.ErrIllegalTopic},
		{"topic bytes of a record in the middle", testMessage(30, 0), 3, 12, func(r AppendResult, seq, _ int64) (int64, int64) {
			at := r.End() - propsLen(seq) - 2 - int64(topicLen) + 2
			return at, at + 1
		}, message.ErrIllegalTopic},
		{"one property byte of a record in the middle", testMessage(30, 0), 3, 12, func(r AppendResult, seq, _ int64) (int64, int64) {
			at := r.End() - propsLen(seq) + 4
			return at, at + 1
		}, message.ErrMalformedProperties},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			results, boundary := tornLog(t, dir, tc.last, tc.cut)
			bad := results[tc.victim]
			from, to := tc.damage(bad, int64(tc.victim), boundary)
			zeroLog(t, dir, from, to)

			l := openTest(t, dir, nil)
			defer l.Close()
			rep := l.Recovery()
			var ce *CorruptionError
			if rep.End != bad.PhysicalOffset || !errors.As(rep.Reason, &ce) || ce.Offset != bad.PhysicalOffset || !errors.Is(rep.Reason, tc.want) {
				t.Fatalf("recovery %+v: want the log cut at %d for %v", rep, bad.PhysicalOffset, tc.want)
			}
			if l.MaxOffset() != bad.PhysicalOffset || !rep.Dropped() {
				t.Fatalf("max offset %d, dropped %v: want %d and the damaged tail dropped", l.MaxOffset(), rep.Dropped(), bad.PhysicalOffset)
			}
			for seq, r := range results[:tc.victim] {
				if got := readSeq(t, l, r.PhysicalOffset); got != int64(seq) {
					t.Fatalf("seq %d at %d after recovery, want %d", got, r.PhysicalOffset, seq)
				}
			}
			if _, err := l.Read(bad.PhysicalOffset); err == nil {
				t.Fatalf("the damaged record at %d is still readable", bad.PhysicalOffset)
			}
		})
	}
}

// lastPage is the page a power loss lost: from the boundary on.
func lastPage(_ AppendResult, _, boundary int64) (int64, int64) { return boundary, boundary + pageSize }

// TestRecoveryChecksTopicsWithoutCRCs: SkipCRCOnRecover skips only the body
// CRC; a torn topic still cuts the log.
func TestRecoveryChecksTopicsWithoutCRCs(t *testing.T) {
	dir := t.TempDir()
	last := testMessage(30, 0)
	last.Properties = nil
	results, boundary := tornLog(t, dir, last, 3)
	zeroLog(t, dir, boundary, boundary+pageSize)
	l := openTest(t, dir, &Options{SkipCRCOnRecover: true})
	defer l.Close()
	if rep, bad := l.Recovery(), results[30]; rep.End != bad.PhysicalOffset || !errors.Is(rep.Reason, message.ErrIllegalTopic) {
		t.Fatalf("recovery %+v: want the log cut at %d for its topic", rep, bad.PhysicalOffset)
	}
}
