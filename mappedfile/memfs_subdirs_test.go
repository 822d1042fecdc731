package mappedfile

import (
	"path/filepath"
	"slices"
	"testing"
)

func TestSubdirsListsDirectoriesOnBothBackings(t *testing.T) {
	for name, fs := range map[string]FS{"mem": NewMemFS(), "os": OSFS} {
		root := t.TempDir()
		for _, p := range []string{"a/0/f", "a/1/f", "b/x", "top"} {
			path := filepath.Join(root, p)
			if err := fs.MkdirAll(filepath.Dir(path)); err != nil {
				t.Fatal(err)
			}
			m, err := fs.Create(path, 4096)
			if err != nil {
				t.Fatal(err)
			}
			m.Close()
		}
		if got, _ := fs.Subdirs(root); !slices.Equal(got, []string{"a", "b"}) {
			t.Fatalf("%s: Subdirs(root) = %v", name, got)
		}
		if got, _ := fs.Subdirs(filepath.Join(root, "a")); !slices.Equal(got, []string{"0", "1"}) {
			t.Fatalf("%s: Subdirs(a) = %v", name, got)
		}
		if got, _ := fs.ReadDir(root); !slices.Equal(got, []string{"top"}) {
			t.Fatalf("%s: ReadDir(root) = %v", name, got)
		}
		if got, err := fs.Subdirs(filepath.Join(root, "missing")); err != nil || len(got) != 0 {
			t.Fatalf("%s: missing dir: %v %v", name, got, err)
		}
	}
}
