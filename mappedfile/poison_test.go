package mappedfile_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/mappedfile/errorfs"
)

// hooks records what a queue reports through its hooks.
type hooks struct {
	mu         sync.Mutex
	poisoned   []error
	background []error
}

func (h *hooks) options(o mappedfile.QueueOptions) mappedfile.QueueOptions {
	o.OnPoisoned = func(err error) { h.mu.Lock(); h.poisoned = append(h.poisoned, err); h.mu.Unlock() }
	o.OnBackgroundError = func(err error) { h.mu.Lock(); h.background = append(h.background, err); h.mu.Unlock() }
	return o
}

// TestAFailedSyncPoisonsTheQueue: after one failed flush, every later
// flush fails with the same error even once the disk works again, the
// flushed offset never moves, and a power loss keeps exactly what was
// flushed before the failure.
func TestAFailedSyncPoisonsTheQueue(t *testing.T) {
	mem := mappedfile.NewMemFS()
	sw := errorfs.Toggle(errorfs.Always(errorfs.OpSync))
	var h hooks
	q, err := mappedfile.OpenQueue("q", h.options(mappedfile.QueueOptions{FileSize: 8192, FS: errorfs.Wrap(mem, sw)}))
	if err != nil {
		t.Fatal(err)
	}
	mappedfile.Fill(t, q, 1000, 1)
	if err := q.Flush(0); err != nil {
		t.Fatal(err)
	}
	mappedfile.Fill(t, q, 1000, 2)
	sw.Set(true)
	first := q.Flush(0)
	var ioErr *mappedfile.IOError
	if !errors.Is(first, mappedfile.ErrPoisoned) || !errors.Is(first, syscall.EIO) || !errors.As(first, &ioErr) {
		t.Fatalf("failed flush = %v, want an *IOError matching ErrPoisoned and EIO", first)
	}
	if ioErr.Op != "sync" || ioErr.Offset != 1000 {
		t.Fatalf("IOError %+v, want a sync from offset 1000", ioErr)
	}
	sw.Set(false)
	mappedfile.Fill(t, q, 1000, 3)
	for range 3 {
		if err := q.Flush(0); !errors.Is(err, mappedfile.ErrPoisoned) {
			t.Fatalf("flush after the failure, disk healthy again: %v", err)
		}
	}
	if err := q.Commit(0); !errors.Is(err, mappedfile.ErrPoisoned) {
		t.Fatalf("commit after the failure: %v", err)
	}
	if q.FlushedOffset() != 1000 || !errors.Is(q.Err(), mappedfile.ErrPoisoned) {
		t.Fatalf("flushed offset %d, Err %v; want 1000 and the poison", q.FlushedOffset(), q.Err())
	}
	if len(h.poisoned) != 1 || !errors.Is(h.poisoned[0], syscall.EIO) {
		t.Fatalf("OnPoisoned calls: %v, want one", h.poisoned)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := mem.CrashCopy().ReadFile(filepath.Join("q", mappedfile.FileName(0)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b[:1000], bytes.Repeat([]byte{1}, 1000)) || !bytes.Equal(b[1000:], make([]byte, 8192-1000)) {
		t.Fatal("the power loss kept other bytes than the ones flushed before the failure")
	}
}

// fakePool lends fresh buffers.
type fakePool struct{ size int }

func (p fakePool) Borrow() ([]byte, bool) { return make([]byte, p.size), true }
func (p fakePool) Return([]byte)          {}

// TestAFailedWriteOfABufferPoisonsTheQueue: a failed commit of a write
// buffer poisons the queue, and so does a failed final write when the
// queue closes, which Close reports instead of dropping.
func TestAFailedWriteOfABufferPoisonsTheQueue(t *testing.T) {
	for _, at := range []string{"commit", "close"} {
		t.Run(at, func(t *testing.T) {
			sw := errorfs.Toggle(errorfs.Always(errorfs.OpWrite))
			q, err := mappedfile.OpenQueue("q", mappedfile.QueueOptions{
				FileSize: 8192, FS: errorfs.Wrap(mappedfile.NewMemFS(), sw), WriteBuffers: fakePool{8192}})
			if err != nil {
				t.Fatal(err)
			}
			mappedfile.Fill(t, q, 100, 1)
			sw.Set(true)
			if at == "commit" {
				if err := q.Commit(0); !errors.Is(err, mappedfile.ErrPoisoned) {
					t.Fatalf("failed commit: %v", err)
				}
				sw.Set(false)
				if err := q.Commit(0); !errors.Is(err, mappedfile.ErrPoisoned) {
					t.Fatalf("commit after the failure: %v", err)
				}
				if q.CommittedOffset() != 0 {
					t.Fatalf("committed offset moved to %d", q.CommittedOffset())
				}
			}
			if err := q.Close(); !errors.Is(err, mappedfile.ErrPoisoned) || !errors.Is(err, syscall.EIO) {
				t.Fatalf("Close with an unwritable buffer: %v", err)
			}
			if !errors.Is(q.Err(), mappedfile.ErrPoisoned) {
				t.Fatalf("queue not poisoned: %v", q.Err())
			}
		})
	}
}

// TestAFailedRemovalReachesTheHook: a file destroyed under a reader is
// removed when the reader lets go; that removal failing is reported, not
// dropped.
func TestAFailedRemovalReachesTheHook(t *testing.T) {
	sw := errorfs.Toggle(errorfs.Always(errorfs.OpRemove))
	var h hooks
	q, err := mappedfile.OpenQueue("q", h.options(mappedfile.QueueOptions{
		FileSize: 8192, FS: errorfs.Wrap(mappedfile.NewMemFS(), sw)}))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	mappedfile.Fill(t, q, 3*8192, 1)
	s, err := q.Slice(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := q.DeleteFiles(func(*mappedfile.File) bool { return true }, 1, -1); n != 0 || err != nil {
		t.Fatalf("DeleteFiles under a reader = %d, %v", n, err)
	}
	sw.Set(true)
	s.Release()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.background) != 1 || !errors.Is(h.background[0], errorfs.ErrInjected) {
		t.Fatalf("background errors %v, want the failed removal", h.background)
	}
}

// TestDeletedFilesStayDeletedAfterAPowerLoss: the queue syncs the directory
// after removing files, so they do not come back.
func TestDeletedFilesStayDeletedAfterAPowerLoss(t *testing.T) {
	mem := mappedfile.NewMemFS()
	q, err := mappedfile.OpenQueue("q", mappedfile.QueueOptions{FileSize: 8192, FS: mem})
	if err != nil {
		t.Fatal(err)
	}
	mappedfile.Fill(t, q, 4*8192+10, 1) // five files
	if n, err := q.DeleteFiles(func(*mappedfile.File) bool { return true }, 2, 0); n != 2 || err != nil {
		t.Fatalf("DeleteFiles = %d, %v", n, err)
	}
	if err := q.TruncateAfter(3*8192 + 5); err != nil { // destroys the fifth
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	names, _ := mem.CrashCopy().ReadDir("q")
	want := []string{mappedfile.FileName(2 * 8192), mappedfile.FileName(3 * 8192)}
	if len(names) != 2 || names[0] != want[0] || names[1] != want[1] {
		t.Fatalf("after a power loss q holds %v, want %v", names, want)
	}
}
