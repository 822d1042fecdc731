package store

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"

	"github.com/rocketstore/rocketstore/consumequeue"
	"github.com/rocketstore/rocketstore/index"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// dirReader reads a store directory without opening the store: no
// recovery runs, nothing is written, no file is created or removed. It is
// what Check, Inspect and Dump stand on. Files are mapped only while read.
type dirReader struct {
	fs   mappedfile.FS
	root string

	logFiles []*dirFile // commit-log files, by start offset
	logSize  int        // size of each commit-log file (that of the first)
}

// dirFile is one file of a run named by 20-digit start offsets.
type dirFile struct {
	path  string
	start int64
	size  int64
	m     mappedfile.Mapping // nil until mapped
}

// openDirReader lists the commit-log files under root.
func openDirReader(fsys mappedfile.FS, root string) (*dirReader, error) {
	if fsys == nil {
		fsys = mappedfile.OSFS
	}
	if _, _, err := fsys.Stat(root); err != nil && !holdsFiles(fsys, root) {
		return nil, fmt.Errorf("store: %w", err)
	}
	d := &dirReader{fs: fsys, root: root}
	files, err := listRun(fsys, filepath.Join(root, commitLogDir))
	if err != nil {
		return nil, err
	}
	d.logFiles = files
	if len(files) > 0 {
		d.logSize = int(files[0].size)
	}
	return d, nil
}

// holdsFiles reports whether root holds files or directories: on a file
// system whose directories exist only through their files (MemFS), Stat of
// a directory fails.
func holdsFiles(fsys mappedfile.FS, root string) bool {
	names, err := fsys.ReadDir(root)
	if err == nil && len(names) > 0 {
		return true
	}
	subs, err := fsys.Subdirs(root)
	return err == nil && len(subs) > 0
}

// listRun lists the files of dir named by 20-digit offsets, in order.
func listRun(fsys mappedfile.FS, dir string) ([]*dirFile, error) {
	names, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", dir, err)
	}
	var files []*dirFile
	for _, name := range names {
		start, ok := parseOffsetName(name)
		if !ok {
			continue
		}
		path := filepath.Join(dir, name)
		size, _, err := fsys.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		files = append(files, &dirFile{path: path, start: start, size: size})
	}
	return files, nil
}

func parseOffsetName(name string) (int64, bool) {
	if len(name) != 20 {
		return 0, false
	}
	v, err := strconv.ParseUint(name, 10, 63)
	return int64(v), err == nil
}

// bytes maps f when needed and returns its bytes.
func (f *dirFile) bytes(fsys mappedfile.FS) ([]byte, error) {
	if f.m == nil {
		m, err := fsys.Open(f.path)
		if err != nil {
			return nil, fmt.Errorf("store: open %s: %w", f.path, err)
		}
		f.m = m
	}
	return f.m.Bytes(), nil
}

// unmap lets go of f's mapping.
func (f *dirFile) unmap() error {
	if f.m == nil {
		return nil
	}
	err := f.m.Close()
	f.m = nil
	return err
}

// close unmaps every commit-log file.
func (d *dirReader) close() error {
	var errs []error
	for _, f := range d.logFiles {
		errs = append(errs, f.unmap())
	}
	return errors.Join(errs...)
}

// logFileAt returns the commit-log file holding phys, or nil.
func (d *dirReader) logFileAt(phys int64) *dirFile {
	if len(d.logFiles) == 0 || phys < d.logFiles[0].start || d.logSize == 0 {
		return nil
	}
	i := (phys - d.logFiles[0].start) / int64(d.logSize)
	if i >= int64(len(d.logFiles)) || d.logFiles[i].start != phys-(phys-d.logFiles[0].start)%int64(d.logSize) {
		return nil
	}
	return d.logFiles[i]
}

