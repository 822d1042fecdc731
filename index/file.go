package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// Layout sizes.
const (
	HeaderSize = 40
	SlotSize   = 4
	EntrySize  = 20
)

var (
	// ErrFull means a file has no room for another entry.
	ErrFull = errors.New("index: file full")
	// ErrClosed is returned by calls after Close, and by a call on a file
	// that cleanup or truncation removed meanwhile.
	ErrClosed = errors.New("index: closed")
)

// Header is the first 40 bytes of an index file.
type Header struct {
	BeginTimestamp      int64 // store time of the first entry (ms)
	EndTimestamp        int64 // store time of the last entry (ms)
	BeginPhysicalOffset int64
	EndPhysicalOffset   int64
	HashSlotCount       int32 // slots in use
	IndexCount          int32 // next entry number (starts at 1)
}

// DecodeHeader reads a header from the first HeaderSize bytes of b.
func DecodeHeader(b []byte) Header {
	be := binary.BigEndian
	return Header{
		BeginTimestamp:      int64(be.Uint64(b[0:])),
		EndTimestamp:        int64(be.Uint64(b[8:])),
		BeginPhysicalOffset: int64(be.Uint64(b[16:])),
		EndPhysicalOffset:   int64(be.Uint64(b[24:])),
		HashSlotCount:       int32(be.Uint32(b[32:])),
		IndexCount:          int32(be.Uint32(b[36:])),
	}
}

func (h *Header) encode(b []byte) {
	be := binary.BigEndian
	be.PutUint64(b[0:], uint64(h.BeginTimestamp))
	be.PutUint64(b[8:], uint64(h.EndTimestamp))
	be.PutUint64(b[16:], uint64(h.BeginPhysicalOffset))
	be.PutUint64(b[24:], uint64(h.EndPhysicalOffset))
	be.PutUint32(b[32:], uint32(h.HashSlotCount))
	be.PutUint32(b[36:], uint32(h.IndexCount))
}

// Entry is one decoded index entry.
type Entry struct {
	KeyHash        int32
	PhysicalOffset int64
	TimeDiff       int32 // whole seconds since the header's begin timestamp
	Prev           int32 // the slot's previous entry number (0: none)
}

// DecodeEntry reads the entry at the start of b.
func DecodeEntry(b []byte) Entry {
	be := binary.BigEndian
	return Entry{
		KeyHash:        int32(be.Uint32(b)),
		PhysicalOffset: int64(be.Uint64(b[4:])),
		TimeDiff:       int32(be.Uint32(b[12:])),
		Prev:           int32(be.Uint32(b[16:])),
	}
}

// KeyHash is the hash stored for a key: |Java String.hashCode|, with
// math.MinInt32 (whose absolute value overflows) mapped to 0 as RocketMQ does.
func KeyHash(key string) int32 {
	h := message.JavaStringHash(key)
	if h == math.MinInt32 {
		return 0
	}
	if h < 0 {
		return -h
	}
	return h
}

// SlotOf is the slot a key hash goes to in a file of slots slots.
func SlotOf(hash int32, slots int) int { return int(hash) % slots }

// FileSize is the size of an index file with the given geometry.
func FileSize(slots, maxEntries int) int { return HeaderSize + slots*SlotSize + maxEntries*EntrySize }

// EntryAt is the byte position of entry n in a file of slots slots.
func EntryAt(slots int, n int32) int { return HeaderSize + slots*SlotSize + int(n)*EntrySize }

// file is one index file. Its bytes are those of a mapped file, read and
// written only while holding it (mappedfile.File.Hold), so that cleanup
// unmaps it only once no query reads it any more.
type file struct {
	mf         *mappedfile.File
	b          []byte // the whole mapping; valid only under a hold
	slots      int
	maxEntries int

	mu       sync.RWMutex // guards header and the bytes: one writer, many queries
	header   Header
	reserved []uint64 // pages known to be allocated, one bit each (guarded by mu)
}

// newFile takes over mf, a mapped index file, and reads its header.
func newFile(mf *mappedfile.File, slots, maxEntries int) (*file, error) {
	if mf.Size() != FileSize(slots, maxEntries) {
		return nil, fmt.Errorf("index: %s has %d bytes, want %d for %d slots and %d entries",
			mf.Path(), mf.Size(), FileSize(slots, maxEntries), slots, maxEntries)
	}
	// Every byte of an index file counts as written: entries land at
	// random slots, so there is no write position to follow.
	mf.SetPositions(0)
	mf.Advance(mf.Size())
	whole, err := mf.Slice(0, mf.Size())
	if err != nil {
		return nil, err
	}
	f := &file{mf: mf, b: whole.Bytes, slots: slots, maxEntries: maxEntries,
		reserved: make([]uint64, (mf.Size()/pageSize+64)/64)}
	whole.Release()
	f.header = DecodeHeader(f.b)
	if f.header.IndexCount < 1 {
		f.header.IndexCount = 1
	}
	if int(f.header.IndexCount) > maxEntries {
		return nil, fmt.Errorf("index: %s has index count %d above %d", mf.Path(), f.header.IndexCount, maxEntries)
	}
	return f, nil
}

