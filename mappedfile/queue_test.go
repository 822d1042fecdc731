package mappedfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// fill appends n bytes of v through the queue, rolling as needed.
func fill(t *testing.T, q *Queue, n int, v byte) {
	t.Helper()
	for n > 0 {
		f, err := q.Writable(0)
		if err != nil {
			t.Fatal(err)
		}
		k := min(n, f.Remaining())
		copy(f.Writable(), bytes.Repeat([]byte{v}, k))
		f.Advance(k)
		n -= k
	}
}

func TestQueueRollsAndPreallocates(t *testing.T) {
	dir := t.TempDir()
	const size = 64 << 10
	q, err := OpenQueue(dir, QueueOptions{FileSize: size, Preallocate: true})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, q, 2*size+100, 7)
	if len(q.Files()) != 3 || q.MaxOffset() != 2*size+100 {
		t.Fatalf("%d files, max %d", len(q.Files()), q.MaxOffset())
	}
	// The file after the last is being made ahead of time.
	q.prealloc.mu.Lock()
	pending, at, ready := q.prealloc.pending, q.prealloc.start, q.prealloc.ready
	q.prealloc.mu.Unlock()
	if !pending || at != 3*size {
		t.Fatalf("no preallocation of the next file: pending %v at %d", pending, at)
	}
	<-ready
	if _, err := os.Stat(filepath.Join(dir, FileName(3*size))); err != nil {
		t.Fatalf("preallocated file missing: %v", err)
	}
	for off := int64(0); off < 2*size+100; off += 4099 {
		f := q.FindByOffset(off)
		if f == nil || f.StartOffset() != off-off%size {
			t.Fatalf("FindByOffset(%d) = %v", off, f)
		}
	}
	if err := q.Flush(0); err != nil || q.FlushedOffset() != 2*size+100 {
		t.Fatalf("Flush across files: %v, flushed %d", err, q.FlushedOffset())
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	names, _ := OSFS.ReadDir(dir)
	if len(names) != 3 {
		t.Fatalf("Close left %v; the unused preallocated file must go", names)
	}
	q, err = OpenQueue(dir, QueueOptions{FileSize: size})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if len(q.Files()) != 3 || q.FlushedOffset() != 3*size {
		t.Fatalf("reloaded %d files, flushed %d", len(q.Files()), q.FlushedOffset())
	}
}

// TestARollDoesNotWaitForPopulation: a preallocated, prewarmed file is
// handed over once its first chunk is populated, and the rest is populated
// while it is written; populating never overwrites what was written, and
// Close stops a population under way.
func TestARollDoesNotWaitForPopulation(t *testing.T) {
	dir := t.TempDir()
	const size = 4 * prewarmChunk
	q, err := OpenQueue(dir, QueueOptions{FileSize: size, Preallocate: true, Prewarm: true})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, q, size, 1) // the first file, and the request for the second
	// Take the second file as early as it can be taken and write all of it
	// at once, with distinct bytes, while its population may still run.
	f, err := q.Writable(0)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, size)
	for i := range want {
		want[i] = byte(i*7 + 3)
	}
	copy(f.Writable(), want)
	f.Advance(size)
	// The third file: Close may catch its population midway.
	if _, err := q.Writable(0); err != nil {
		t.Fatal(err)
	}
	if err := q.Flush(0); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, FileName(size)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for got[i] == want[i] {
			i++
		}
		t.Fatalf("byte %d of the second file is %d, written %d: population overwrote data", i, got[i], want[i])
	}
}

func TestQueueDeleteFilesFromTheFront(t *testing.T) {
	q, err := OpenQueue("q", QueueOptions{FileSize: 4096, FS: NewMemFS()})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	fill(t, q, 5*4096+1, 1)
	held, err := q.Slice(2*4096, 10)
	if err != nil {
		t.Fatal(err)
	}
	n, err := q.DeleteFiles(func(*File) bool { return true }, 0, -1)
	if err != nil || n != 2 {
		t.Fatalf("DeleteFiles stopped at the held file after %d, %v; want 2", n, err)
	}
	held.Release()
	n, err = q.DeleteFiles(func(*File) bool { return true }, 2, -1)
	if err != nil || n != 2 || q.MinOffset() != 4*4096 {
		t.Fatalf("second round deleted %d (%v), min %d", n, err, q.MinOffset())
	}
	if q.FindByOffset(3*4096) != nil || q.FindByOffset(4*4096) == nil || q.FindByOffset(5*4096) == nil {
		t.Fatal("FindByOffset after deletion")
	}
	if n, _ := q.DeleteFiles(func(*File) bool { return true }, 0, -1); n != 1 || len(q.Files()) != 1 {
		t.Fatalf("deleted %d; the last file must stay", n)
	}
}

