package mappedfile

import (
	"encoding/binary"
	"sync"
	"testing"
	"time"
)

// TestPowerLossIsOneCutAcrossFiles: a writer makes a counter durable in
// file "a" and then in file "c", so on any disk "c" never holds more than
// "a". Power losses taken while it runs must agree, however long copying
// the big file between the two takes: a copy that let flushes in between
// its files could show "c" ahead of "a", a state no disk ever held.
func TestPowerLossIsOneCutAcrossFiles(t *testing.T) {
	m := NewMemFS()
	open := func(name string, size int) Mapping {
		t.Helper()
		mm, err := m.Create(name, size)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { mm.Close() })
		return mm
	}
	a, c := open("a", pageBytes), open("c", pageBytes)
	open("b", 4<<20) // copied between "a" and "c": it widens the window
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stop)
	wg.Go(func() {
		var buf [8]byte
		for i := uint64(1); ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			binary.BigEndian.PutUint64(buf[:], i)
			for _, f := range []Mapping{a, c} {
				if err := f.WriteAt(buf[:], 0); err != nil {
					t.Error(err)
					return
				}
				if err := f.Flush(0, len(buf)); err != nil {
					t.Error(err)
					return
				}
			}
		}
	})
	counter := func(fs *MemFS, name string) uint64 {
		b, err := fs.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return binary.BigEndian.Uint64(b)
	}
	deadline := time.Now().Add(2 * time.Second)
	for n := 0; n < 50 && time.Now().Before(deadline); n++ {
		cut := m.CrashCopy()
		if ca, cc := counter(cut, "a"), counter(cut, "c"); cc > ca {
			t.Fatalf("power loss %d: c holds %d, a only %d: the copy is no single cut", n, cc, ca)
		}
	}
}
