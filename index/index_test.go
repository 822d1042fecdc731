package index

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
)

func openTest(t *testing.T, fs mappedfile.FS, root string, now func() time.Time) *Service {
	t.Helper()
	s, err := Open(filepath.Join(root, "index"), &Options{SlotCount: 64, MaxEntries: 200, FS: fs, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustQuery(t *testing.T, s *Service, topic, key string, max int, begin, end int64) []int64 {
	t.Helper()
	got, err := s.Query(topic, key, max, begin, end)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestPutAndQueryNewestFirst(t *testing.T) {
	testkit.ForEachFS(t, func(t *testing.T, fs mappedfile.FS, root string) {
		s := openTest(t, fs, root, nil)
		defer s.Close()
		base := int64(1_700_000_000_000)
		for i := int64(0); i < 100; i++ {
			key := fmt.Sprintf("k%d", i%10)
			if err := s.PutMessage("T", []string{key}, fmt.Sprintf("U%d", i), i*100, base+i*1000); err != nil {
				t.Fatal(err)
			}
		}
		got := mustQuery(t, s, "T", "k3", 32, 0, base+1e9)
		want := []int64{9300, 8300, 7300, 6300, 5300, 4300, 3300, 2300, 1300, 300}
		if !slices.Equal(got, want) {
			t.Fatalf("Query(k3) = %v, want %v", got, want)
		}
		if got := mustQuery(t, s, "T", "k3", 3, 0, base+1e9); !slices.Equal(got, want[:3]) {
			t.Fatalf("Query max 3 = %v", got)
		}
		// The time range keeps records stored in [begin, end].
		if got := mustQuery(t, s, "T", "k3", 32, base+23_000, base+63_000); !slices.Equal(got, []int64{6300, 5300, 4300, 3300, 2300}) {
			t.Fatalf("Query in a time range = %v", got)
		}
		if got := mustQuery(t, s, "T", "U42", 32, 0, base+1e9); !slices.Equal(got, []int64{4200}) {
			t.Fatalf("Query by unique key = %v", got)
		}
		if got := mustQuery(t, s, "Other", "k3", 32, 0, base+1e9); len(got) != 0 {
			t.Fatalf("another topic's key matched: %v", got)
		}
	})
}

func TestRollsWhenFullAndReopens(t *testing.T) {
	testkit.ForEachFS(t, func(t *testing.T, fs mappedfile.FS, root string) {
		clock := time.UnixMilli(1_700_000_000_000)
		var rolled []string
		s, err := Open(filepath.Join(root, "index"), &Options{SlotCount: 64, MaxEntries: 200, FS: fs,
			Now: func() time.Time { return clock }, OnRoll: func(path string, err error) {
				if err != nil {
					t.Errorf("roll to %s: %v", path, err)
				}
				rolled = append(rolled, filepath.Base(path))
			}})
		if err != nil {
			t.Fatal(err)
		}
		for i := int64(0); i < 500; i++ {
			if err := s.Put("T#key", i, 1_700_000_000_000+i); err != nil {
				t.Fatal(err)
			}
		}
		files := s.Files()
		if len(files) != 3 || len(rolled) != 2 || rolled[1] != filepath.Base(files[2].Path) {
			t.Fatalf("%d files and rolls %v for 500 entries of 199 per file", len(files), rolled)
		}
		if got := mustQuery(t, s, "T", "key", 1000, 0, 1<<62); len(got) != 500 || got[0] != 499 || got[499] != 0 {
			t.Fatalf("query across files: %d offsets, first %d", len(got), got[0])
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = openTest(t, fs, root, func() time.Time { return clock })
		defer s.Close()
		if got := mustQuery(t, s, "T", "key", 1000, 0, 1<<62); len(got) != 500 {
			t.Fatalf("after reopen: %d offsets", len(got))
		}
	})
}

func TestTruncateAfterAndDeleteExpired(t *testing.T) {
	testkit.ForEachFS(t, func(t *testing.T, fs mappedfile.FS, root string) {
		clock := time.UnixMilli(1_700_000_000_000)
		s := openTest(t, fs, root, func() time.Time { return clock })
		defer s.Close()
		for i := int64(0); i < 500; i++ {
			if err := s.Put("T#key", i*10, 1_700_000_000_000+i); err != nil {
				t.Fatal(err)
			}
		}
		third := s.Files()[2].Path
		from, err := s.TruncateAfter(4500)
		if err != nil || from != 199*2*10 || len(s.Files()) != 2 {
			t.Fatalf("TruncateAfter = %d, %v with %d files left; want re-indexing from %d", from, err, len(s.Files()), 199*2*10)
		}
		first := s.Files()[0].Path
		gone, err := s.DeleteExpired(1990)
		if err != nil || !slices.Equal(gone, []string{first}) || len(s.Files()) != 1 {
			t.Fatalf("DeleteExpired = %v, %v", gone, err)
		}
		goneForGood(t, fs, first, third)
		if got := mustQuery(t, s, "T", "key", 1000, 0, 1<<62); len(got) != 199 || got[0] != 3970 {
			t.Fatalf("after cleanup: %d offsets, newest %v", len(got), got[:1])
		}
	})
}

func TestCallsAfterCloseFail(t *testing.T) {
	testkit.ForEachFS(t, func(t *testing.T, fs mappedfile.FS, root string) {
		s := openTest(t, fs, root, nil)
		if err := s.Put("T#k", 1, 1); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Query("T", "k", 1, 0, 1<<62); !errors.Is(err, ErrClosed) {
			t.Fatalf("Query after Close: %v", err)
		}
		if err := s.Put("T#k", 2, 2); !errors.Is(err, ErrClosed) {
			t.Fatalf("Put after Close: %v", err)
		}
		if _, err := s.DeleteExpired(1 << 40); !errors.Is(err, ErrClosed) {
			t.Fatalf("DeleteExpired after Close: %v", err)
		}
		if _, err := s.TruncateAfter(0); !errors.Is(err, ErrClosed) {
			t.Fatalf("TruncateAfter after Close: %v", err)
		}
		if err := s.Flush(); !errors.Is(err, ErrClosed) {
			t.Fatalf("Flush after Close: %v", err)
		}
		if err := s.Close(); !errors.Is(err, ErrClosed) {
			t.Fatalf("second Close: %v", err)
		}
	})
}

func TestOpenRemovesInterruptedCreations(t *testing.T) {
	testkit.ForEachFS(t, func(t *testing.T, fs mappedfile.FS, root string) {
		dir := filepath.Join(root, "index")
		if err := fs.MkdirAll(dir); err != nil {
			t.Fatal(err)
		}
		leftover := filepath.Join(dir, "20240101000000000"+mappedfile.TempSuffix)
		m, err := fs.Create(leftover, 100)
		if err != nil {
			t.Fatal(err)
		}
		m.Close()
		s := openTest(t, fs, root, nil)
		defer s.Close()
		goneForGood(t, fs, leftover)
		if n := len(s.Files()); n != 0 {
			t.Fatalf("%d files loaded", n)
		}
	})
}

func TestOptionsValidate(t *testing.T) {
	if err := (Options{}).Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	err := Options{SlotCount: -1, MaxEntries: 1}.Validate()
	if !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("bad options: %v", err)
	}
	// Every problem is reported at once.
	for _, want := range []string{"SlotCount -1", "MaxEntries 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("%q does not report %q", err, want)
		}
	}
	if err := (Options{SlotCount: 100_000_000, MaxEntries: 100_000_000}).Validate(); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("a 2.4 GB file was accepted: %v", err)
	}
	if _, err := Open("x", &Options{MaxEntries: 1, FS: mappedfile.NewMemFS()}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("Open with bad options: %v", err)
	}
}

// goneForGood fails unless every path is removed, on MemFS even after a
// power loss (the removals' directory was synced).
func goneForGood(t *testing.T, fs mappedfile.FS, paths ...string) {
	t.Helper()
	after := map[string]mappedfile.FS{"": fs}
	if m, ok := fs.(*mappedfile.MemFS); ok {
		after[" after a power loss"] = m.CrashCopy()
	}
	for when, fs := range after {
		for _, p := range paths {
			if _, _, err := fs.Stat(p); !errors.Is(err, iofs.ErrNotExist) {
				t.Fatalf("%s is still on disk%s (%v)", p, when, err)
			}
		}
	}
}
