package timer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// SlotSize is the size of one wheel slot in bytes.
const SlotSize = 24

// Slot layout, big-endian (see the package documentation).
const (
	slotTime  = 0  // the slot number (time / precision) the slot holds now
	slotLast  = 8  // the newest unit of that slot in the timer log
	slotCount = 16 // how many units of that slot are not delivered yet
)

// wheel is the time wheel: one slot per precision step, slot number s at
// index s mod len. A slot names the newest unit of its time; that unit's
// prev, and so on, lead to the others. The wheel lives in a mapped file,
// not on the heap, and is derived data: Open rebuilds it from the timer
// log, so it is never flushed.
type wheel struct {
	m     mappedfile.Mapping
	b     []byte
	slots int64
}

// createWheel makes a fresh, empty wheel file of slots slots at path,
// replacing any old one.
func createWheel(fsys mappedfile.FS, path string, slots int64) (*wheel, error) {
	if err := fsys.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("timer: remove old wheel: %w", err)
	}
	m, err := fsys.Create(path, int(slots*SlotSize))
	if err != nil {
		return nil, fmt.Errorf("timer: create wheel: %w", err)
	}
	return &wheel{m: m, b: m.Bytes(), slots: slots}, nil
}

func (w *wheel) cell(slot int64) []byte {
	i := slot % w.slots
	return w.b[i*SlotSize : (i+1)*SlotSize]
}

// held is the slot number the cell of slot holds now (0 in a fresh
// wheel).
func (w *wheel) held(slot int64) int64 {
	return int64(binary.BigEndian.Uint64(w.cell(slot)[slotTime:]))
}

// get returns the newest unit and the count of slot; ok is false when its
// cell holds another slot (or none).
func (w *wheel) get(slot int64) (last int64, count int64, ok bool) {
	c := w.cell(slot)
	be := binary.BigEndian
	if int64(be.Uint64(c[slotTime:])) != slot {
		return -1, 0, false
	}
	return int64(be.Uint64(c[slotLast:])), int64(be.Uint32(c[slotCount:])), true
}

// set makes the cell of slot hold slot, with its newest unit and count.
func (w *wheel) set(slot, last, count int64) {
	c := w.cell(slot)
	be := binary.BigEndian
	be.PutUint64(c[slotTime:], uint64(slot))
	be.PutUint64(c[slotLast:], uint64(last))
	be.PutUint32(c[slotCount:], uint32(count))
}

func (w *wheel) close() error { return w.m.Close() }