// recordAt decodes (without the body CRC, which the log scan checks) the
// record at phys, whose bytes alias the mapping.
func (d *dirReader) recordAt(phys int64) (message.Record, error) {
	f := d.logFileAt(phys)
	if f == nil {
		return message.Record{}, fmt.Errorf("no commit-log file holds offset %d", phys)
	}
	b, err := f.bytes(d.fs)
	if err != nil {
		return message.Record{}, err
	}
	pos := int(phys - f.start)
	if pos+message.MinBlankSize > len(b) {
		return message.Record{}, fmt.Errorf("offset %d is past the end of %s (%d bytes)", phys, f.path, len(b))
	}
	size, magic, err := message.PeekHeader(b[pos:])
	if err != nil {
		return message.Record{}, err
	}
	if magic != message.MagicCodeV1 && magic != message.MagicCodeV2 {
		return message.Record{}, fmt.Errorf("no record at %d (magic %#x)", phys, uint32(magic))
	}
	if size < message.MinBlankSize || int(size) > len(b)-pos {
		return message.Record{}, fmt.Errorf("record at %d has size %d", phys, size)
	}
	rec, err := message.Decode(b[pos:pos+int(size)], false)
	if err != nil {
		return rec, err
	}
	if rec.PhysicalOffset != phys {
		return rec, fmt.Errorf("record at %d says it is at %d", phys, rec.PhysicalOffset)
	}
	return rec, nil
}

// eachQueue calls fn with each consume queue under root and its files.
func (d *dirReader) eachQueue(fn func(k queueKey, files []*dirFile) error) error {
	root := filepath.Join(d.root, consumeQueueDir)
	keys, err := listQueues(d.fs, root)
	if err != nil {
		return err
	}
	for _, k := range keys {
		files, err := listRun(d.fs, consumequeue.Dir(root, k.topic, k.queueID))
		if err != nil {
			return err
		}
		if err := fn(k, files); err != nil {
			return err
		}
	}
	return nil
}

// indexFiles lists the index files, oldest first.
func (d *dirReader) indexFiles() ([]*dirFile, error) {
	dir := filepath.Join(d.root, indexDir)
	names, err := d.fs.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", dir, err)
	}
	var files []*dirFile
	for _, n := range names {
		if !index.IsFileName(n) {
			continue
		}
		path := filepath.Join(dir, n)
		size, _, err := d.fs.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		files = append(files, &dirFile{path: path, size: size})
	}
	return files, nil
}

// indexGeometry is the slot and entry counts of index files of size
// bytes: the given ones when set, else RocketMQ's one-to-four ratio of
// slots to entries (which the defaults follow) when it fits, else the
// defaults.
func indexGeometry(size int64, slots, entries int) (int, int) {
	if slots > 0 && entries > 0 {
		return slots, entries
	}
	if rest := size - index.HeaderSize; rest > 0 && rest%(index.SlotSize+4*index.EntrySize) == 0 {
		s := rest / (index.SlotSize + 4*index.EntrySize)
		return int(s), int(4 * s)
	}
	return index.DefaultSlotCount, index.DefaultMaxEntries
}

// checkpoint reads the checkpoint file: found is false when there is
// none, valid false when its CRC does not match.
func (d *dirReader) checkpoint() (cp Checkpoint, found, valid bool, err error) {
	path := filepath.Join(d.root, checkpointName)
	m, err := d.fs.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cp, false, false, nil
	}
	if err != nil {
		return cp, false, false, fmt.Errorf("store: %w", err)
	}
	if len(m.Bytes()) >= cpEnd {
		valid = cp.decode(m.Bytes())
	}
	return cp, true, valid, m.Close()
}

// abortMarker reports whether the abort marker is there: the store is
// open, or its last run did not close cleanly.
func (d *dirReader) abortMarker() (bool, error) {
	return abortMarkerPresent(d.fs, filepath.Join(d.root, abortName))
}

// isZero reports whether b holds only zeros.
func isZero(b []byte) bool {
	var zero [4096]byte
	for len(b) > 0 {
		n := min(len(b), len(zero))
		if !bytes.Equal(b[:n], zero[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}
