package commitlog

import (
	"errors"
	"fmt"
)

// ErrNotBoundary means a truncation point is not where a unit (record or
// filler) starts.
var ErrNotBoundary = errors.New("commitlog: offset is not a record boundary")

// TruncateTo cuts the log back to offset: files after it are deleted and the
// rest of offset's file is zeroed and synced, so that the next append goes
// to offset. A replica whose history diverged from its new master's (a
// demoted master) calls it before it follows again. offset must be between
// MinOffset and MaxOffset and be where a unit starts (a record, a file's
// filler, or a file's start); the bytes below it are not touched. Readers
// must not hold data at or after offset. Cutting nothing (offset equal to
// MaxOffset) is not an error.
func (l *Log) TruncateTo(offset int64) error {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if l.closed.Load() {
		return ErrClosed
	}
	if err := l.Err(); err != nil {
		return fmt.Errorf("commitlog: truncate refused: %w", err)
	}
	end, begin := l.files.MaxOffset(), l.files.MinOffset()
	switch {
	case offset == end:
		return nil
	case offset > end || offset < begin:
		return fmt.Errorf("%w: truncate to %d, the log holds [%d, %d)", ErrOffsetOutOfRange, offset, begin, end)
	}
	if err := l.checkBoundary(offset); err != nil {
		return err
	}
	// Bytes of a transient pool's buffer must be in the file before the
	// file's tail is cleared, or a later commit would copy them back.
	if err := l.files.Commit(0); err != nil {
		return fmt.Errorf("commitlog: truncate to %d: %w", offset, err)
	}
	if err := l.files.TruncateAfter(offset); err != nil {
		return fmt.Errorf("commitlog: truncate to %d: %w", offset, err)
	}
	return nil
}

// checkBoundary walks the units of offset's file from its start and
// reports whether one starts at offset. Units never span files, so a
// file's start is always a boundary.
func (l *Log) checkBoundary(offset int64) error {
	f := l.files.FindByOffset(offset)
	if f == nil {
		return fmt.Errorf("%w: no file holds %d", ErrOffsetOutOfRange, offset)
	}
	target := int(offset - f.StartOffset())
	if target == 0 {
		return nil
	}
	s, err := f.Slice(0, f.WrotePosition())
	if err != nil {
		return fmt.Errorf("commitlog: truncate: read %s: %w", f.Path(), err)
	}
	defer s.Release()
	layout := Layout{FileSize: int64(f.Size())}
	pos := 0
	for pos < target {
		u, known, err := layout.PeekUnit(s.Bytes[pos:], f.StartOffset()+int64(pos))
		if err != nil || !known || u.Kind == UnitEnd {
			return &CorruptionError{Path: f.Path(), Offset: f.StartOffset() + int64(pos),
				Reason: fmt.Errorf("looking for a truncation point at %d: %w", offset, errors.Join(err, ErrNotBoundary))}
		}
		pos += u.Size
	}
	if pos != target {
		return fmt.Errorf("%w: %d is inside the unit that ends at %d", ErrNotBoundary, offset, f.StartOffset()+int64(pos))
	}
	return nil
}