func TestOpenQueueRejectsBadDirectories(t *testing.T) {
	fs := NewMemFS()
	mk := func(start int64, size int) {
		if _, err := fs.Create(filepath.Join("q", FileName(start)), size); err != nil {
			t.Fatal(err)
		}
	}
	mk(0, 4096)
	mk(4096, 4096)
	if _, err := fs.Create("q/abort", 10); err != nil {
		t.Fatal(err)
	}
	q, err := OpenQueue("q", QueueOptions{FileSize: 4096, FS: fs})
	if err != nil || len(q.Files()) != 2 {
		t.Fatalf("junk name not ignored: %v", err)
	}
	q.Close()
	mk(3*4096, 4096)
	if _, err := OpenQueue("q", QueueOptions{FileSize: 4096, FS: fs}); !errors.Is(err, ErrGap) {
		t.Fatalf("gap: %v", err)
	}
	mk(2*4096, 1000)
	if _, err := OpenQueue("q", QueueOptions{FileSize: 4096, FS: fs}); !errors.Is(err, ErrFileSize) {
		t.Fatalf("wrong size: %v", err)
	}
}

func TestTruncateAfter(t *testing.T) {
	fs := NewMemFS()
	q, err := OpenQueue("q", QueueOptions{FileSize: 8192, FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	fill(t, q, 3*8192+50, 5)
	if err := q.TruncateAfter(8192 + 100); err != nil {
		t.Fatal(err)
	}
	if len(q.Files()) != 2 || q.MaxOffset() != 8192+100 || q.FlushedOffset() > 8192+100 {
		t.Fatalf("after truncation: %d files, max %d, flushed %d", len(q.Files()), q.MaxOffset(), q.FlushedOffset())
	}
	if names, _ := fs.ReadDir("q"); len(names) != 2 {
		t.Fatalf("files after truncation: %v", names)
	}
	tail := q.Last().m.Bytes()
	if !bytes.Equal(tail[100:], make([]byte, 8192-100)) || tail[99] != 5 {
		t.Fatal("truncation did not zero exactly the tail")
	}
	fill(t, q, 10, 6)
	if q.MaxOffset() != 8192+110 {
		t.Fatalf("append after truncation ends at %d", q.MaxOffset())
	}
}

func TestMemFSCrashCopyKeepsOnlyFlushedBytes(t *testing.T) {
	fs := NewMemFS()
	q, err := OpenQueue("q", QueueOptions{FileSize: 8192, FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, q, 1000, 1)
	if err := q.Flush(0); err != nil {
		t.Fatal(err)
	}
	fill(t, q, 9000, 2) // rolls into a second file, never flushed
	crashed := fs.CrashCopy()
	q.Close()

	m, err := crashed.Open(filepath.Join("q", FileName(0)))
	if err != nil {
		t.Fatal(err)
	}
	b := m.Bytes()
	if !bytes.Equal(b[:1000], bytes.Repeat([]byte{1}, 1000)) || !bytes.Equal(b[1000:], make([]byte, 8192-1000)) {
		t.Fatal("crash copy kept unflushed bytes or lost flushed ones")
	}
	m2, err := crashed.Open(filepath.Join("q", FileName(8192)))
	if err != nil || !bytes.Equal(m2.Bytes(), make([]byte, 8192)) {
		t.Fatalf("the unflushed second file must read as zeros: %v", err)
	}
}

func TestDiskFullLeavesTheQueueUsable(t *testing.T) {
	fs := NewMemFS()
	fs.SetCapacity(2 * 8192)
	q, err := OpenQueue("q", QueueOptions{FileSize: 8192, FS: fs, Preallocate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	fill(t, q, 2*8192, 3)
	_, err = q.Writable(0)
	if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Writable on a full disk: %v", err)
	}
	if s, err := q.Slice(8192, 10); err != nil {
		t.Fatalf("read on a full disk: %v", err)
	} else {
		s.Release()
	}
	fs.SetCapacity(4 * 8192)
	fill(t, q, 10, 4)
	if q.MaxOffset() != 2*8192+10 {
		t.Fatalf("after space came back the queue ends at %d", q.MaxOffset())
	}
}

func TestOpenQueueRemovesInterruptedCreations(t *testing.T) {
	dir := t.TempDir()
	q, err := OpenQueue(dir, QueueOptions{FileSize: 8192})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, q, 100, 1)
	q.Close()
	// What a kill between creating and allocating a file leaves behind.
	leftover := filepath.Join(dir, FileName(8192)+TempSuffix)
	if err := os.WriteFile(leftover, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	q, err = OpenQueue(dir, QueueOptions{FileSize: 8192})
	if err != nil {
		t.Fatalf("a leftover temporary file stopped the queue from opening: %v", err)
	}
	defer q.Close()
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Fatalf("leftover not removed: %v", err)
	}
	if len(q.Files()) != 1 {
		t.Fatalf("%d files loaded", len(q.Files()))
	}
}

// TestQueueDestroyRemovesEveryFile: Destroy closes the files and then
// removes them, including those Close already unmapped.
func TestQueueDestroyRemovesEveryFile(t *testing.T) {
	dir := t.TempDir()
	q, err := OpenQueue(dir, QueueOptions{FileSize: 8192, Preallocate: true})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, q, 3*8192+10, 1)
	if err := q.Destroy(); err != nil {
		t.Fatal(err)
	}
	if names, err := OSFS.ReadDir(dir); err != nil || len(names) != 0 {
		t.Fatalf("after Destroy the directory holds %v (%v)", names, err)
	}
}
