package store

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// The abort marker exists while a store is open: finding it at open means
// the last run did not close cleanly.

func abortMarkerPresent(fsys mappedfile.FS, path string) (bool, error) {
	_, _, err := fsys.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// createAbortMarker makes the marker durable before the store accepts
// writes (the file system's Create syncs the directory).
func createAbortMarker(fsys mappedfile.FS, path string) error {
	if present, err := abortMarkerPresent(fsys, path); err != nil || present {
		return err
	}
	m, err := fsys.Create(path, 1)
	if err != nil {
		return err
	}
	return m.Close()
}

// removeAbortMarker removes the marker and syncs its directory: a power
// loss right after a clean close must not bring it back, which would make
// the next start take the slower abnormal recovery (clearing the tails of
// files that were closed whole).
func removeAbortMarker(fsys mappedfile.FS, path string) error {
	if err := fsys.Remove(path); err != nil {
		return err
	}
	if err := fsys.SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("sync the directory of %s: %w", path, err)
	}
	return nil
}
