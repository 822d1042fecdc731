package mappedfile

import (
	"errors"
	"fmt"
)

// bufferPopulateChunk is how much of a write buffer one populate call
// covers, under bufMu: small, so that the commit that gives the buffer back
// waits little.
const bufferPopulateChunk = 512 * pageBytes

// populateBuffer faults the pages of the attached write buffer in ahead of
// the writer, at most prewarmAhead ahead as for a file's own pages. An
// append holds the commit log's append lock, so a page fault of fresh
// memory there (one every four 1 KiB records) held up every other
// appender; RocketMQ's pool touches its buffers when it allocates them.
// Pages a reused buffer already has cost a page-table walk. It stops once
// the buffer goes back to its pool or the file is shut down, and where the
// kernel cannot populate by system call.
func (f *File) populateBuffer() {
	stop := func() bool { return !f.available.Load() || !f.hasBuffer() }
	for at := 0; at < f.size; at += bufferPopulateChunk {
		if !f.awaitWriter(at, stop) {
			return
		}
		if w := f.WrotePosition(); w > at {
			// The writer faulted these itself.
			at = w / bufferPopulateChunk * bufferPopulateChunk
		}
		f.bufMu.RLock()
		if f.buf == nil {
			f.bufMu.RUnlock()
			return
		}
		err := populateMemory(f.buf[at:min(at+bufferPopulateChunk, f.size)])
		f.bufMu.RUnlock()
		if err != nil {
			if !errors.Is(err, errors.ErrUnsupported) {
				f.report(fmt.Errorf("mappedfile: populate the write buffer of %s: %w", f.path, err))
			}
			return
		}
	}
}

// hasBuffer reports whether a write buffer is still attached.
func (f *File) hasBuffer() bool {
	f.bufMu.RLock()
	defer f.bufMu.RUnlock()
	return f.buf != nil
}
