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

// Defaults equal RocketMQ's (maxHashSlotNum, maxIndexNum).
const (
	DefaultSlotCount  = 5_000_000
	DefaultMaxEntries = 20_000_000
)

// ErrFull means a file has no room for another entry.
var ErrFull = errors.New("index: file full")

// Header is the first 40 bytes of an index file.
type Header struct {
	BeginTimestamp      int64 // store time of the first entry (ms)
	EndTimestamp        int64 // store time of the last entry (ms)
	BeginPhysicalOffset int64
	EndPhysicalOffset   int64
	HashSlotCount       int32 // slots in use
	IndexCount          int32 // next entry number (starts at 1)
}

func (h *Header) decode(b []byte) {
	be := binary.BigEndian
	h.BeginTimestamp = int64(be.Uint64(b[0:]))
	h.EndTimestamp = int64(be.Uint64(b[8:]))
	h.BeginPhysicalOffset = int64(be.Uint64(b[16:]))
	h.EndPhysicalOffset = int64(be.Uint64(b[24:]))
	h.HashSlotCount = int32(be.Uint32(b[32:]))
	h.IndexCount = int32(be.Uint32(b[36:]))
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

// File is one index file.
type File struct {
	path       string
	m          mappedfile.Mapping
	b          []byte
	slots      int
	maxEntries int

	mu     sync.RWMutex
	header Header
}

// FileSize is the size of an index file with the given geometry.
func FileSize(slots, maxEntries int) int { return HeaderSize + slots*SlotSize + maxEntries*EntrySize }

func newFile(path string, m mappedfile.Mapping, slots, maxEntries int) (*File, error) {
	if len(m.Bytes()) != FileSize(slots, maxEntries) {
		return nil, fmt.Errorf("index: %s has %d bytes, want %d", path, len(m.Bytes()), FileSize(slots, maxEntries))
	}
	f := &File{path: path, m: m, b: m.Bytes(), slots: slots, maxEntries: maxEntries}
	f.header.decode(f.b)
	if f.header.IndexCount < 1 {
		f.header.IndexCount = 1
	}
	if int(f.header.IndexCount) > maxEntries {
		return nil, fmt.Errorf("index: %s has index count %d above %d", path, f.header.IndexCount, maxEntries)
	}
	return f, nil
}

// Header returns a copy of the file's header.
func (f *File) Header() Header {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.header
}

// Path is the file's path.
func (f *File) Path() string { return f.path }

// Full reports whether another entry fits.
func (f *File) Full() bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return int(f.header.IndexCount) >= f.maxEntries
}

// Put adds key → phys stored at storeTimestamp (ms). ErrFull when no entry
// is left.
func (f *File) Put(key string, phys, storeTimestamp int64) error {
	hash := KeyHash(key)
	slotAt := HeaderSize + int(hash)%f.slots*SlotSize
	f.mu.Lock()
	defer f.mu.Unlock()
	h := &f.header
	if int(h.IndexCount) >= f.maxEntries {
		return ErrFull
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
	at := HeaderSize + f.slots*SlotSize + int(h.IndexCount)*EntrySize
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

// Query appends to offsets the physical offsets of entries for key stored
// within [begin, end] (ms), newest first, until offsets holds max.
func (f *File) Query(key string, max int, begin, end int64, offsets []int64) []int64 {
	hash := KeyHash(key)
	slotAt := HeaderSize + int(hash)%f.slots*SlotSize
	f.mu.RLock()
	defer f.mu.RUnlock()
	h := f.header
	next := int32(binary.BigEndian.Uint32(f.b[slotAt:]))
	be := binary.BigEndian
	for next > 0 && next < h.IndexCount && len(offsets) < max {
		at := HeaderSize + f.slots*SlotSize + int(next)*EntrySize
		entryHash := int32(be.Uint32(f.b[at:]))
		phys := int64(be.Uint64(f.b[at+4:]))
		// Entries keep whole seconds since the file's begin: the record was
		// stored somewhere in [stored, stored+999].
		stored := h.BeginTimestamp + int64(int32(be.Uint32(f.b[at+12:])))*1000
		prev := int32(be.Uint32(f.b[at+16:]))
		if stored+999 < begin {
			break // older entries only follow
		}
		if entryHash == hash && stored <= end {
			offsets = append(offsets, phys)
		}
		if prev >= next {
			break // a chain only goes back; anything else is damage
		}
		next = prev
	}
	return offsets
}

// Flush makes the whole file durable.
func (f *File) Flush() error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.m.Flush(0, len(f.b))
}

func (f *File) close() error { return f.m.Close() }
