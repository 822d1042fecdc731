package mappedfile

import (
	"bytes"
	"fmt"
)

// ZeroFrom clears every non-zero byte in [pos, Size) of the file, so that
// bytes past a truncation point can never be read back as records after a
// later crash. The page holding pos is cleared through the mapping. For the
// pages after it, a backing that can tell which ranges may hold data (blocks
// written on disk, pages in the page cache: Mapping.MaybeData) limits the
// work to those, and large ranges are zeroed in the file system
// (Mapping.ZeroRange) rather than read; otherwise pages are read and only
// the non-zero ones dirtied. Truncating a mostly empty 1 GiB file thus costs
// two system calls, not a gigabyte of page faults. A failed sync poisons
// the file.
func (f *File) ZeroFrom(pos int) error {
	if pos < 0 || pos > f.size {
		return fmt.Errorf("%w: zero from %d in %s", ErrOutOfRange, pos, f.path)
	}
	if err := f.Err(); err != nil {
		return err
	}
	if !f.Hold() {
		return ErrFileClosed
	}
	defer f.Release()
	head := min(f.size, (pos+pageBytes-1)/pageBytes*pageBytes)
	dirty := zeroRange(f.data[pos:head])
	if head < f.size {
		dirty = f.zeroAfter(head) || dirty
	}
	if !dirty {
		return nil
	}
	if err := f.m.Flush(pos, f.size-pos); err != nil {
		return f.poison("sync", pos, err)
	}
	return nil
}

// zeroAfter clears [head, Size), head page-aligned, and reports whether it
// dirtied pages that need a flush. Both capabilities it asks the mapping
// for are shortcuts: when one fails, for lack of support or otherwise,
// reading the pages gives the same result, only slower.
func (f *File) zeroAfter(head int) bool {
	ranges := []Span{{head, f.size, false}}
	if r, err := f.m.MaybeData(head); err == nil {
		ranges = r
	}
	dirty := false
	for _, r := range ranges {
		if !r.Cached && r.End-r.Start >= zeroRangeMin && f.m.ZeroRange(r.Start, r.End-r.Start) == nil {
			continue
		}
		dirty = zeroRange(f.data[r.Start:r.End]) || dirty
	}
	return dirty
}

// zeroRangeMin is the size from which a range that is not in memory is
// zeroed in the file system rather than read: reading a few pages is
// cheaper than a metadata change, reading many from disk is not.
const zeroRangeMin = 1 << 20

// zeroRange clears the non-zero pages of b and reports whether it found
// any.
func zeroRange(b []byte) bool {
	var zero [pageBytes]byte
	dirty := false
	for len(b) > 0 {
		n := min(len(b), pageBytes)
		if !bytes.Equal(b[:n], zero[:n]) {
			clear(b[:n])
			dirty = true
		}
		b = b[n:]
	}
	return dirty
}
