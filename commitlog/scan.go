package commitlog

import (
	"errors"
	"fmt"

	"github.com/rocketstore/rocketstore/message"
)

// step says what the bytes at a position of a file hold.
type step int

const (
	stepRecord   step = iota // a valid record
	stepNextFile             // a blank filler, or too few bytes for one: the file's data ends here
	stepEnd                  // zeros: nothing was written here
)

// errMisplaced marks a well-formed record whose PHYSICALOFFSET field is not
// its position: stale bytes from before a truncation, or a copy at the wrong
// place. Recovery must not keep it.
var errMisplaced = errors.New("record's physical offset field does not match its position")

// errBadBlank marks a blank filler that does not reach the end of its file.
var errBadBlank = errors.New("blank filler does not end at the end of the file")

// classify handles what is not a record: too few bytes left in the file,
// a blank filler, zeros. done is false when b should hold a record.
func classify(b []byte, fileRest int) (st step, done bool, err error) {
	if fileRest < message.MinBlankSize {
		return stepNextFile, true, nil
	}
	size, magic, err := message.PeekHeader(b)
	if err != nil {
		return stepEnd, true, err
	}
	switch {
	case magic == message.BlankMagicCode:
		if int(size) != fileRest {
			return stepEnd, true, fmt.Errorf("%w: size %d, %d bytes left", errBadBlank, size, fileRest)
		}
		return stepNextFile, true, nil
	case size == 0 && magic == 0:
		return stepEnd, true, nil
	}
	return stepRecord, false, nil
}

// inspect classifies the bytes b found at physical offset phys, where
// fileRest is the number of bytes from phys to the end of its file (b may be
// shorter when it stops at the write position). For stepRecord it returns
// the decoded record, whose Body and Properties alias b.
func inspect(b []byte, phys int64, fileRest int, checkCRC bool) (message.Record, step, error) {
	if st, done, err := classify(b, fileRest); done {
		return message.Record{}, st, err
	}
	rec, err := message.Decode(b, checkCRC)
	if err != nil {
		return message.Record{}, stepEnd, err
	}
	if rec.PhysicalOffset != phys {
		return message.Record{}, stepEnd, fmt.Errorf("%w: field says %d", errMisplaced, rec.PhysicalOffset)
	}
	return rec, stepRecord, nil
}

// frameAt is inspect without decoding or the CRC check: the framing of the
// record at phys, for a scan that checks CRCs separately.
func frameAt(b []byte, phys int64, fileRest int) (message.Frame, step, error) {
	if st, done, err := classify(b, fileRest); done {
		return message.Frame{}, st, err
	}
	fr, err := message.CheckFrame(b)
	if err != nil {
		return fr, stepEnd, err
	}
	if fr.PhysicalOffset != phys {
		return fr, stepEnd, fmt.Errorf("%w: field says %d", errMisplaced, fr.PhysicalOffset)
	}
	return fr, stepRecord, nil
}
