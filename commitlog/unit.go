package commitlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/rocketstore/rocketstore/message"
)

// This file is the one place that says what may sit at a commit-log
// offset. Recovery, the iterator, Read and a replication slave's check of
// the master's stream all ask it, so that they can never disagree.

// UnitKind is what sits at a commit-log offset.
type UnitKind uint8

const (
	// UnitEnd is a zero header: nothing was written from here on in this
	// file.
	UnitEnd UnitKind = iota
	// UnitRecord is a message record (magic v1 or v2).
	UnitRecord
	// UnitBlank is the blank filler that ends a file: its header says it
	// runs to the end of the file.
	UnitBlank
	// UnitPadding is the last bytes of a file when fewer remain than a
	// filler header needs; they must be zero.
	UnitPadding
)

func (k UnitKind) String() string {
	switch k {
	case UnitEnd:
		return "end"
	case UnitRecord:
		return "record"
	case UnitBlank:
		return "blank"
	case UnitPadding:
		return "padding"
	}
	return fmt.Sprintf("UnitKind(%d)", uint8(k))
}

// Unit is what PeekUnit found at an offset: its kind and how many bytes it
// spans (0 for UnitEnd).
type Unit struct {
	Kind UnitKind
	Size int
}

// Reasons a unit is rejected. Errors that stop at one wrap it (in a
// *CorruptionError, or a replication *StreamError); an unknown magic code
// wraps message.ErrBadMagic, and framing problems message's errors.
var (
	// ErrMisplaced marks a well-formed record whose PHYSICALOFFSET field
	// is not its position: stale bytes from before a truncation, or a copy
	// at the wrong place.
	ErrMisplaced = errors.New("commitlog: record's physical offset field does not match its position")
	// ErrBadBlank marks a blank filler that does not reach the end of its
	// file.
	ErrBadBlank = errors.New("commitlog: blank filler does not end at the end of its file")
	// ErrRecordSize marks a record or filler whose size the layout does not
	// allow: too small, too large, or leaving no room for a filler header
	// after it in its file.
	ErrRecordSize = errors.New("commitlog: record size out of range")
	// ErrDirtyPadding marks non-zero bytes in the padding at a file's end.
	ErrDirtyPadding = errors.New("commitlog: bytes after a file's last unit are not zero")
)

// Layout is what a log's geometry allows at its offsets.
type Layout struct {
	// FileSize is the size of each file in bytes.
	FileSize int64
	// MaxRecordSize bounds a record, so that a reader of a stream can
	// refuse one before buffering it. 0 bounds records only by their file;
	// recovery uses 0, as the bound may have been lowered since the data
	// was written. A blank filler is bounded by nothing but its file: a
	// batch larger than the largest message can leave one of nearly a
	// whole file, and a filler is all header (nobody buffers its rest).
	MaxRecordSize int
}

// fileRest is how many bytes of its file follow phys, phys included.
func (l Layout) fileRest(phys int64) int { return int(l.FileSize - phys%l.FileSize) }

// PeekUnit says what unit starts at physical offset phys from its first
// bytes, head. known is false when head is too short to tell (fewer than
// message.MinBlankSize bytes, where the file has room for a header). A header
// that cannot start a valid unit there is an error at once, so that garbage
// is refused before its claimed size is read.
//
// A writer keeps room for a filler header after every record, so a record
// never ends within MinBlankSize bytes of its file's end, and a file whose
// records end that close to its end is padded with zeros (UnitPadding).
func (l Layout) PeekUnit(head []byte, phys int64) (u Unit, known bool, err error) {
	rest := l.fileRest(phys)
	if rest < message.MinBlankSize {
		return Unit{Kind: UnitPadding, Size: rest}, true, nil
	}
	if len(head) < message.MinBlankSize {
		return Unit{}, false, nil
	}
	size, magic, _ := message.PeekHeader(head)
	switch magic {
	case message.BlankMagicCode:
		if int(size) != rest {
			return Unit{}, true, fmt.Errorf("%w: size %d, %d bytes left", ErrBadBlank, size, rest)
		}
		return Unit{Kind: UnitBlank, Size: int(size)}, true, nil
	case message.MagicCodeV1, message.MagicCodeV2:
		limit := rest - message.MinBlankSize
		if l.MaxRecordSize > 0 {
			limit = min(limit, l.MaxRecordSize)
		}
		if size < message.MinBlankSize || int(size) > limit {
			return Unit{}, true, fmt.Errorf("%w: %d bytes, %d left in the file, max %d", ErrRecordSize, size, rest, l.MaxRecordSize)
		}
		return Unit{Kind: UnitRecord, Size: int(size)}, true, nil
	case 0:
		if size == 0 {
			return Unit{Kind: UnitEnd}, true, nil
		}
	}
	return Unit{}, true, fmt.Errorf("%w: %#x", message.ErrBadMagic, uint32(magic))
}

