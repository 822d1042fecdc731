package ha

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// The fuzzed slave's log has the smallest files, so that a short stream
// crosses one, and limits small enough that a claimed size costs little.
// The seeds are kept to a few hundred bytes because the fuzzing engine's
// minimizer is quadratic in an input's length.
const (
	fuzzFileSize  = 4096
	fuzzMaxRecord = fuzzFileSize - 256
	fuzzRecords   = 3 // records the slave holds before the stream, ending near its file's end
	fuzzSourceLen = 7 // records of the master the seeds stream: past that file's end
)

var fuzzOpts = SlaveOptions{MaxBodySize: 16 << 10, MaxRecordSize: fuzzMaxRecord}

// fuzzMessage is the seq-th record of the fuzz logs: small, but for the
// second, which brings the log near the end of its first file.
func fuzzMessage(seq int64) *message.Message {
	size := 8 + int(seq%5)
	if seq == 1 {
		size = 3500
	}
	return &message.Message{Topic: "T", Body: testkit.Body(seq, size), BornHost: testBornHost}
}

// fuzzLog opens a log on a fresh MemFS holding the first n records of a
// deterministic sequence: the master's and the slave's logs are built
// alike, so a seed streamed from one continues the other.
func fuzzLog(t testing.TB, n int) *commitlog.Log {
	t.Helper()
	l, err := commitlog.Open("fuzz", &commitlog.Options{
		FileSize:           fuzzFileSize,
		MaxMessageSize:     fuzzMaxRecord,
		FS:                 mappedfile.NewMemFS(),
		DisablePreallocate: true,
		Now:                func() time.Time { return time.UnixMilli(1_700_000_000_000) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	for seq := range int64(n) {
		if _, err := l.Append(context.Background(), fuzzMessage(seq)); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// fuzzSeeds returns streams for the fuzzed slave: the rest of the master's
// log in frames of the master's making, the same cut anywhere with
// heartbeats, and a valid start followed by a frame at a stale offset.
func fuzzSeeds(t testing.TB) map[string][]byte {
	t.Helper()
	src := fuzzLog(t, fuzzSourceLen)
	start := fuzzLog(t, fuzzRecords).MaxOffset()
	var framed, cut, damaged []byte
	for at, i := start, 0; at < src.MaxOffset(); i++ {
		s, err := src.ReadRange(at, 150) // stops at the file's end, as a master's batch does
		if err != nil {
			t.Fatal(err)
		}
		framed = append(framed, frame(at, s.Bytes)...)
		at += int64(len(s.Bytes))
		s.Release()
		if i == 1 {
			damaged = bytes.Clone(framed)
		}
	}
	data := logBytes(t, src, start, src.MaxOffset())
	for i, at := 0, 0; at < len(data); i++ {
		n := min(1+(i*7919)%90, len(data)-at)
		cut = append(cut, frame(start+int64(at), nil)...)
		cut = append(cut, frame(start+int64(at), data[at:at+n])...)
		at += n
	}
	damaged = append(damaged, frame(start, data[:100])...) // the slave is past start by now
	return map[string][]byte{"valid-batches": framed, "valid-cut-anywhere": cut, "valid-then-wrong-offset": damaged}
}

// FuzzHAFrame feeds arbitrary bytes as a master's stream to a slave's frame
// handling, over a real commit log that already holds records: it must
// never panic, and the log must only ever hold valid records.
func FuzzHAFrame(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		sink := fuzzLog(t, fuzzRecords)
		start := sink.MaxOffset()
		r := newReceiver(sink, &fuzzOpts, nil)
		err := r.readFrames(bytes.NewReader(stream), func(end int64) error {
			if end != sink.MaxOffset() {
				t.Fatalf("reported %d, the log ends at %d", end, sink.MaxOffset())
			}
			if _, err := countRecords(sink); err != nil {
				t.Fatalf("after an append: %v", err)
			}
			return nil
		})
		if err == nil {
			t.Fatal("readFrames returned nil at the end of the stream")
		}
		if sink.MaxOffset() < start {
			t.Fatalf("the log shrank from %d to %d", start, sink.MaxOffset())
		}
		if n, err := countRecords(sink); err != nil || n < fuzzRecords {
			t.Fatalf("the log holds %d valid records, then: %v", n, err)
		}
	})
}

// TestFuzzSeedsReplicate checks the seeds are what they claim: the valid
// ones bring the slave to the master's end.
func TestFuzzSeedsReplicate(t *testing.T) {
	end := fuzzLog(t, fuzzSourceLen).MaxOffset()
	if end <= fuzzFileSize || fuzzLog(t, fuzzRecords).MaxOffset() >= fuzzFileSize {
		t.Fatalf("the seeds should cross a file; the source ends at %d", end)
	}
	for name, stream := range fuzzSeeds(t) {
		sink := fuzzLog(t, fuzzRecords)
		r := newReceiver(sink, &fuzzOpts, nil)
		err := r.readFrames(bytes.NewReader(stream), nil)
		if name == "valid-then-wrong-offset" {
			if !errors.Is(err, errWrongOffset) {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if err != io.EOF || sink.MaxOffset() != end {
			t.Errorf("%s: %v, the slave ends at %d of %d", name, err, sink.MaxOffset(), end)
		}
	}
}

// TestWriteFuzzSeeds writes the seeds into testdata in Go's corpus format
// when HA_WRITE_FUZZ_SEEDS is set.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("HA_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set HA_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz/FuzzHAFrame")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzHAFrame")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, stream := range fuzzSeeds(t) {
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(stream)))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
