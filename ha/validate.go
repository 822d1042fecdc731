package ha

import (
	"errors"
	"fmt"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
)

// Reasons a slave rejects replicated bytes; a *StreamError wraps them. What
// may sit at a commit-log offset is the commit log's to say
// (commitlog.Layout): the stream is held to exactly those rules.
var (
	errWrongOffset = errors.New("frame offset is not the slave's next offset")
	errFrameSize   = errors.New("frame body size out of range")
	errRecordSize  = commitlog.ErrRecordSize
	errMisplaced   = commitlog.ErrMisplaced
	errBadBlank    = commitlog.ErrBadBlank
	errDirtyTail   = commitlog.ErrDirtyPadding
)

// unitChecker checks the units a commit log is made of, record by record:
// a message record, a blank filler that ends its file, or the few zero
// bytes (fewer than a filler header) a file may end with. A unit never
// spans two files.
type unitChecker struct {
	fileSize  int64
	maxRecord int // largest record accepted
}

func (u *unitChecker) layout() commitlog.Layout {
	return commitlog.Layout{FileSize: u.fileSize, MaxRecordSize: u.maxRecord}
}

// peek is the unit at phys whose first bytes are b; known is false while b
// is too short to tell. A header that cannot start a valid unit there is an
// error at once, so that garbage is rejected before its claimed size is
// buffered.
func (u *unitChecker) peek(b []byte, phys int64) (unit commitlog.Unit, known bool, err error) {
	unit, known, err = u.layout().PeekUnit(b, phys)
	switch {
	case err != nil:
		return unit, true, &StreamError{Offset: phys, Reason: err}
	case known && unit.Kind == commitlog.UnitEnd:
		// Zeros where a header belongs: a master sends only written units.
		return unit, true, badStream(phys, "%w: a zero header", message.ErrBadMagic)
	}
	return unit, known, nil
}

// span returns the unit at phys once b holds its header (known), and how
// many of its bytes must be in hand to check it: all of a record or
// padding, only the header of a blank filler. A filler is all header, and
// may be as large as the rest of its file (a batch larger than the largest
// message leaves one so), so its rest is never buffered.
func (u *unitChecker) span(b []byte, phys int64) (unit commitlog.Unit, need int, known bool, err error) {
	unit, known, err = u.peek(b, phys)
	if err != nil || !known {
		return unit, 0, known, err
	}
	if unit.Kind == commitlog.UnitBlank {
		return unit, message.MinBlankSize, true, nil
	}
	return unit, unit.Size, true, nil
}

// check verifies the unit at phys from b, the bytes span said it needs: a
// whole record (body CRC included) or padding, or a filler's header.
func (u *unitChecker) check(b []byte, phys int64) error {
	unit, need, known, err := u.span(b, phys)
	switch {
	case err != nil:
		return err
	case !known || need != len(b):
		return badStream(phys, "%w: %d bytes for a %v that needs %d", errRecordSize, len(b), unit.Kind, need)
	}
	if _, err := u.layout().CheckUnit(b, phys, unit, true); err != nil {
		return &StreamError{Offset: phys, Reason: fmt.Errorf("%w", err)}
	}
	return nil
}