// CheckUnit verifies the whole unit u, as PeekUnit found it at phys, whose
// bytes b begin with (b may run on): the framing and placement of a record,
// and with verify what framing cannot see (message.Frame.Verify: the body
// CRC, the topic's characters, the properties' syntax); the zeros of
// padding. A filler is all header, which PeekUnit checked: b need not hold
// the rest of it. For a record it returns the frame, which aliases b.
func (l Layout) CheckUnit(b []byte, phys int64, u Unit, verify bool) (message.Frame, error) {
	if u.Kind == UnitBlank || u.Kind == UnitEnd {
		return message.Frame{}, nil // a filler is all header; zeros are nothing
	}
	if len(b) < u.Size {
		return message.Frame{}, fmt.Errorf("%w: %d bytes of a %d-byte %v", message.ErrTruncated, len(b), u.Size, u.Kind)
	}
	if u.Kind == UnitPadding {
		if !bytes.Equal(b[:u.Size], make([]byte, u.Size)) {
			return message.Frame{}, ErrDirtyPadding
		}
		return message.Frame{}, nil
	}
	fr, err := message.CheckFrame(b[:u.Size])
	if err != nil {
		return fr, err
	}
	if err := placed(phys, fr.PhysicalOffset); err != nil {
		return fr, err
	}
	if verify {
		return fr, fr.Verify()
	}
	return fr, nil
}

// DecodeRecord is CheckUnit for a record unit that the caller wants
// decoded: the same checks (with verify, the body CRC, topic and
// properties), and the record, whose Body and Properties alias b.
func (l Layout) DecodeRecord(b []byte, phys int64, u Unit, verify bool) (message.Record, error) {
	if u.Kind != UnitRecord {
		return message.Record{}, fmt.Errorf("commitlog: a %v is not a record", u.Kind)
	}
	if len(b) < u.Size {
		return message.Record{}, fmt.Errorf("%w: %d bytes of a %d-byte record", message.ErrTruncated, len(b), u.Size)
	}
	rec, err := message.Decode(b[:u.Size], verify)
	if err != nil {
		return rec, err
	}
	if err := placed(phys, rec.PhysicalOffset); err != nil {
		return rec, err
	}
	if verify {
		return rec, rec.CheckUncovered()
	}
	return rec, nil
}

// CheckPlaced verifies, without parsing the rest, that the record unit u
// found at phys, whose bytes b begin with, holds phys in its PHYSICALOFFSET
// field: what a read by offset needs to know that it landed on the start of
// the record it was sent to, rather than inside one or on stale bytes. The
// whole framing is CheckUnit's and DecodeRecord's.
func (l Layout) CheckPlaced(b []byte, phys int64, u Unit) error {
	const end = message.OffsetPhysicalOffset + 8
	if u.Kind != UnitRecord || u.Size < end || len(b) < end {
		return fmt.Errorf("%w: a %d-byte %v cannot hold its physical offset", ErrRecordSize, u.Size, u.Kind)
	}
	return placed(phys, int64(binary.BigEndian.Uint64(b[message.OffsetPhysicalOffset:end])))
}

// placed checks that a record at phys says it is there.
func placed(phys, field int64) error {
	if field != phys {
		return fmt.Errorf("%w: field says %d, found at %d", ErrMisplaced, field, phys)
	}
	return nil
}
