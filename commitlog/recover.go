package commitlog

import (
	"bytes"
	"fmt"
	"path/filepath"

	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// RecoveryReport says what Open's recovery scan found and what it dropped.
type RecoveryReport struct {
	ScanFrom int64 // physical offset where the scan started
	End      int64 // the write position after recovery
	Records  int64 // valid records scanned from ScanFrom to End
	// Reason is why the scan stopped before the data ended: a
	// *CorruptionError for a torn or damaged record at End. Nil when the
	// data simply ended.
	Reason error
	// DroppedBytes counts the bytes from End to the last non-zero byte of
	// End's file: the torn or damaged tail that was zeroed.
	DroppedBytes int64
	// DroppedFiles names the files after End's file that were removed.
	DroppedFiles []string
}

// Dropped reports whether recovery discarded anything.
func (r RecoveryReport) Dropped() bool { return r.DroppedBytes > 0 || len(r.DroppedFiles) > 0 }

// recoverLog finds the end of the valid data and truncates the queue there.
//
// The scan starts at the third-last file, as RocketMQ's recovery does, or
// earlier at the file holding from when that is positive, and steps back while the start file's first record is not valid: files can be
// created (and preallocated) long before anything durable reaches them, so
// after a power loss the last few files may hold nothing but zeros.
func recoverLog(q *mappedfile.Queue, checkCRC bool, from int64, clean bool) (RecoveryReport, error) {
	files := q.Files()
	if len(files) == 0 {
		return RecoveryReport{}, nil
	}
	start := max(0, len(files)-3)
	for from > 0 && start > 0 && files[start].StartOffset() > from {
		start--
	}
	for start > 0 && !firstRecordValid(files[start], checkCRC) {
		start--
	}
	rep := RecoveryReport{ScanFrom: files[start].StartOffset()}
	end := rep.ScanFrom
	for _, f := range files[start:] {
		if f.StartOffset() != end {
			break // the previous file's data did not reach its end
		}
		next, n, reason, err := scanFile(f, checkCRC)
		if err != nil {
			return rep, err
		}
		rep.Records += n
		end = f.StartOffset() + int64(next)
		if reason != nil {
			rep.Reason = reason
			rep.DroppedBytes = nonZeroTail(f, next)
			break
		}
		if next < f.Size() {
			break
		}
	}
	rep.End = end
	for _, f := range files {
		if f.StartOffset() > end && holdsData(f) {
			rep.DroppedFiles = append(rep.DroppedFiles, filepath.Base(f.Path()))
		}
	}
	truncate := q.TruncateAfter
	if clean && rep.Reason == nil {
		truncate = q.SetEnd
	}
	if err := truncate(end); err != nil {
		return rep, fmt.Errorf("commitlog: truncate after %d: %w", end, err)
	}
	return rep, nil
}

// scanFile walks f's units from its start. It returns the position just
// past the last valid record (f.Size() when the file ends with a filler or
// padding), how many records it saw, and the corruption that stopped it, if
// any. The walk checks framing; a recordChecker on the other cores checks
// meanwhile what framing cannot see (body CRCs with checkCRC, topics and
// properties always), and the first failure moves the end back to it.
func scanFile(f *mappedfile.File, checkCRC bool) (next int, records int64, reason error, err error) {
	s, err := f.SliceFrom(0)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("commitlog: read %s: %w", f.Path(), err)
	}
	defer s.Release()
	b := s.Bytes
	layout := Layout{FileSize: int64(f.Size())}
	checks := newRecordChecker(checkCRC)
scan:
	for next < f.Size() {
		phys := f.StartOffset() + int64(next)
		u, known, perr := layout.PeekUnit(b[next:], phys)
		var fr message.Frame
		if perr == nil && known {
			fr, perr = layout.CheckUnit(b[next:], phys, u, false)
		}
		switch {
		case perr != nil:
			reason = &CorruptionError{Path: f.Path(), Offset: phys, Reason: perr}
			break scan
		case !known || u.Kind == UnitEnd:
			break scan
		case u.Kind != UnitRecord: // a filler or padding ends the file's data
			next = f.Size()
			break scan
		}
		checks.add(next, records, fr)
		next += u.Size
		records++
	}
	if pos, seq, bad := checks.firstFailure(); bad != nil {
		next, records = pos, seq
		reason = &CorruptionError{Path: f.Path(), Offset: f.StartOffset() + int64(pos), Reason: bad}
	}
	return next, records, reason, nil
}

// firstRecordValid reports whether f starts with a whole record that passes
// the scan's checks.
func firstRecordValid(f *mappedfile.File, checkCRC bool) bool {
	s, err := f.SliceFrom(0)
	if err != nil {
		return false
	}
	defer s.Release()
	layout := Layout{FileSize: int64(f.Size())}
	u, known, err := layout.PeekUnit(s.Bytes, f.StartOffset())
	if err != nil || !known || u.Kind != UnitRecord {
		return false
	}
	fr, err := layout.CheckUnit(s.Bytes, f.StartOffset(), u, false)
	return err == nil && checkRecord(&fr, checkCRC) == nil
}

// holdsData reports whether anything was ever written to f: data always
// starts with a record or filler header at byte 0. Checking that instead of
// scanning keeps recovery from reading a whole preallocated file of zeros.
func holdsData(f *mappedfile.File) bool {
	s, err := f.Slice(0, message.MinBlankSize)
	if err != nil {
		return false
	}
	defer s.Release()
	return !bytes.Equal(s.Bytes, make([]byte, message.MinBlankSize))
}

// nonZeroTail counts the bytes from pos to the last non-zero byte of f. It
// compares whole pages against a zero page from the end, which is fast on
// the mostly-zero tail of a preallocated file.
func nonZeroTail(f *mappedfile.File, pos int) int64 {
	s, err := f.SliceFrom(pos)
	if err != nil {
		return 0
	}
	defer s.Release()
	b := s.Bytes
	var zeroPage [4096]byte
	for len(b) > 0 {
		page := b[max(0, len(b)-len(zeroPage)):]
		if !bytes.Equal(page, zeroPage[:len(page)]) {
			for i := len(page) - 1; i >= 0; i-- {
				if page[i] != 0 {
					return int64(len(b) - len(page) + i + 1)
				}
			}
		}
		b = b[:len(b)-len(page)]
	}
	return 0
}