// Header returns a copy of the file's header.
func (f *file) Header() Header {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.header
}

func (f *file) path() string { return f.mf.Path() }

// hold takes a reader's reference; false once the file was removed or
// closed.
func (f *file) hold() bool { return f.mf.Hold() }

// release gives back a reference taken by hold.
func (f *file) release() { f.mf.Release() }

// destroy takes the file out of service: it is unmapped and deleted once
// no query holds it. Never forced: a query holds a file for one chain walk.
func (f *file) destroy() error {
	_, err := f.mf.Destroy(-1)
	return err
}

func (f *file) slotAt(h int32) int { return HeaderSize + SlotOf(h, f.slots)*SlotSize }

// put adds key → phys stored at storeTimestamp (ms); ErrFull when no entry
// is left. The caller holds the file.
func (f *file) put(key string, phys, storeTimestamp int64) error {
	hash := KeyHash(key)
	slotAt := f.slotAt(hash)
	f.mu.Lock()
	defer f.mu.Unlock()
	h := &f.header
	if int(h.IndexCount) >= f.maxEntries {
		return ErrFull
	}
	// The file is sparse: every page about to be written is allocated
	// first, so that a full disk is an error here (nothing changed) rather
	// than a fault.
	for _, r := range [][2]int{{0, HeaderSize}, {slotAt, SlotSize}, {EntryAt(f.slots, h.IndexCount), EntrySize}} {
		if err := f.reserveLocked(r[0], r[1]); err != nil {
			return err
		}
	}
	if h.IndexCount == 1 {
		h.BeginTimestamp, h.BeginPhysicalOffset = storeTimestamp, phys
	}
	prev := int32(binary.BigEndian.Uint32(f.b[slotAt:]))
	if prev <= 0 || prev >= h.IndexCount {
		prev = 0
		h.HashSlotCount++
	}
	diff := (storeTimestamp - h.BeginTimestamp) / 1000
	diff = max(0, min(diff, math.MaxInt32))
	at := EntryAt(f.slots, h.IndexCount)
	be := binary.BigEndian
	be.PutUint32(f.b[at:], uint32(hash))
	be.PutUint64(f.b[at+4:], uint64(phys))
	be.PutUint32(f.b[at+12:], uint32(diff))
	be.PutUint32(f.b[at+16:], uint32(prev))
	be.PutUint32(f.b[slotAt:], uint32(h.IndexCount))
	h.IndexCount++
	h.EndTimestamp = max(h.EndTimestamp, storeTimestamp)
	h.EndPhysicalOffset = max(h.EndPhysicalOffset, phys)
	h.encode(f.b)
	return nil
}

// pageSize is the unit of reservations.
const pageSize = 4096

// reserveLocked allocates the pages holding [pos, pos+n), unless they are
// known to be allocated already. f.mu must be held for writing.
func (f *file) reserveLocked(pos, n int) error {
	first, last := pos/pageSize, (pos+n-1)/pageSize
	done := true
	for p := first; p <= last; p++ {
		done = done && f.reserved[p/64]&(1<<(p%64)) != 0
	}
	if done {
		return nil
	}
	if err := f.mf.Reserve(pos, n); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	for p := first; p <= last; p++ {
		f.reserved[p/64] |= 1 << (p % 64)
	}
	return nil
}

// query appends to offsets the physical offsets of entries for key stored
// within [begin, end] (ms), newest first, until offsets holds max. The
// caller holds the file.
func (f *file) query(key string, max int, begin, end int64, offsets []int64) []int64 {
	hash := KeyHash(key)
	slotAt := f.slotAt(hash)
	f.mu.RLock()
	defer f.mu.RUnlock()
	h := f.header
	next := int32(binary.BigEndian.Uint32(f.b[slotAt:]))
	for next > 0 && next < h.IndexCount && len(offsets) < max {
		e := DecodeEntry(f.b[EntryAt(f.slots, next):])
		// Entries keep whole seconds since the file's begin: the record was
		// stored somewhere in [stored, stored+999].
		stored := h.BeginTimestamp + int64(e.TimeDiff)*1000
		if stored+999 < begin {
			break // older entries only follow
		}
		if e.KeyHash == hash && stored <= end {
			offsets = append(offsets, e.PhysicalOffset)
		}
		if e.Prev >= next {
			break // a chain only goes back; anything else is damage
		}
		next = e.Prev
	}
	return offsets
}

// flush makes the whole file durable. The caller holds the file.
func (f *file) flush() error {
	// Writes stop meanwhile: the flushed image is one the header describes.
	f.mu.Lock()
	defer f.mu.Unlock()
	// The mapped file flushes from its flushed position to its end; an
	// index file is dirty anywhere, so that position goes back to 0.
	f.mf.SetPositions(0)
	f.mf.Advance(f.mf.Size())
	if _, err := f.mf.Flush(0); err != nil {
		return fmt.Errorf("index: flush %s: %w", f.path(), err)
	}
	return nil
}
