package commitlog

import (
	"errors"
	"fmt"

	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// Entry is one record read from the log. Bytes holds the raw record exactly
// as stored; it is valid only until Release, which must be called once.
type Entry struct {
	Offset int64  // physical offset of the record
	Bytes  []byte // the encoded record
	slice  mappedfile.Slice
}

// Release lets the file holding the entry be unmapped.
func (e Entry) Release() { e.slice.Release() }

// Decode parses the entry; the record's Body and Properties alias e.Bytes.
func (e Entry) Decode(checkCRC bool) (message.Record, error) {
	return message.Decode(e.Bytes, checkCRC)
}

// Read returns the record that starts at offset, with its place checked
// (the unit at offset must be a record of a size the layout allows, whole
// within the written data, whose PHYSICALOFFSET field is offset); call
// Entry.Decode for the rest of the framing and, with checkCRC, the body CRC.
// An offset where no record starts gives ErrNotRecord; a damaged record a
// *CorruptionError.
func (l *Log) Read(offset int64) (Entry, error) {
	f, pos, err := l.locate(offset)
	if err != nil {
		return Entry{}, err
	}
	layout := Layout{FileSize: int64(f.Size())}
	head, err := f.Slice(pos, min(message.MinBlankSize, f.WrotePosition()-pos))
	if err != nil {
		return Entry{}, l.readError(offset, err)
	}
	u, known, err := layout.PeekUnit(head.Bytes, offset)
	head.Release()
	switch {
	case errors.Is(err, message.ErrBadMagic):
		return Entry{}, fmt.Errorf("%w: %d: %w", ErrNotRecord, offset, err)
	case err != nil:
		return Entry{}, &CorruptionError{Path: f.Path(), Offset: offset, Reason: err}
	case !known || u.Kind != UnitRecord:
		return Entry{}, fmt.Errorf("%w: %d holds a %v", ErrNotRecord, offset, u.Kind)
	case u.Size > f.WrotePosition()-pos:
		return Entry{}, &CorruptionError{Path: f.Path(), Offset: offset, Reason: fmt.Errorf("record size %d overruns the written data", u.Size)}
	}
	s, err := f.Slice(pos, u.Size)
	if err != nil {
		return Entry{}, l.readError(offset, err)
	}
	if err := layout.CheckPlaced(s.Bytes, offset, u); err != nil {
		s.Release()
		return Entry{}, &CorruptionError{Path: f.Path(), Offset: offset, Reason: err}
	}
	return Entry{Offset: offset, Bytes: s.Bytes, slice: s}, nil
}

// ReadRange returns the raw bytes from offset up to maxBytes, stopping at the
// end of the written data of the file holding offset (a range never spans
// two files; call again from the returned range's end). The slice must be
// released once.
func (l *Log) ReadRange(offset int64, maxBytes int) (mappedfile.Slice, error) {
	f, pos, err := l.locate(offset)
	if err != nil {
		return mappedfile.Slice{}, err
	}
	n := min(maxBytes, f.WrotePosition()-pos)
	if n <= 0 {
		return mappedfile.Slice{}, fmt.Errorf("%w: %d", ErrOffsetOutOfRange, offset)
	}
	s, err := f.Slice(pos, n)
	if err != nil {
		return mappedfile.Slice{}, l.readError(offset, err)
	}
	return s, nil
}

// locate finds the file and in-file position of a readable offset.
func (l *Log) locate(offset int64) (*mappedfile.File, int, error) {
	if l.closed.Load() {
		return nil, 0, ErrClosed
	}
	f := l.files.FindByOffset(offset)
	if f == nil || offset >= l.files.MaxOffset() {
		return nil, 0, fmt.Errorf("%w: %d not in [%d, %d)", ErrOffsetOutOfRange, offset, l.files.MinOffset(), l.files.MaxOffset())
	}
	pos := int(offset - f.StartOffset())
	if pos >= f.WrotePosition() {
		return nil, 0, fmt.Errorf("%w: %d is past the written data of %s", ErrOffsetOutOfRange, offset, f.Path())
	}
	return f, pos, nil
}

// readError turns a failed hold (the file was deleted meanwhile) into an
// out-of-range error, which is what the caller sees in effect.
func (l *Log) readError(offset int64, err error) error {
	if l.closed.Load() {
		return ErrClosed
	}
	return fmt.Errorf("%w: %d: %w", ErrOffsetOutOfRange, offset, err)
}
