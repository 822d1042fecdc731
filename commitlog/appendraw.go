package commitlog

import (
	"errors"
	"fmt"
)

// ErrNotContiguous reports replicated bytes that do not continue the log.
var ErrNotContiguous = errors.New("commitlog: data does not continue the log")

// AppendRaw appends bytes copied from another log (a replication master's)
// at offset, which must be this log's end (or, for a log holding nothing,
// any file boundary): the same records at the same physical offsets. data must hold whole records, and a blank filler where
// the master's file ended (a filler may come in pieces over several calls:
// it is all header, and readers skip to the next file once they meet it);
// it may run into the next file. The caller
// checks the records (a replication slave does); AppendRaw checks only
// that they continue the log. Durability follows the flush mode's flusher,
// not a group commit.
func (l *Log) AppendRaw(offset int64, data []byte) error {
	var rolls []RollInfo
	defer func() {
		for _, r := range rolls {
			l.report.roll(r)
		}
	}()
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if l.closed.Load() {
		return ErrClosed
	}
	if err := l.Err(); err != nil {
		return fmt.Errorf("commitlog: append refused: %w", err)
	}
	if end := l.files.MaxOffset(); offset != end {
		// An empty log may join a master's log that starts later (its
		// first files deleted): at a file boundary, the log starts there.
		if end != 0 || offset%int64(l.opts.FileSize) != 0 {
			return fmt.Errorf("%w: data at %d, the log ends at %d", ErrNotContiguous, offset, end)
		}
		if err := l.files.StartAt(offset); err != nil {
			return fmt.Errorf("%w: %w", ErrNotContiguous, err)
		}
	}
	for len(data) > 0 {
		f, err := l.files.Writable(offset)
		if err != nil {
			return fmt.Errorf("commitlog: %w", err)
		}
		if at := f.StartOffset() + int64(f.WrotePosition()); at != offset {
			return fmt.Errorf("%w: the writable file is at %d, the data at %d", ErrNotContiguous, at, offset)
		}
		if f.WrotePosition() == 0 && offset != l.files.MinOffset() {
			rolls = append(rolls, RollInfo{Path: f.Path(), StartOffset: f.StartOffset()})
		}
		n := min(len(data), f.Remaining())
		copy(f.Writable(), data[:n])
		f.Advance(n)
		data = data[n:]
		offset += int64(n)
	}
	return nil
}
