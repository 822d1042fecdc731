package ha

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// EpochFileName is the epoch file's name in a store's root directory, as
// RocketMQ's storePathEpochFile.
const EpochFileName = "epochFileCheckpoint"

// ErrEpochOrder means an epoch entry does not follow the last one: its
// epoch is not higher, or it starts before it.
var ErrEpochOrder = errors.New("ha: epoch entry out of order")

// EpochEntry says that the master of Epoch wrote the commit log from
// StartOffset on (until the next entry's start). Its JSON is RocketMQ's
// EpochEntry (GET_BROKER_EPOCH_CACHE), EndOffset filled in by Ends.
type EpochEntry struct {
	Epoch       int32 `json:"epoch"`
	StartOffset int64 `json:"startOffset"`
	EndOffset   int64 `json:"endOffset"`
}

// EpochFile is a broker's epoch history, RocketMQ's EpochFileCache: the
// (epoch, start offset) pairs of every master term its commit log holds
// data of, persisted in RocketMQ's epochFileCheckpoint format (entry count,
// CRC32 of the entry lines, then "epoch-startOffset" lines), written to a
// temporary file and renamed. Replicas compare histories by it to find the
// last offset their logs agree on (ConsistentPoint). Safe for concurrent
// use.
type EpochFile struct {
	path string

	mu      sync.Mutex
	entries []EpochEntry
}

// OpenEpochFile reads the epoch file at path; a missing file is an empty
// history. A file that fails its count or CRC is an error, not an empty
// history: a replica that forgot its epochs could keep divergent records.
func OpenEpochFile(path string) (*EpochFile, error) {
	f := &EpochFile{path: path}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ha: epoch file: %w", err)
	}
	if f.entries, err = decodeEpochFile(b); err != nil {
		return nil, fmt.Errorf("ha: epoch file %s: %w", path, err)
	}
	return f, nil
}

func decodeEpochFile(b []byte) ([]EpochEntry, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	var head []string
	for len(head) < 2 && sc.Scan() {
		head = append(head, strings.TrimSpace(sc.Text()))
	}
	if len(head) < 2 {
		return nil, errors.New("no header")
	}
	count, err1 := strconv.Atoi(head[0])
	crc, err2 := strconv.ParseInt(head[1], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	var body bytes.Buffer
	var entries []EpochEntry
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		body.WriteString(line + "\n")
		e, err := parseEpochLine(line)
		if err != nil {
			return nil, err
		}
		if n := len(entries); n > 0 && (e.Epoch <= entries[n-1].Epoch || e.StartOffset < entries[n-1].StartOffset) {
			return nil, fmt.Errorf("%w: %v after %v", ErrEpochOrder, e, entries[n-1])
		}
		entries = append(entries, e)
	}
	if len(entries) != count {
		return nil, fmt.Errorf("%d entries, the header says %d", len(entries), count)
	}
	if crc != 0 && crc != int64(crc32.ChecksumIEEE(body.Bytes())&0x7FFFFFFF) {
		return nil, errors.New("CRC mismatch")
	}
	return entries, nil
}

func parseEpochLine(line string) (EpochEntry, error) {
	epoch, start, ok := strings.Cut(line, "-")
	e, err1 := strconv.ParseInt(epoch, 10, 32)
	s, err2 := strconv.ParseInt(start, 10, 64)
	if !ok || err1 != nil || err2 != nil || e <= 0 || s < 0 {
		return EpochEntry{}, fmt.Errorf("bad entry %q", line)
	}
	return EpochEntry{Epoch: int32(e), StartOffset: s}, nil
}

func encodeEpochFile(entries []EpochEntry) []byte {
	var body bytes.Buffer
	for _, e := range entries {
		fmt.Fprintf(&body, "%d-%d\n", e.Epoch, e.StartOffset)
	}
	crc := crc32.ChecksumIEEE(body.Bytes()) & 0x7FFFFFFF
	return fmt.Appendf(nil, "%d\n%d\n%s", len(entries), crc, body.Bytes())
}

// Path is the file's path.
func (f *EpochFile) Path() string { return f.path }

// Entries returns a copy of the history, oldest first (EndOffset unset).
func (f *EpochFile) Entries() []EpochEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.entries)
}

// Last is the newest entry; ok is false for an empty history.
func (f *EpochFile) Last() (e EpochEntry, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.entries) == 0 {
		return EpochEntry{}, false
	}
	return f.entries[len(f.entries)-1], true
}

