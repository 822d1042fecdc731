package peers

import (
	"errors"
	"os"
	"path/filepath"
	"sync"

	"github.com/hashicorp/raft-wal/fs"
	"github.com/hashicorp/raft-wal/types"
)

// noSyncFS is raft-wal's own file system layer (fs.FS) with a Sync that does
// nothing on the segment files it hands out for writing: raft-wal fsyncs at
// the end of every StoreLogs and has no setting to skip it, and this is how
// the async mode's Append returns after the write alone. It remembers the
// files it handed out, so that Close can fsync them (syncWritten).
type noSyncFS struct {
	*fs.FS
	mu      sync.Mutex
	written map[string]bool // paths of the files opened for writing
}

func newNoSyncFS() *noSyncFS {
	return &noSyncFS{FS: fs.New(), written: make(map[string]bool)}
}

// Create creates a segment file as fs.FS does (preallocated).
func (n *noSyncFS) Create(dir, name string, size uint64) (types.WritableFile, error) {
	f, err := n.FS.Create(dir, name, size)
	if err != nil {
		return nil, err
	}
	n.remember(dir, name)
	return noSyncFile{f}, nil
}

// OpenWriter opens the tail segment that a reopen recovers.
func (n *noSyncFS) OpenWriter(dir, name string) (types.WritableFile, error) {
	f, err := n.FS.OpenWriter(dir, name)
	if err != nil {
		return nil, err
	}
	n.remember(dir, name)
	return noSyncFile{f}, nil
}

func (n *noSyncFS) remember(dir, name string) {
	n.mu.Lock()
	n.written[filepath.Join(dir, name)] = true
	n.mu.Unlock()
}

// syncWritten fsyncs every file handed out for writing that still exists,
// then the directories holding them (segment files are new files).
func (n *noSyncFS) syncWritten() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	var errs []error
	dirs := make(map[string]bool)
	for path := range n.written {
		err := syncPath(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted by a truncation
		}
		errs = append(errs, err)
		dirs[filepath.Dir(path)] = true
	}
	for dir := range dirs {
		errs = append(errs, syncPath(dir))
	}
	return errors.Join(errs...)
}

// syncPath opens the file or directory at path and fsyncs it.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// noSyncFile is a segment file whose Sync does nothing.
type noSyncFile struct{ types.WritableFile }

func (noSyncFile) Sync() error { return nil }
