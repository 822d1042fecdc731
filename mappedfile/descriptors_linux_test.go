package mappedfile

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func openDescriptors(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestMappingsHoldNoDescriptor: on Linux a mapped file keeps no file
// descriptor (thousands of idle consume queues cost none), and the
// operations that need one still work.
func TestMappingsHoldNoDescriptor(t *testing.T) {
	dir := t.TempDir()
	before := openDescriptors(t)
	var maps []Mapping
	for i := range 200 {
		m, err := OSFS.CreateSparse(filepath.Join(dir, strconv.Itoa(i)), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		maps = append(maps, m)
	}
	if n := openDescriptors(t) - before; n > 10 {
		t.Fatalf("200 mappings hold %d descriptors", n)
	}
	m := maps[0]
	if err := m.WriteAt([]byte("pwrite"), 4096); err != nil || string(m.Bytes()[4096:4102]) != "pwrite" {
		t.Fatalf("WriteAt without a held descriptor: %v", err)
	}
	if err := m.ZeroRange(4096, 4096); err != nil || m.Bytes()[4096] != 0 {
		t.Fatalf("ZeroRange without a held descriptor: %v", err)
	}
	if _, err := m.MaybeData(0); err != nil {
		t.Fatalf("MaybeData without a held descriptor: %v", err)
	}
	for _, m := range maps {
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