// LastEpoch is the newest entry's epoch, 0 for an empty history.
func (f *EpochFile) LastEpoch() int32 {
	e, _ := f.Last()
	return e.Epoch
}

// Append records that epoch's master writes from e.StartOffset on, and
// persists the history. The epoch must be above the last one and the start
// not below the last start; an entry starting where the last one starts
// replaces it (that term wrote nothing).
func (f *EpochFile) Append(e EpochEntry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e.EndOffset = 0
	next := slices.Clone(f.entries)
	if n := len(next); n > 0 {
		last := next[n-1]
		if e.Epoch <= last.Epoch || e.StartOffset < last.StartOffset {
			return fmt.Errorf("%w: %+v after %+v", ErrEpochOrder, e, last)
		}
		if e.StartOffset == last.StartOffset {
			next = next[:n-1]
		}
	}
	return f.store(append(next, e))
}

// TruncateSuffix drops the entries that start at or after offset: the
// commit log was cut back there.
func (f *EpochFile) TruncateSuffix(offset int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	keep := len(f.entries)
	for keep > 0 && f.entries[keep-1].StartOffset >= offset {
		keep--
	}
	if keep == len(f.entries) {
		return nil
	}
	return f.store(slices.Clone(f.entries[:keep]))
}

// TruncatePrefix drops the entries whose data lies wholly below offset
// (the commit log's files there were deleted), always keeping the last.
func (f *EpochFile) TruncatePrefix(offset int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	drop := 0
	for drop < len(f.entries)-1 && f.entries[drop+1].StartOffset <= offset {
		drop++
	}
	if drop == 0 {
		return nil
	}
	return f.store(slices.Clone(f.entries[drop:]))
}

// store writes entries to a temporary file, syncs it and renames it over
// the file, then takes them as the history. f.mu is held.
func (f *EpochFile) store(entries []EpochEntry) error {
	tmp := f.path + ".tmp"
	if err := writeSynced(tmp, encodeEpochFile(entries)); err != nil {
		return fmt.Errorf("ha: epoch file: %w", err)
	}
	if err := os.Rename(tmp, f.path); err != nil {
		return fmt.Errorf("ha: epoch file: %w", err)
	}
	if err := syncDir(filepath.Dir(f.path)); err != nil {
		return fmt.Errorf("ha: epoch file: %w", err)
	}
	f.entries = entries
	return nil
}

func writeSynced(path string, b []byte) error {
	w, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	if err == nil {
		err = w.Sync()
	}
	return errors.Join(err, w.Close())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, errors.ErrUnsupported) {
		err = nil // some systems cannot sync a directory
	}
	return errors.Join(err, d.Close())
}

// Ends fills in each entry's EndOffset: the next entry's start, and end for
// the last.
func Ends(entries []EpochEntry, end int64) []EpochEntry {
	out := slices.Clone(entries)
	for i := range out {
		if i+1 < len(out) {
			out[i].EndOffset = out[i+1].StartOffset
		} else {
			out[i].EndOffset = end
		}
	}
	return out
}

// ConsistentPoint is the last offset two logs agree on, RocketMQ's
// findConsistentPoint: for the newest epoch both histories hold with the
// same start, the lower of the two ends of that epoch (a log's last epoch
// ends at its end). Data before a history's first entry (all of it when
// there is none) counts as epoch 0 from offset 0: what a broker wrote
// before it ran in controller mode. It returns -1 when the histories share
// no epoch. Both lists are oldest first; ends are each log's max offset.
func ConsistentPoint(local []EpochEntry, localEnd int64, remote []EpochEntry, remoteEnd int64) int64 {
	l, r := Ends(withEpochZero(local), localEnd), Ends(withEpochZero(remote), remoteEnd)
	for i := len(l) - 1; i >= 0; i-- {
		j, found := slices.BinarySearchFunc(r, l[i].Epoch, func(e EpochEntry, epoch int32) int {
			return cmp.Compare(e.Epoch, epoch)
		})
		if found && r[j].StartOffset == l[i].StartOffset {
			return min(l[i].EndOffset, r[j].EndOffset)
		}
	}
	return -1
}

// withEpochZero puts the implicit epoch 0 in front of a history that does
// not start at offset 0.
func withEpochZero(entries []EpochEntry) []EpochEntry {
	if len(entries) > 0 && entries[0].StartOffset == 0 {
		return entries
	}
	return append([]EpochEntry{{Epoch: 0, StartOffset: 0}}, entries...)
}
