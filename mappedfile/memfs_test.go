package mappedfile

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestPowerLossKeepsOnlySyncedNames: a name survives a simulated power loss
// only once its directory was synced (Create syncs it; Remove, Rename and
// WriteFile do not).
func TestPowerLossKeepsOnlySyncedNames(t *testing.T) {
	tests := []struct {
		name    string
		do      func(m *MemFS) error
		syncDir bool
		want    []string // names after the power loss
	}{
		{"created", func(m *MemFS) error { return create(m, "d/new") }, false, []string{"new", "old"}},
		{"written, no sync", func(m *MemFS) error { return m.WriteFile("d/new", []byte("x")) }, false, []string{"old"}},
		{"written, synced", func(m *MemFS) error { return m.WriteFile("d/new", []byte("x")) }, true, []string{"new", "old"}},
		{"removed, no sync", func(m *MemFS) error { return m.Remove("d/old") }, false, []string{"old"}},
		{"removed, synced", func(m *MemFS) error { return m.Remove("d/old") }, true, nil},
		{"renamed, no sync", func(m *MemFS) error { return m.Rename("d/old", "d/moved") }, false, []string{"old"}},
		{"renamed, synced", func(m *MemFS) error { return m.Rename("d/old", "d/moved") }, true, []string{"moved"}},
		{"atomic write", func(m *MemFS) error { return WriteFileAtomic(m, "d/new", []byte("x")) }, false, []string{"new", "old"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMemFS()
			if err := m.WriteFile("d/old", []byte("old data")); err != nil {
				t.Fatal(err)
			}
			if err := m.SyncDir("d"); err != nil {
				t.Fatal(err)
			}
			if err := tt.do(m); err != nil {
				t.Fatal(err)
			}
			if tt.syncDir {
				if err := m.SyncDir("d"); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := m.CrashCopy().ReadDir("d")
			if !slices.Equal(got, tt.want) {
				t.Fatalf("after the power loss d holds %v, want %v", got, tt.want)
			}
		})
	}
}

func create(m *MemFS, path string) error {
	mm, err := m.Create(path, 4096)
	if err != nil {
		return err
	}
	return mm.Close()
}

// TestAFileCreatedWithoutSyncDirVanishes is the case the brief names: a
// file whose directory was never synced is gone after a power loss, data
// and all, even though its data was synced.
func TestAFileCreatedWithoutSyncDirVanishes(t *testing.T) {
	m := NewMemFS()
	if err := m.WriteFile("dir/config.json", []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := m.CrashCopy().ReadFile("dir/config.json"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("unsynced name after a power loss: %v, want it gone", err)
	}
	if err := m.SyncDir("dir"); err != nil {
		t.Fatal(err)
	}
	if got, err := m.CrashCopy().ReadFile("dir/config.json"); err != nil || string(got) != `{"a":1}` {
		t.Fatalf("synced name after a power loss: %q, %v", got, err)
	}
}

// TestPartialPowerLossKeepsASeededSubsetOfPages: unflushed pages survive
// one by one, by the seed: flushed pages always, some unflushed ones, and
// every page holds either its durable or its live bytes.
func TestPartialPowerLossKeepsASeededSubsetOfPages(t *testing.T) {
	const pages = 64
	m := NewMemFS()
	mm, err := m.Create("f", pages*pageBytes)
	if err != nil {
		t.Fatal(err)
	}
	defer mm.Close()
	b := mm.Bytes()
	for i := range pages {
		b[i*pageBytes+7] = byte(i + 1)
	}
	if err := mm.Flush(0, 8*pageBytes); err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	crash := func(seed uint64) []byte {
		got, err := m.Crash(CrashOptions{KeepUnflushed: 0.5, Seed: seed}).ReadFile("f")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	got := crash(seed)
	kept := 0
	for i := range pages {
		page := got[i*pageBytes : (i+1)*pageBytes]
		switch v := page[7]; {
		case i < 8 && v != byte(i+1):
			t.Fatalf("flushed page %d lost", i)
		case v != 0 && v != byte(i+1):
			t.Fatalf("page %d holds %d, neither its durable nor its live byte", i, v)
		case i >= 8 && v != 0:
			kept++
		}
	}
	if kept == 0 || kept == pages-8 {
		t.Fatalf("%d of %d unflushed pages kept: not a subset", kept, pages-8)
	}
	if !bytes.Equal(crash(seed), got) {
		t.Fatal("the same seed kept other pages")
	}
	if all, _ := m.Crash(CrashOptions{KeepUnflushed: 1}).ReadFile("f"); !bytes.Equal(all, b) {
		t.Fatal("KeepUnflushed 1 did not keep every page")
	}
}

// TestAClosedMemFSMappingIsPoisoned: after the last mapping of a file
// closes, slices of it read the poison pattern, Bytes panics and other
// calls fail; the file itself keeps its bytes.
func TestAClosedMemFSMappingIsPoisoned(t *testing.T) {
	m := NewMemFS()
	a, err := m.Create(filepath.Join("d", "f"), pageBytes)
	if err != nil {
		t.Fatal(err)
	}
	copy(a.Bytes(), "hello")
	b, err := m.Open(filepath.Join("d", "f"))
	if err != nil {
		t.Fatal(err)
	}
	view := a.Bytes()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if string(view[:5]) != "hello" || string(b.Bytes()[:5]) != "hello" {
		t.Fatal("closing one of two mappings changed the memory the other shows")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(view[:4], poisonPattern[:]) {
		t.Fatalf("a slice kept past the last unmap reads %q, want the poison pattern", view[:4])
	}
	if err := a.Flush(0, 1); !errors.Is(err, fs.ErrClosed) {
		t.Fatalf("Flush after Close: %v", err)
	}
	if err := a.WriteAt([]byte{1}, 0); !errors.Is(err, fs.ErrClosed) {
		t.Fatalf("WriteAt after Close: %v", err)
	}
	if err := a.Close(); !errors.Is(err, fs.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("Bytes after Close did not panic")
			}
		}()
		a.Bytes()
	}()
	if got, err := m.ReadFile(filepath.Join("d", "f")); err != nil || string(got[:5]) != "hello" {
		t.Fatalf("the file lost its bytes with its mappings: %q, %v", got[:5], err)
	}
}
