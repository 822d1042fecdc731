package mappedfile

import (
	"errors"
	"fmt"
	"time"
)

// populateHead populates the file's first chunk by system call and reports
// whether that worked: then the rest can be populated while the file is
// being written (prewarmRest), since populating never writes data.
func (f *File) populateHead() bool {
	return f.m.Populate(0, min(prewarmChunk, f.size)) == nil
}

// prewarmRest populates the pages after the first chunk while appenders may
// be writing the file, holding it so that it cannot be unmapped meanwhile,
// and stopping early once stop says so or the file is shut down. Unless the
// file is to be locked, it keeps at most prewarmAhead ahead of the writer
// rather than populating the whole file at once (see prewarmAhead).
func (f *File) prewarmRest(flushEveryPages int, lock bool, stop func() bool) error {
	if !f.Hold() {
		return nil
	}
	defer f.Release()
	return f.prewarm(min(prewarmChunk, f.size), flushEveryPages, lock, false,
		func() bool { return stop() || !f.available.Load() })
}

// Prewarm writes a zero into every page of the mapping so that appends do
// not take page faults, flushing every flushEveryPages pages when that is
// positive (a failed flush poisons the file); with lock it then locks the
// region and advises the kernel.
//
// Where the kernel can (MADV_POPULATE_WRITE, Linux 5.14), the pages are
// populated by a system call rather than by touching them: a goroutine
// stalled in a page fault (the kernel throttling a writer of many dirty
// pages) keeps its P and holds up every stop-the-world of the garbage
// collector, so touching 1 GiB stalled the whole process, while one in a
// system call does not.
func (f *File) Prewarm(flushEveryPages int, lock bool) error {
	return f.prewarm(0, flushEveryPages, lock, true, nil)
}

// prewarmChunk is how much one populate call covers: small enough that a
// stop request or Close waits little.
const prewarmChunk = 4096 * pageBytes

// Pacing of a preallocated file's population (prewarmRest). Populating a
// whole 1 GiB file the moment it is preallocated, while the previous file
// is still being written, is a burst of page allocation and zeroing (on a
// busy machine about 0.36 s of CPU time, where a million 1 KiB appends took
// 0.25 s; a second core may not be free for it) and of dirty zero pages for
// writeback, for pages the log may need only much later. Instead the
// population keeps prewarmAhead ahead of the writer, polling its position
// every prewarmMaxPause at most: a writer outruns it only above
// prewarmAhead per prewarmMaxPause (6 GiB/s), and then merely faults the
// pages it reaches first, as without prewarming.
const (
	prewarmAhead    = 4 * prewarmChunk
	prewarmMinPause = time.Millisecond
	prewarmMaxPause = 10 * time.Millisecond
)

// awaitWriter waits until the writer is less than prewarmAhead before at,
// polling with a pause that grows while the writer does not move, and
// reports false when stop says to stop meanwhile.
func (f *File) awaitWriter(at int, stop func() bool) bool {
	pause := prewarmMinPause
	for at >= f.WrotePosition()+prewarmAhead {
		if stop() {
			return false
		}
		time.Sleep(pause)
		pause = min(2*pause, prewarmMaxPause)
	}
	return true
}

// prewarm prewarms [from, size). With mayTouch false it never writes to the
// mapping (an appender may be writing it): it stops where populating by
// system call is not possible. stop, when not nil, ends it between chunks.
func (f *File) prewarm(from, flushEveryPages int, lock, mayTouch bool, stop func() bool) error {
	chunk := prewarmChunk
	if flushEveryPages > 0 {
		chunk = flushEveryPages * pageBytes
	}
	canPopulate := true
	for at := from; at < f.size; at += chunk {
		if stop != nil && stop() {
			return nil
		}
		if !mayTouch {
			if !lock && stop != nil && !f.awaitWriter(at, stop) {
				return nil
			}
			// The file is in use: keep ahead of the writer rather than
			// fault the same pages it does.
			if w := f.WrotePosition(); w > at {
				at = min(f.size, (w+chunk-1)/chunk*chunk)
				if at == f.size {
					break
				}
			}
		}
		n := min(chunk, f.size-at)
		if canPopulate {
			if err := f.m.Populate(at, n); err != nil {
				if !errors.Is(err, errors.ErrUnsupported) {
					return fmt.Errorf("mappedfile: populate %s: %w", f.path, err)
				}
				canPopulate = false
			}
		}
		if !canPopulate {
			if !mayTouch {
				return nil
			}
			for page := at; page < at+n; page += pageBytes {
				f.data[page] = 0
			}
		}
		if flushEveryPages > 0 {
			if err := f.m.Flush(at, n); err != nil {
				return f.poison("sync", at, err)
			}
		}
	}
	if lock {
		if err := f.m.Lock(); err != nil {
			return fmt.Errorf("mappedfile: mlock %s: %w", f.path, err)
		}
		if err := f.m.Advise(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
			return fmt.Errorf("mappedfile: advise %s: %w", f.path, err)
		}
	}
	return nil
}
