package ha

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/rocketstore/rocketstore/message"
)

// Reasons a slave rejects replicated bytes; a *StreamError wraps them.
var (
	errWrongOffset = errors.New("frame offset is not the slave's next offset")
	errFrameSize   = errors.New("frame body size out of range")
	errRecordSize  = errors.New("record size out of range")
	errMisplaced   = errors.New("record's PHYSICALOFFSET field is not its position")
	errBadBlank    = errors.New("blank filler does not end at the end of its file")
	errDirtyTail   = errors.New("bytes after a file's last record are not zero")
)

// unitChecker checks the units a commit log is made of, record by record:
// a message record, a blank filler that ends its file, or the few zero
// bytes (fewer than a filler header) a file may end with. A unit never
// spans two files.
type unitChecker struct {
	fileSize  int64
	maxRecord int // largest record or filler accepted
}

// fileRest is how many bytes of its file follow phys, phys included.
func (u *unitChecker) fileRest(phys int64) int {
	return int(u.fileSize - phys%u.fileSize)
}

// size returns the length of the unit at phys whose first bytes are b,
// known once b holds its header; known is false while b is too short to
// tell. A header that cannot start a valid unit there is an error at once,
// so that garbage is rejected before its claimed size is buffered.
func (u *unitChecker) size(b []byte, phys int64) (n int, known bool, err error) {
	rest := u.fileRest(phys)
	if rest < message.MinBlankSize {
		return rest, true, nil
	}
	if len(b) < message.MinBlankSize {
		return 0, false, nil
	}
	size, magic, _ := message.PeekHeader(b)
	switch magic {
	case message.BlankMagicCode:
		if int(size) != rest {
			return 0, true, badStream(phys, "%w: size %d, %d bytes left", errBadBlank, size, rest)
		}
		if int(size) > u.maxRecord+message.MinBlankSize {
			return 0, true, badStream(phys, "%w: filler of %d bytes, max %d", errRecordSize, size, u.maxRecord+message.MinBlankSize)
		}
	case message.MagicCodeV1, message.MagicCodeV2:
		// A writer keeps room for a filler header after every record,
		// so a record never ends within MinBlankSize of its file's end.
		if size < message.MinBlankSize || int(size) > min(u.maxRecord, rest-message.MinBlankSize) {
			return 0, true, badStream(phys, "%w: %d bytes, %d left in the file, max %d", errRecordSize, size, rest, u.maxRecord)
		}
	default:
		return 0, true, badStream(phys, "%w: %#x", message.ErrBadMagic, uint32(magic))
	}
	return int(size), true, nil
}

// check verifies the whole unit b at phys, whose length size returned.
func (u *unitChecker) check(b []byte, phys int64) error {
	if rest := u.fileRest(phys); rest < message.MinBlankSize {
		if !allZero(b) {
			return badStream(phys, "%w", errDirtyTail)
		}
		return nil
	}
	if _, magic, _ := message.PeekHeader(b); magic == message.BlankMagicCode {
		return nil // its header is all a filler holds; size checked it
	}
	fr, err := message.CheckFrame(b)
	switch {
	case err != nil:
		return &StreamError{Offset: phys, Reason: err}
	case int(fr.Size) != len(b):
		return badStream(phys, "%w: framed %d bytes of %d", errRecordSize, fr.Size, len(b))
	case fr.PhysicalOffset != phys:
		return badStream(phys, "%w: field says %d", errMisplaced, fr.PhysicalOffset)
	case message.BodyCRC(fr.Body) != fr.BodyCRC:
		return &StreamError{Offset: phys, Reason: fmt.Errorf("%w: stored %#x", message.ErrCRCMismatch, fr.BodyCRC)}
	}
	return nil
}

var zeros [message.MinBlankSize]byte

func allZero(b []byte) bool { return bytes.Equal(b, zeros[:len(b)]) }
