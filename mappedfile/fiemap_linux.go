package mappedfile

import (
	"encoding/binary"
	"os"
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
func (o *osMapping) MaybeData(off int) ([]Span, error) {
	size := len(o.m)
	written, err := o.writtenExtents(off, size)
	if err != nil {
		return nil, err
	}
	var out []Span
	for _, w := range mergeSpans(written, size) {
		resident, err := residentPages(o.m[w.Start:w.End])
		if err != nil {
			return nil, err
		}
		for i := range resident {
			resident[i].Start += w.Start
			resident[i].End += w.Start
		}
		out = append(out, subtract(w, resident)...)
		out = append(out, resident...)
	}
	slices.SortFunc(out, func(a, b Span) int { return a.Start - b.Start })
	return out, nil
}

// subtract returns the parts of w outside the sorted, disjoint spans cut.
func subtract(w Span, cut []Span) []Span {
	var out []Span
	at := w.Start
	for _, c := range cut {
		if c.End <= at || c.Start >= w.End {
			continue
		}
		if c.Start > at {
			out = append(out, Span{at, c.Start, false})
		}
		at = max(at, c.End)
	}
	if at < w.End {
		out = append(out, Span{at, w.End, false})
	}
	return out
}

// writtenExtents lists the extents in [off, size) that are not unwritten
// preallocations, page-aligned.
func (o *osMapping) writtenExtents(off, size int) (spans []Span, err error) {
	err = o.withFile(func(f *os.File) error {
		spans, err = extentsOf(f, off, size)
		return err
	})
	return spans, err
}

func extentsOf(f *os.File, off, size int) ([]Span, error) {
	buf := make([]byte, fiemapHeaderSize+fiemapBatch*fiemapExtentSize)
	be := binary.NativeEndian
	var out []Span
	for start := off; start < size; {
		clear(buf)
		be.PutUint64(buf[0:], uint64(start))
		be.PutUint64(buf[8:], uint64(size-start))
		be.PutUint32(buf[16:], fiemapFlagSync)
		be.PutUint32(buf[24:], fiemapBatch)
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), fsIocFiemap, uintptr(unsafe.Pointer(&buf[0]))); errno != 0 {
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
				out = append(out, Span{max(off, logical), min(size, logical+length), false})
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
func residentPages(b []byte) ([]Span, error) {
	if len(b) == 0 {
		return nil, nil
	}
	vec := make([]byte, (len(b)+pageSize-1)/pageSize)
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		return nil, errno
	}
	var out []Span
	for i := 0; i < len(vec); {
		if vec[i]&1 == 0 {
			i++
			continue
		}
		j := i
		for j < len(vec) && vec[j]&1 != 0 {
			j++
		}
		out = append(out, Span{i * pageSize, min(len(b), j*pageSize), true})
		i = j
	}
	return out, nil
}

// mergeSpans aligns spans outward to pages within [0, size), sorts them and
// joins the ones that touch.
func mergeSpans(spans []Span, size int) []Span {
	for i := range spans {
		spans[i].Start = spans[i].Start / pageSize * pageSize
		spans[i].End = min(size, (spans[i].End+pageSize-1)/pageSize*pageSize)
	}
	slices.SortFunc(spans, func(a, b Span) int { return a.Start - b.Start })
	out := spans[:0]
	for _, s := range spans {
		if n := len(out); n > 0 && s.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, s.End)
			continue
		}
		if s.End > s.Start {
			out = append(out, s)
		}
	}
	return out
}
