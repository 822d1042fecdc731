package commitlog

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
)

func TestDiskFullLeavesTheLogReadableAndRecovers(t *testing.T) {
	fs := mappedfile.NewMemFS()
	const fileSize = 64 << 10
	fs.SetCapacity(3 * fileSize)
	opts := &Options{FS: fs, FileSize: fileSize, MaxMessageSize: 16 << 10}
	l := openTest(t, "log", opts)
	var results []AppendResult
	var err error
	for seq := int64(0); ; seq++ {
		var r AppendResult
		if r, err = l.Append(context.Background(), testMessage(seq, 3000)); err != nil {
			break
		}
		results = append(results, r)
	}
	if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("append on a full disk: %v, want ErrDiskFull and ENOSPC", err)
	}
	if len(results) == 0 {
		t.Fatal("nothing was appended before the disk filled")
	}
	for seq, r := range results {
		if got := readSeq(t, l, r.PhysicalOffset); got != int64(seq) {
			t.Fatalf("seq %d at %d, want %d", got, r.PhysicalOffset, seq)
		}
	}
	// A second failing append changes nothing either.
	end := l.MaxOffset()
	if _, err := l.Append(context.Background(), testMessage(-1, 3000)); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("second append on a full disk: %v", err)
	}
	if l.MaxOffset() != end {
		t.Fatalf("a failed append moved the write position from %d to %d", end, l.MaxOffset())
	}

	fs.SetCapacity(10 * fileSize)
	next := int64(len(results))
	for seq := next; seq < next+20; seq++ {
		results = append(results, mustAppend(t, l, testMessage(seq, 3000)))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTest(t, "log", opts)
	defer l.Close()
	for seq, r := range results {
		if got := readSeq(t, l, r.PhysicalOffset); got != int64(seq) {
			t.Fatalf("after reopen: seq %d at %d, want %d", got, r.PhysicalOffset, seq)
		}
	}
}

// stallFS wraps a file system so tests can stall flushes (errorfs fails
// them).
type stallFS struct {
	mappedfile.FS
	stall chan struct{} // flushes wait for this to close, when set
	delay time.Duration // each flush takes at least this long
}

func (f *stallFS) Create(path string, size int) (mappedfile.Mapping, error) {
	m, err := f.FS.Create(path, size)
	if err != nil {
		return nil, err
	}
	return &stallMapping{Mapping: m, fs: f}, nil
}

func (f *stallFS) Open(path string) (mappedfile.Mapping, error) {
	m, err := f.FS.Open(path)
	if err != nil {
		return nil, err
	}
	return &stallMapping{Mapping: m, fs: f}, nil
}

type stallMapping struct {
	mappedfile.Mapping
	fs *stallFS
}

func (m *stallMapping) Flush(off, n int) error {
	if m.fs.stall != nil {
		<-m.fs.stall
	}
	time.Sleep(m.fs.delay)
	return m.Mapping.Flush(off, n)
}

func TestSyncFlushTimeout(t *testing.T) {
	fs := &stallFS{FS: mappedfile.NewMemFS(), stall: make(chan struct{})}
	l := openTest(t, "log", &Options{FS: fs, FlushMode: SyncFlush, SyncFlushTimeout: 50 * time.Millisecond})
	res, err := l.Append(context.Background(), testMessage(1, 100))
	if !errors.Is(err, ErrFlushTimeout) {
		t.Fatalf("append with a stalled disk: %v, want ErrFlushTimeout", err)
	}
	// The record was written, only its durability was not confirmed.
	if got := readSeq(t, l, res.PhysicalOffset); got != 1 {
		t.Fatalf("timed-out record reads as seq %d", got)
	}
	close(fs.stall)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAppendHonoursContextCancel(t *testing.T) {
	fs := &stallFS{FS: mappedfile.NewMemFS(), stall: make(chan struct{})}
	l := openTest(t, "log", &Options{FS: fs, FlushMode: SyncFlush})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.Append(ctx, testMessage(1, 100)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("append with an expiring context: %v", err)
	}
	close(fs.stall)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}
