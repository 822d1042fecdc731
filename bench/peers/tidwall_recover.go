package peers

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"

	"github.com/tidwall/wal"
)

// openTidwallWAL opens the log in dir. wal.Open refuses a tail segment that
// ends inside an entry (wal.ErrCorrupt), which is what a crash in the middle
// of a write(2) leaves (even a SIGKILL can cut a write between pages), so
// an application of tidwall/wal has to cut that entry off itself: this does
// so, then opens again.
func openTidwallWAL(dir string, opts *wal.Options) (*wal.Log, error) {
	l, err := wal.Open(dir, opts)
	if !errors.Is(err, wal.ErrCorrupt) {
		return l, err
	}
	if cut, cerr := cutTornTidwallEntry(dir); cerr != nil || !cut {
		return nil, errors.Join(err, cerr) // not a torn entry: keep the log's verdict
	}
	return wal.Open(dir, opts)
}

// cutTornTidwallEntry truncates the last segment of the binary log in dir
// after its last whole entry, if it ends in a part of one, and says whether
// it did. An entry is a uvarint length and that many bytes; a write cut
// short leaves a prefix of one, so anything else is left alone.
func cutTornTidwallEntry(dir string) (bool, error) {
	path, err := lastTidwallSegment(dir)
	if err != nil || path == "" {
		return false, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	pos := 0
	for pos < len(data) {
		size, n := binary.Uvarint(data[pos:])
		if n < 0 {
			return false, nil // not a length: damage, not a torn write
		}
		if n == 0 || uint64(len(data)-pos-n) < size {
			break // the length or the data is cut short
		}
		pos += n + int(size)
	}
	if pos == len(data) {
		return false, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return false, err
	}
	err = f.Truncate(int64(pos))
	if err == nil {
		err = f.Sync()
	}
	return err == nil, errors.Join(err, f.Close())
}

// lastTidwallSegment is the path of the segment with the highest first
// index in dir (named by that index in 20 digits), or "" if there is none.
func lastTidwallSegment(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var last string
	var lastIndex uint64
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || len(name) != 20 {
			continue
		}
		if index, err := strconv.ParseUint(name, 10, 64); err == nil && index >= lastIndex {
			last, lastIndex = name, index
		}
	}
	if last == "" {
		return "", nil
	}
	return filepath.Join(dir, last), nil
}
