package store

import (
	"errors"
	"io/fs"

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
