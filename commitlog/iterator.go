package commitlog

import (
	"fmt"

	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// iterWindow is how many bytes an iterator holds at a time. Records are read
// out of one held window, so iterating costs a file hold per window rather
// than per record; the bound keeps reads of not-yet-committed data (which a
// transient-pool file copies) small.
const iterWindow = 1 << 20

// Iterator walks the records of a log in order from an offset, decoding and
// checking each. Next returns false with Err() == nil at the write position;
// calling Next again later continues with records appended since, which
// makes an Iterator a tail follower for dispatch and replication. It stops
// with an error at a corrupt record or when the next record's file has been
// deleted. An Iterator is not safe for concurrent use; Close it before
// closing the log.
type Iterator struct {
	log      *Log
	next     int64
	checkCRC bool
	cur      Entry
	rec      message.Record
	err      error

	win     mappedfile.Slice // held bytes of winFile from winPos
	winFile *mappedfile.File
	winPos  int
}

// NewIterator returns an iterator positioned at from, which must be the
// start of a record (or the write position). checkCRC verifies each record
// as recovery does: its body CRC, topic and properties (Layout.DecodeRecord).
func (l *Log) NewIterator(from int64, checkCRC bool) *Iterator {
	return &Iterator{log: l, next: from, checkCRC: checkCRC}
}

// Next moves to the next record and reports whether there is one.
func (it *Iterator) Next() bool {
	for it.err == nil {
		if it.log.closed.Load() {
			it.fail(ErrClosed)
			return false
		}
		f := it.log.files.FindByOffset(it.next)
		if f == nil {
			if it.next < it.log.files.MinOffset() {
				it.fail(fmt.Errorf("%w: %d was deleted", ErrOffsetOutOfRange, it.next))
			}
			return false
		}
		pos := int(it.next - f.StartOffset())
		wrote := f.WrotePosition()
		if pos >= wrote {
			return false
		}
		layout := Layout{FileSize: int64(f.Size())}
		head, err := it.view(f, pos, min(message.MinBlankSize, f.Size()-pos), wrote)
		if err != nil {
			it.fail(it.corrupt(f, err))
			return false
		}
		u, known, err := layout.PeekUnit(head, it.next)
		switch {
		case err != nil:
		case !known:
			err = fmt.Errorf("a record header overruns the written data")
		case u.Kind == UnitEnd:
			err = fmt.Errorf("no record inside the written data")
		case u.Kind == UnitPadding:
			_, err = layout.CheckUnit(head, it.next, u, false)
		}
		if err != nil {
			it.fail(it.corrupt(f, err))
			return false
		}
		if u.Kind != UnitRecord { // the file's data ends here
			it.next = f.StartOffset() + int64(f.Size())
			continue
		}
		b, err := it.view(f, pos, u.Size, wrote)
		if err != nil {
			it.fail(it.corrupt(f, err))
			return false
		}
		rec, err := layout.DecodeRecord(b, it.next, u, it.checkCRC)
		if err != nil {
			it.fail(it.corrupt(f, err))
			return false
		}
		it.cur = Entry{Offset: it.next, Bytes: b}
		it.rec = rec
		it.next += int64(u.Size)
		return true
	}
	return false
}

// Entry is the current record's raw bytes, valid until the next call to
// Next or Close. Do not call Release on it.
func (it *Iterator) Entry() Entry { return it.cur }

// Record is the current record, decoded; Body and Properties alias the
// entry's bytes and share its lifetime.
func (it *Iterator) Record() *message.Record { return &it.rec }

// Offset is the physical offset of the next record to read: after a record,
// the offset just past it.
func (it *Iterator) Offset() int64 { return it.next }

// Err is the error that stopped the iterator, or nil.
func (it *Iterator) Err() error { return it.err }

// Close releases the iterator's hold on the log's files.
func (it *Iterator) Close() {
	it.dropWindow()
	it.cur = Entry{}
	it.rec = message.Record{}
}

// view returns the bytes [pos, pos+n) of f from the held window, taking a
// new window when the current one does not cover them.
func (it *Iterator) view(f *mappedfile.File, pos, n, wrote int) ([]byte, error) {
	if it.winFile == f && pos >= it.winPos && pos+n <= it.winPos+len(it.win.Bytes) {
		off := pos - it.winPos
		return it.win.Bytes[off : off+n], nil
	}
	it.dropWindow()
	length := min(max(n, iterWindow), wrote-pos)
	if length < n {
		return nil, fmt.Errorf("record of %d bytes overruns the written data (%d bytes left)", n, wrote-pos)
	}
	s, err := f.Slice(pos, length)
	if err != nil {
		return nil, err
	}
	it.win, it.winFile, it.winPos = s, f, pos
	return s.Bytes[:n], nil
}

func (it *Iterator) dropWindow() {
	if it.winFile != nil {
		it.win.Release()
		it.win, it.winFile = mappedfile.Slice{}, nil
	}
}

func (it *Iterator) fail(err error) {
	it.err = err
	it.Close()
}

func (it *Iterator) corrupt(f *mappedfile.File, reason error) error {
	return &CorruptionError{Path: f.Path(), Offset: it.next, Reason: reason}
}
