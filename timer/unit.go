package timer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// UnitSize is the size of one timer-log unit in bytes.
const UnitSize = 52

// Unit layout, big-endian (see the package documentation).
const (
	unitMagic      = 0  // 2 bytes "TW", version, flags
	unitPrev       = 4  // previous unit of the same slot, -1 for none
	unitWalkMs     = 12 // when the unit's slot is walked (its slot is walkMs / precision)
	unitDeliverMs  = 20 // when the message is due (TIMER_OUT_MS)
	unitPhysOffset = 28 // commit-log offset of the timer-topic record
	unitPhysSize   = 36 // its size
	unitQueue      = 40 // its offset in the timer topic's queue
	unitCRC        = 48 // CRC-32C of bytes [0, 48)
)

const (
	magicHi, magicLo = 'T', 'W'
	unitVersion      = 1
	// flagRoll marks a unit placed in the farthest slot for a message due
	// beyond the wheel: when walked, the message goes back to the timer
	// topic instead of its real topic.
	flagRoll = 1 << 0
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errBadUnit is wrapped by decode's errors: the bytes are not a whole unit
// (a torn or never-written tail, or damage).
var errBadUnit = errors.New("timer: bad timer-log unit")

// unit is one timer: where its message is and when it is due, linked to
// the previous unit of its slot.
type unit struct {
	flags       byte
	prev        int64
	walkMs      int64
	deliverMs   int64
	physOffset  int64
	physSize    int32
	queueOffset int64
}

func (u *unit) roll() bool { return u.flags&flagRoll != 0 }

func (u *unit) encode(b []byte) {
	be := binary.BigEndian
	b[unitMagic], b[unitMagic+1], b[unitMagic+2], b[unitMagic+3] = magicHi, magicLo, unitVersion, u.flags
	be.PutUint64(b[unitPrev:], uint64(u.prev))
	be.PutUint64(b[unitWalkMs:], uint64(u.walkMs))
	be.PutUint64(b[unitDeliverMs:], uint64(u.deliverMs))
	be.PutUint64(b[unitPhysOffset:], uint64(u.physOffset))
	be.PutUint32(b[unitPhysSize:], uint32(u.physSize))
	be.PutUint64(b[unitQueue:], uint64(u.queueOffset))
	be.PutUint32(b[unitCRC:], crc32.Checksum(b[:unitCRC], castagnoli))
}

func decodeUnit(b []byte) (unit, error) {
	be := binary.BigEndian
	if len(b) < UnitSize {
		return unit{}, fmt.Errorf("%w: %d bytes", errBadUnit, len(b))
	}
	if b[unitMagic] != magicHi || b[unitMagic+1] != magicLo || b[unitMagic+2] != unitVersion {
		return unit{}, fmt.Errorf("%w: magic %x", errBadUnit, b[:4])
	}
	if be.Uint32(b[unitCRC:]) != crc32.Checksum(b[:unitCRC], castagnoli) {
		return unit{}, fmt.Errorf("%w: CRC mismatch", errBadUnit)
	}
	u := unit{
		flags:       b[unitMagic+3],
		prev:        int64(be.Uint64(b[unitPrev:])),
		walkMs:      int64(be.Uint64(b[unitWalkMs:])),
		deliverMs:   int64(be.Uint64(b[unitDeliverMs:])),
		physOffset:  int64(be.Uint64(b[unitPhysOffset:])),
		physSize:    int32(be.Uint32(b[unitPhysSize:])),
		queueOffset: int64(be.Uint64(b[unitQueue:])),
	}
	if u.prev < -1 || u.physOffset < 0 || u.physSize <= 0 || u.queueOffset < 0 {
		return unit{}, fmt.Errorf("%w: fields out of range", errBadUnit)
	}
	return u, nil
}
