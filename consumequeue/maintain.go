package consumequeue

import (
	"errors"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// TruncateAfterCommitLogOffset drops every unit whose record starts at or
// after phys: the commit log was cut there, and the queue is derived from
// it. Blank units at the new end go too.
func (q *Queue) TruncateAfterCommitLogOffset(phys int64) error {
	q.putMu.Lock()
	defer q.putMu.Unlock()
	end := q.MaxOffset()
	keep := end
	var last Unit
	for keep > q.MinOffset() {
		u, err := q.Unit(keep - 1)
		if err != nil {
			return err
		}
		if !u.IsBlank() && u.CommitLogOffset < phys {
			last = u
			break
		}
		keep--
	}
	if keep == end {
		return nil
	}
	if err := q.files.TruncateAfter(keep * UnitSize); err != nil {
		return err
	}
	q.maxPhysical.Store(0)
	if last.Size > 0 {
		q.maxPhysical.Store(last.CommitLogOffset + int64(last.Size))
	}
	if q.MinOffset() > keep {
		q.minLogicOffset.Store(keep)
	}
	return nil
}

// CorrectMinOffset moves the minimum logical offset to the first unit whose
// record is still in the commit log (at or after minPhys), after commit-log
// files were deleted. With none left, the minimum becomes the end.
func (q *Queue) CorrectMinOffset(minPhys int64) error {
	found := int64(-1)
	if _, err := q.Scan(q.MinOffset(), func(logic int64, u Unit) bool {
		if !u.IsBlank() && u.CommitLogOffset >= minPhys {
			found = logic
			return false
		}
		return true
	}); err != nil {
		return err
	}
	if found < 0 {
		found = q.MaxOffset()
	}
	if found > q.MinOffset() {
		q.minLogicOffset.Store(found)
	}
	return nil
}

// SearchByTime returns the logical offset of the first unit whose record was
// stored at or after ts (ms), by binary search; storeTime reads a unit's
// store timestamp from the commit log. When every record is older it
// returns MaxOffset; a unit whose record cannot be read is skipped over.
func (q *Queue) SearchByTime(ts int64, storeTime func(Unit) (int64, error)) (int64, error) {
	lo, hi := q.MinOffset(), q.MaxOffset()
	for lo < hi {
		mid := lo + (hi-lo)/2
		u, err := q.Unit(mid)
		if err != nil {
			return 0, err
		}
		if u.IsBlank() {
			lo = mid + 1
			continue
		}
		t, err := storeTime(u)
		if err != nil || t < ts {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// DeleteExpired removes files whose every record lies below minPhys (the
// commit log's new minimum), never the last file, then corrects the minimum
// offset. It returns the paths of the files that went.
func (q *Queue) DeleteExpired(minPhys int64) ([]string, error) {
	var candidates []string
	n, err := q.files.DeleteFiles(func(f *mappedfile.File) bool {
		s, err := f.Slice(f.Size()-UnitSize, UnitSize)
		if err != nil {
			return false
		}
		defer s.Release()
		u := DecodeUnit(s.Bytes)
		expired := !u.IsBlank() && u.CommitLogOffset+int64(u.Size) <= minPhys
		if expired {
			candidates = append(candidates, f.Path())
		}
		return expired
	}, 0, time.Duration(-1))
	gone := candidates[:n]
	if err != nil {
		return gone, err
	}
	if first := q.files.First(); first != nil && first.StartOffset()/UnitSize > q.MinOffset() {
		q.minLogicOffset.Store(first.StartOffset() / UnitSize)
	}
	return gone, q.CorrectMinOffset(minPhys)
}

// Flush makes written units durable when at least leastPages pages wait.
func (q *Queue) Flush(leastPages int) error { return q.files.Flush(leastPages) }

// FlushedOffset is the logical offset below which units are durable.
func (q *Queue) FlushedOffset() int64 { return q.files.FlushedOffset() / UnitSize }

// Close flushes and closes the queue.
func (q *Queue) Close() error {
	q.putMu.Lock()
	defer q.putMu.Unlock()
	if q.closed.Swap(true) {
		return ErrClosed
	}
	return errors.Join(q.files.Flush(0), q.files.Close())
}

// Destroy removes every file of the queue.
func (q *Queue) Destroy() error {
	q.closed.Store(true)
	return q.files.Destroy()
}
