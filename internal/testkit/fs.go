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

// CheckOnCleanup registers check to run when the test ends, after the
// cleanups registered later (which close what the test opened) have run:
// a store test verifies the directory it leaves behind. A test that
// damages its files on purpose does not call it.
func CheckOnCleanup(t testing.TB, what string, check func() error) {
	t.Helper()
	t.Cleanup(func() {
		if err := check(); err != nil {
			t.Errorf("%s is not consistent after the test: %v", what, err)
		}
	})
}
