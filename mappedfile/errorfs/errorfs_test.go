package errorfs

import (
	"bytes"
	"errors"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/rocketstore/rocketstore/mappedfile"
)

func TestOnIndexFailsExactlyThatOperation(t *testing.T) {
	c := OnIndex(2, OpCreate, OpRemove)
	fs := Wrap(mappedfile.NewMemFS(), c)
	var errs []error
	for _, name := range []string{"a", "b", "c", "d"} {
		if err := fs.SyncDir("."); err != nil { // not counted
			t.Fatal(err)
		}
		_, err := fs.Create(name, 4096)
		errs = append(errs, err)
	}
	for i, err := range errs {
		if (i == 2) != (err != nil) {
			t.Fatalf("create %d: %v; want only the third to fail", i, err)
		}
	}
	if !errors.Is(errs[2], ErrInjected) || !errors.Is(errs[2], syscall.EIO) {
		t.Fatalf("injected error %v matches neither ErrInjected nor EIO", errs[2])
	}
	if c.Count() != 4 || c.Fired() == nil || c.Fired().Op != OpCreate || c.Fired().Path != "c" {
		t.Fatalf("count %d, fired %+v", c.Count(), c.Fired())
	}
	if names, _ := fs.ReadDir("."); len(names) != 3 {
		t.Fatalf("a failed create left a file: %v", names)
	}
}

func TestRandomlyReplaysWithItsSeed(t *testing.T) {
	run := func(seed uint64) []bool {
		inj := Randomly(0.3, seed, OpStat)
		var failed []bool
		for range 200 {
			failed = append(failed, inj.MaybeError(OpStat, "f") != nil)
			if inj.MaybeError(OpOpen, "f") != nil {
				t.Fatal("an operation outside the set failed")
			}
		}
		return failed
	}
	a, b, other := run(7), run(7), run(8)
	n := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("the same seed failed different operations")
		}
		if a[i] {
			n++
		}
	}
	if n < 30 || n > 90 {
		t.Fatalf("%d of 200 failed at p=0.3", n)
	}
	if bytes.Equal(boolBytes(a), boolBytes(other)) {
		t.Fatal("another seed failed the same operations")
	}
}

func boolBytes(b []bool) []byte {
	out := make([]byte, len(b))
	for i, v := range b {
		if v {
			out[i] = 1
		}
	}
	return out
}

// TestAFailedSyncLosesItsRange: the bytes a failed flush covered never
// become durable, even when a later flush of the same range succeeds, as on
// Linux after a failed writeback.
func TestAFailedSyncLosesItsRange(t *testing.T) {
	mem := mappedfile.NewMemFS()
	sw := Toggle(Always(OpSync))
	fs := Wrap(mem, sw)
	m, err := fs.Create("f", 4*4096)
	if err != nil {
		t.Fatal(err)
	}
	copy(m.Bytes(), bytes.Repeat([]byte{1}, 3*4096))
	if err := m.Flush(0, 4096); err != nil {
		t.Fatal(err)
	}
	sw.Set(true)
	if err := m.Flush(4096, 4096); !errors.Is(err, ErrInjected) {
		t.Fatalf("flush with the fault on: %v", err)
	}
	sw.Set(false)
	if err := m.Flush(0, 3*4096); err != nil {
		t.Fatalf("retried flush: %v", err)
	}
	crashed, err := mem.Crash(mappedfile.CrashOptions{}).ReadFile("f")
	if err != nil {
		t.Fatal(err)
	}
	want := append(append(bytes.Repeat([]byte{1}, 4096), make([]byte, 4096)...), bytes.Repeat([]byte{1}, 4096)...)
	if !bytes.Equal(crashed[:3*4096], want) {
		t.Fatal("the retry made the lost page durable, or lost more than it")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestTheWrapperHidesNoCapability: a capability the backing has is still
// there through the wrapper (Populate works on Linux's OSFS, MemFS says it
// is unsupported), and a fault in it is injected.
func TestTheWrapperHidesNoCapability(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	inner, err := mappedfile.OSFS.Create(path+".inner", 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	want := inner.Populate(0, 4096)
	if err := inner.Close(); err != nil {
		t.Fatal(err)
	}
	sw := Toggle(Always(OpPopulate))
	m, err := Wrap(mappedfile.OSFS, sw).Create(path, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := m.Populate(0, 4096); !errors.Is(got, want) && got != want {
		t.Fatalf("Populate through the wrapper = %v, the backing says %v", got, want)
	}
	sw.Set(true)
	if err := m.Populate(0, 4096); !errors.Is(err, ErrInjected) {
		t.Fatalf("Populate with the fault on: %v", err)
	}
}

func TestWithout(t *testing.T) {
	got := without(span{0, 100}, []span{{10, 20}, {50, 60}, {90, 120}, {15, 30}})
	want := []span{{0, 10}, {30, 50}, {60, 90}}
	if len(got) != len(want) {
		t.Fatalf("without = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("without = %v, want %v", got, want)
		}
	}
}
