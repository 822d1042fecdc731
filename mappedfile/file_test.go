package mappedfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func appendBytes(t *testing.T, f *File, b []byte) {
	t.Helper()
	if n := copy(f.Writable(), b); n != len(b) {
		t.Fatalf("only %d of %d bytes fit", n, len(b))
	}
	f.Advance(len(b))
}

// fakePool lends fresh buffers and records returns.
type fakePool struct {
	size     int
	mu       sync.Mutex
	lent     int
	returned int
}

func (p *fakePool) Borrow() ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lent++
	return make([]byte, p.size), true
}

func (p *fakePool) Return([]byte) {
	p.mu.Lock()
	p.returned++
	p.mu.Unlock()
}

func TestPositionsWithoutWriteBuffer(t *testing.T) {
	f, err := Create(NewMemFS(), "f", 0, 8*pageBytes)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	appendBytes(t, f, bytes.Repeat([]byte{1}, 3*pageBytes))
	if f.WrotePosition() != 3*pageBytes || f.CommittedPosition() != 3*pageBytes || f.FlushedPosition() != 0 {
		t.Fatalf("positions %d/%d/%d", f.WrotePosition(), f.CommittedPosition(), f.FlushedPosition())
	}
	if pos, _ := f.Flush(4); pos != 0 {
		t.Fatalf("3 dirty pages flushed with a 4-page threshold: %d", pos)
	}
	appendBytes(t, f, bytes.Repeat([]byte{2}, pageBytes))
	if pos, err := f.Flush(4); err != nil || pos != 4*pageBytes {
		t.Fatalf("Flush(4) with 4 dirty pages = %d, %v", pos, err)
	}
	appendBytes(t, f, []byte{3})
	if pos, _ := f.Flush(0); pos != 4*pageBytes+1 {
		t.Fatalf("Flush(0) = %d", pos)
	}
	if f.Remaining() != 4*pageBytes-1 || f.IsFull() {
		t.Fatalf("remaining %d full %v", f.Remaining(), f.IsFull())
	}
}

func TestWriteBufferCommitAndReads(t *testing.T) {
	const size = 8 * pageBytes
	pool := &fakePool{size: size}
	buf, _ := pool.Borrow()
	f, err := Create(NewMemFS(), "f", 0, size)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.AttachBuffer(buf, pool)
	data := bytes.Repeat([]byte("0123456789"), 1000)
	appendBytes(t, f, data)
	if f.CommittedPosition() != 0 {
		t.Fatalf("committed moved without a commit: %d", f.CommittedPosition())
	}
	if !bytes.Equal(f.m.Bytes()[:len(data)], make([]byte, len(data))) {
		t.Fatal("bytes reached the mapping before the commit")
	}
	s, err := f.Slice(100, 500)
	if err != nil || !bytes.Equal(s.Bytes, data[100:600]) {
		t.Fatalf("read of uncommitted bytes: %v", err)
	}
	s.Release()
	if pos, _ := f.Commit(4); pos != 0 {
		t.Fatalf("2.4 pages committed with a 4-page threshold: %d", pos)
	}
	if pos, err := f.Commit(0); err != nil || pos != len(data) || !bytes.Equal(f.m.Bytes()[:len(data)], data) {
		t.Fatalf("Commit(0) = %d, %v", pos, err)
	}
	// A read across the committed boundary stitches mapping and buffer.
	appendBytes(t, f, []byte("tail"))
	s, err = f.Slice(len(data)-3, 7)
	if err != nil || string(s.Bytes) != "789tail" {
		t.Fatalf("read across the commit point = %q, %v", s.Bytes, err)
	}
	s.Release()
	appendBytes(t, f, make([]byte, f.Remaining()))
	if _, err := f.Commit(4); err != nil || pool.returned != 1 || f.buf != nil {
		t.Fatalf("a full committed file keeps its buffer: err %v, returned %d", err, pool.returned)
	}
}

func TestDestroyWaitsForReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName(0))
	f, err := Create(OSFS, path, 0, 16*pageBytes)
	if err != nil {
		t.Fatal(err)
	}
	appendBytes(t, f, []byte("still here"))
	s, err := f.Slice(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if gone, err := f.Destroy(-1); gone || err != nil {
		t.Fatalf("Destroy under a reader = %v, %v", gone, err)
	}
	if string(s.Bytes) != "still here" {
		t.Fatal("a held slice changed under Destroy")
	}
	if _, err := f.Slice(0, 1); !errors.Is(err, ErrFileClosed) {
		t.Fatalf("new read of a destroyed file: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("file removed while held: %v", err)
	}
	s.Release()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("file still there after the last release: %v", err)
	}
	if gone, _ := f.Destroy(-1); !gone {
		t.Fatal("Destroy after the release does not report the file gone")
	}
}

func TestForcedDestroyUnderAReaderReadsZeros(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName(0))
	f, err := Create(OSFS, path, 0, 16*pageBytes)
	if err != nil {
		t.Fatal(err)
	}
	appendBytes(t, f, []byte("doomed"))
	s, err := f.Slice(0, 6)
	if err != nil {
		t.Fatal(err)
	}
	if gone, err := f.Destroy(0); !gone || err != nil {
		t.Fatalf("forced Destroy = %v, %v", gone, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("forced Destroy left the file: %v", err)
	}
	if !bytes.Equal(s.Bytes, make([]byte, 6)) {
		t.Fatalf("evicted slice reads %q, want zeros", s.Bytes)
	}
	s.Release()
}

func TestZeroFromClearsTheTail(t *testing.T) {
	f, err := Create(NewMemFS(), "f", 0, 4*pageBytes)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	appendBytes(t, f, bytes.Repeat([]byte{9}, 2*pageBytes+10))
	if err := f.ZeroFrom(100); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.m.Bytes()[:100], bytes.Repeat([]byte{9}, 100)) || !bytes.Equal(f.m.Bytes()[100:], make([]byte, 4*pageBytes-100)) {
		t.Fatal("ZeroFrom did not clear exactly the tail")
	}
}

func TestConcurrentAppendReadFlush(t *testing.T) {
	f, err := Create(NewMemFS(), "f", 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if w := f.WrotePosition(); w >= 8 {
					s, err := f.Slice(w-8, 8)
					if err != nil {
						t.Error(err)
						return
					}
					if !bytes.Equal(s.Bytes, []byte("abcdefgh")) {
						t.Errorf("read %q at %d", s.Bytes, w-8)
					}
					s.Release()
				}
				if _, err := f.Flush(0); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for f.Remaining() >= 8 {
		copy(f.Writable(), "abcdefgh")
		f.Advance(8)
	}
	close(stop)
	wg.Wait()
}
