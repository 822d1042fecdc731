package mappedfile

import (
	"encoding/binary"
	"slices"
	"unsafe"

	"golang.org/x/sys/unix"
)

// FIEMAP ioctl (linux/fiemap.h).
const (
	fsIocFiemap           = 0xC020660B // _IOWR('f', 11, struct fiemap)
	fiemapHeaderSize      = 32
	fiemapExtentSize      = 56
	fiemapBatch           = 64
	fiemapFlagSync        = 0x1
	fiemapExtentLast      = 0x1
	fiemapExtentUnwritten = 0x800
)

// MaybeData finds what in [off, len) may be non-zero: the blocks the file
// system holds as written. FIEMAP with FIEMAP_FLAG_SYNC writes dirty pages
// back first, so bytes written through the mapping count as written too;
// what stays an unwritten preallocation reads as zero on disk and in the
// page cache alike. Written ranges whose pages are all in memory come back
// with cached set: reading them costs no I/O.
func (o *osMapping) MaybeData(off int) ([]span, error) {
	size := len(o.m)
	written, err := o.writtenExtents(off, size)
	if err != nil {
		return nil, err
	}
	var out []span
	for _, w := range mergeSpans(written, size) {
		resident, err := residentPages(o.m[w.start:w.end])
		if err != nil {
			return nil, err
		}
		for i := range resident {
			resident[i].start += w.start
			resident[i].end += w.start
		}
		out = append(out, subtract(w, resident)...)
		out = append(out, resident...)
	}
	slices.SortFunc(out, func(a, b span) int { return a.start - b.start })
	return out, nil
}

// subtract returns the parts of w outside the sorted, disjoint spans cut.
func subtract(w span, cut []span) []span {
	var out []span
	at := w.start
	for _, c := range cut {
		if c.end <= at || c.start >= w.end {
			continue
		}
		if c.start > at {
			out = append(out, span{at, c.start, false})
		}
		at = max(at, c.end)
	}
	if at < w.end {
		out = append(out, span{at, w.end, false})
	}
	return out
}

// writtenExtents lists the extents in [off, size) that are not unwritten
// preallocations, page-aligned.
func (o *osMapping) writtenExtents(off, size int) ([]span, error) {
	buf := make([]byte, fiemapHeaderSize+fiemapBatch*fiemapExtentSize)
	be := binary.NativeEndian
	var out []span
	for start := off; start < size; {
		clear(buf)
		be.PutUint64(buf[0:], uint64(start))
		be.PutUint64(buf[8:], uint64(size-start))
		be.PutUint32(buf[16:], fiemapFlagSync)
		be.PutUint32(buf[24:], fiemapBatch)
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, o.f.Fd(), fsIocFiemap, uintptr(unsafe.Pointer(&buf[0]))); errno != 0 {
			return nil, errno
		}
		n := int(be.Uint32(buf[20:]))
		if n == 0 {
			break // nothing mapped after start: a hole reads as zero
		}
		last := false
		for i := range n {
			e := buf[fiemapHeaderSize+i*fiemapExtentSize:]
			logical, length := int(be.Uint64(e[0:])), int(be.Uint64(e[16:]))
			flags := be.Uint32(e[40:])
			if flags&fiemapExtentUnwritten == 0 {
				out = append(out, span{max(off, logical), min(size, logical+length), false})
			}
			start = logical + length
			last = last || flags&fiemapExtentLast != 0
		}
		if last {
			break
		}
	}
	return out, nil
}

// residentPages lists the runs of pages of b that are in memory.
func residentPages(b []byte) ([]span, error) {
	if len(b) == 0 {
		return nil, nil
	}
	vec := make([]byte, (len(b)+pageSize-1)/pageSize)
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		return nil, errno
	}
	var out []span
	for i := 0; i < len(vec); {
		if vec[i]&1 == 0 {
			i++
			continue
		}
		j := i
		for j < len(vec) && vec[j]&1 != 0 {
			j++
		}
		out = append(out, span{i * pageSize, min(len(b), j*pageSize), true})
		i = j
	}
	return out, nil
}

// mergeSpans aligns spans outward to pages within [0, size), sorts them and
// joins the ones that touch.
func mergeSpans(spans []span, size int) []span {
	for i := range spans {
		spans[i].start = spans[i].start / pageSize * pageSize
		spans[i].end = min(size, (spans[i].end+pageSize-1)/pageSize*pageSize)
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	out := spans[:0]
	for _, s := range spans {
		if n := len(out); n > 0 && s.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, s.end)
			continue
		}
		if s.end > s.start {
			out = append(out, s)
		}
	}
	return out
}
