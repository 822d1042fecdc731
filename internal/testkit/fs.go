package testkit

import (
	"testing"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// ForEachFS runs fn as a subtest on each file system a storage package must
// work on: the in-memory MemFS (root "root") and the real one, OSFS, in a
// fresh temporary directory. Bugs that only mappings of real files show
// (unmapped memory, fallocate, sparse files) surface in the second.
func ForEachFS(t *testing.T, fn func(t *testing.T, fs mappedfile.FS, root string)) {
	t.Helper()
	t.Run("MemFS", func(t *testing.T) { fn(t, mappedfile.NewMemFS(), "root") })
	t.Run("OSFS", func(t *testing.T) { fn(t, mappedfile.OSFS, t.TempDir()) })
}
