package store

import (
	"fmt"

	"github.com/rocketstore/rocketstore/message"
)

// logScan is where a walk of the commit log stopped.
type logScan struct {
	End     int64 // just past the last valid record (or filler)
	Records int64
	// Reason is why the walk stopped before the data ended (nil: it ended
	// at zeros or at the last file's end); BadPath and BadPos locate it.
	Reason  error
	BadPath string
	BadPos  int64
}

// scanLog walks the records of the commit log from the start of file
// first, checking framing, offsets and (with checkCRC) body CRCs as
// recovery does, until the first invalid record or the end of the data.
// onRecord, when set, sees every valid record (its bytes alias the
// mapping) and may end the walk by returning false; boundary every offset where a record may start (record starts,
// file starts reached past a filler, the end). progress is told the bytes
// of each file walked.
func (d *dirReader) scanLog(first int, checkCRC bool, onRecord func(phys int64, r *message.Record) bool, boundary func(int64), progress func(int64)) (logScan, error) {
	var s logScan
	if first >= len(d.logFiles) {
		return s, nil
	}
	s.End = d.logFiles[first].start
	for _, f := range d.logFiles[first:] {
		if f.start != s.End {
			break // the previous file's data did not reach its end, or a gap
		}
		b, err := f.bytes(d.fs)
		if err != nil {
			return s, err
		}
		stopped := false
		pos, reason := scanFileRecords(b, f.start, checkCRC, func(phys int64, r *message.Record) bool {
			s.Records++
			if boundary != nil {
				boundary(phys)
			}
			stopped = onRecord != nil && !onRecord(phys, r)
			return !stopped
		})
		if stopped {
			return s, nil
		}
		if progress != nil {
			progress(f.size)
		}
		s.End = f.start + int64(pos)
		if reason != nil {
			s.Reason, s.BadPath, s.BadPos = reason, f.path, int64(pos)
			break
		}
		if pos < len(b) {
			break // zeros: the data ends here
		}
		if boundary != nil {
			boundary(s.End) // the next file's start
		}
	}
	if boundary != nil {
		boundary(s.End)
	}
	return s, nil
}

// scanFileRecords walks the records of one file, whose first byte is at
// offset start. It returns the position past the last valid record (the
// file's size past a filler) and why it stopped earlier, if it did for
// anything but zeros.
// onRecord returning false ends the walk there.
func scanFileRecords(b []byte, start int64, checkCRC bool, onRecord func(int64, *message.Record) bool) (int, error) {
	pos := 0
	for pos < len(b) {
		rest := len(b) - pos
		if rest < message.MinBlankSize {
			return len(b), nil // too short for a filler: the file ends
		}
		size, magic, err := message.PeekHeader(b[pos:])
		if err != nil {
			return pos, err
		}
		switch {
		case size == 0 && magic == 0:
			return pos, nil
		case magic == message.BlankMagicCode:
			if int(size) != rest {
				return pos, fmt.Errorf("blank filler of %d bytes, %d left in the file", size, rest)
			}
			return len(b), nil
		case size < message.MinBlankSize || int(size) > rest:
			return pos, fmt.Errorf("record size %d, %d bytes left in the file", size, rest)
		}
		rec, err := message.Decode(b[pos:pos+int(size)], checkCRC)
		if err != nil {
			return pos, err
		}
		// As the commit log's recovery: the topic and properties, which the
		// body CRC does not cover, even without CRCs.
		if err := rec.CheckUncovered(); err != nil {
			return pos, err
		}
		phys := start + int64(pos)
		if rec.PhysicalOffset != phys {
			return pos, fmt.Errorf("record says it is at offset %d", rec.PhysicalOffset)
		}
		if !onRecord(phys, &rec) {
			return pos, nil
		}
		pos += int(size)
	}
	return pos, nil
}

// checkLog checks the commit log's files (sizes, no gaps), walks every
// record from the first file, and checks that nothing lies past the end of
// the valid records.
func (c *checker) checkLog() error {
	d, r := c.d, c.rep
	files := d.logFiles
	r.CommitLog.Files = len(files)
	r.CommitLog.FileSize = d.logSize
	if len(files) == 0 {
		return nil
	}
	c.logMin = files[0].start
	r.CommitLog.MinOffset = c.logMin
	for i, f := range files {
		if f.size != int64(d.logSize) {
			c.problem(KindCommitLog, f.path, -1, f.start, "%d bytes, the first file has %d", f.size, d.logSize)
			return nil // offsets cannot be mapped to files
		}
		if i > 0 && f.start != files[i-1].start+int64(d.logSize) {
			c.problem(KindCommitLog, f.path, -1, f.start, "does not follow %s: the log has a gap", files[i-1].path)
			return nil
		}
	}
	c.boundary = map[int64]bool{}
	cp := r.Checkpoint
	scan, err := d.scanLog(0, !c.opts.SkipCRC, func(phys int64, rec *message.Record) bool {
		if r.CommitLog.FirstStoreTimestamp == 0 {
			r.CommitLog.FirstStoreTimestamp = rec.StoreTimestamp
		}
		r.CommitLog.LastStoreTimestamp = rec.StoreTimestamp
		return true
	}, func(off int64) {
		if off == cp.LogicsOffset || off == cp.IndexOffset {
			c.boundary[off] = true
		}
	}, c.progress)
	if err != nil {
		return err
	}
	c.logEnd = scan.End
	r.CommitLog.EndOffset, r.CommitLog.Records = scan.End, scan.Records
	if scan.Reason != nil {
		c.problem(KindCommitLog, scan.BadPath, scan.BadPos, scan.End, "bad record: %v", scan.Reason)
		return nil
	}
	return c.checkLogTail(scan.End)
}

// checkLogTail checks that nothing was written past end: a torn or
// damaged tail that recovery would cut.
func (c *checker) checkLogTail(end int64) error {
	for _, f := range c.d.logFiles {
		if f.start+int64(f.size) <= end {
			continue
		}
		b, err := f.bytes(c.d.fs)
		if err != nil {
			return err
		}
		from := max(0, int(end-f.start))
		if !isZero(b[from:]) {
			c.problem(KindCommitLog, f.path, int64(from), max(end, f.start), "bytes after the end of the valid records at %d", end)
			return nil
		}
		if err := f.unmap(); err != nil {
			return err
		}
	}
	return nil
}
