package store

import (
	"encoding/binary"
	"slices"

	"github.com/rocketstore/rocketstore/index"
	"github.com/rocketstore/rocketstore/message"
)

// checkIndex checks every index file.
func (c *checker) checkIndex() error {
	files, err := c.d.indexFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		b, err := f.bytes(c.d.fs)
		if err != nil {
			return err
		}
		c.checkIndexFile(f.path, b)
		if err := f.unmap(); err != nil {
			return err
		}
		c.progress(f.size)
	}
	return nil
}

// indexFile is one index file being checked.
type indexFile struct {
	c          *checker
	path       string
	b          []byte
	h          index.Header
	slots      int
	maxEntries int
}

// checkIndexFile checks the header, the slots, every chain and every
// entry of one file.
func (c *checker) checkIndexFile(path string, b []byte) {
	slots, entries := indexGeometry(int64(len(b)), c.opts.IndexSlotCount, c.opts.IndexMaxEntries)
	if len(b) != index.FileSize(slots, entries) {
		c.problem(KindIndex, path, -1, -1, "%d bytes, not an index file of %d slots and %d entries (set the index geometry)", len(b), slots, entries)
		return
	}
	x := &indexFile{c: c, path: path, b: b, h: index.DecodeHeader(b), slots: slots, maxEntries: entries}
	c.rep.Index = append(c.rep.Index, IndexSummary{Path: path, SlotCount: slots, MaxEntries: entries, Header: x.h})
	if x.h.IndexCount == 0 && isZero(b[:index.HeaderSize]) {
		x.h.IndexCount = 1 // created, never written
	}
	if x.h.IndexCount < 1 || int(x.h.IndexCount) > entries {
		c.problem(KindIndex, path, 36, -1, "index count %d outside 1..%d", x.h.IndexCount, entries)
		return
	}
	if x.checkChains() {
		x.checkEntries()
	}
}

func (x *indexFile) bad(pos, offset int64, format string, args ...any) {
	x.c.problem(KindIndex, x.path, pos, offset, format, args...)
}

// checkChains walks every slot's chain: entries numbered below the index
// count, going back, each in the slot its hash belongs to, every entry on
// exactly one chain. It reports whether the entries are worth checking.
func (x *indexFile) checkChains() bool {
	be := binary.BigEndian
	count := x.h.IndexCount
	seen := make([]bool, count)
	used := int32(0)
	for slot := range x.slots {
		at := index.HeaderSize + slot*index.SlotSize
		next := int32(be.Uint32(x.b[at:]))
		if next == 0 {
			continue
		}
		used++
		for next != 0 {
			if next < 0 || next >= count {
				x.bad(int64(at), -1, "slot %d chain reaches entry %d, outside 1..%d", slot, next, count-1)
				return false
			}
			if seen[next] {
				x.bad(int64(index.EntryAt(x.slots, next)), -1, "entry %d is on two chains, or a chain loops", next)
				return false
			}
			seen[next] = true
			e := index.DecodeEntry(x.b[index.EntryAt(x.slots, next):])
			if index.SlotOf(e.KeyHash, x.slots) != slot || e.KeyHash < 0 {
				x.bad(int64(index.EntryAt(x.slots, next)), e.PhysicalOffset, "entry %d has hash %d, which is not of slot %d", next, e.KeyHash, slot)
				return false
			}
			if e.Prev >= next {
				x.bad(int64(index.EntryAt(x.slots, next)), e.PhysicalOffset, "entry %d links forward to %d", next, e.Prev)
				return false
			}
			at, next = index.EntryAt(x.slots, next)+16, e.Prev
		}
	}
	if i := slices.Index(seen[1:], false); i >= 0 {
		x.bad(int64(index.EntryAt(x.slots, int32(i+1))), -1, "entry %d is on no chain", i+1)
		return false
	}
	if used != x.h.HashSlotCount {
		x.bad(32, -1, "header counts %d slots in use, %d are", x.h.HashSlotCount, used)
	}
	return true
}

// checkEntries checks each entry against the header's ranges and against
// the record it points at, while that is still in the log.
func (x *indexFile) checkEntries() {
	h, c := x.h, x.c
	for n := int32(1); n < h.IndexCount; n++ {
		at := int64(index.EntryAt(x.slots, n))
		e := index.DecodeEntry(x.b[at:])
		stored := h.BeginTimestamp + int64(e.TimeDiff)*1000
		switch {
		case e.PhysicalOffset < h.BeginPhysicalOffset || e.PhysicalOffset > h.EndPhysicalOffset:
			x.bad(at, e.PhysicalOffset, "entry %d points at %d, outside the header's [%d, %d]", n, e.PhysicalOffset, h.BeginPhysicalOffset, h.EndPhysicalOffset)
			return
		case e.TimeDiff < 0 || stored > h.EndTimestamp:
			x.bad(at, e.PhysicalOffset, "entry %d is %d s after the begin time, past the header's end time", n, e.TimeDiff)
			return
		case e.PhysicalOffset < c.logMin:
			continue // its record was deleted by cleanup
		case e.PhysicalOffset >= c.logEnd:
			x.bad(at, e.PhysicalOffset, "entry %d points at %d, past the end of the log's valid records %d", n, e.PhysicalOffset, c.logEnd)
			return
		}
		rec, err := c.d.recordAt(e.PhysicalOffset)
		if err != nil {
			x.bad(at, e.PhysicalOffset, "entry %d points at no record: %v", n, err)
			return
		}
		if !recordHasKeyHash(&rec, e.KeyHash) {
			x.bad(at, e.PhysicalOffset, "entry %d has hash %d, no key of the record it points at has", n, e.KeyHash)
			return
		}
		// The put clamps a time before the file's begin time to 0 s.
		if rec.StoreTimestamp > stored+999 || e.TimeDiff > 0 && rec.StoreTimestamp < stored {
			x.bad(at, e.PhysicalOffset, "entry %d says stored in [%d, %d], the record was stored at %d", n, stored, stored+999, rec.StoreTimestamp)
			return
		}
	}
}

// recordHasKeyHash reports whether one of the keys the store indexes for
// r (topic#key for each of its KEYS, topic#uniqKey) hashes to hash.
func recordHasKeyHash(r *message.Record, hash int32) bool {
	uniq := r.Properties.Get(message.PropertyUniqKey)
	if uniq != "" && index.KeyHash(r.Topic+"#"+uniq) == hash {
		return true
	}
	for _, k := range r.Keys() {
		if index.KeyHash(r.Topic+"#"+k) == hash {
			return true
		}
	}
	return false
}
