package consumequeue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// UnitSize is the size of one unit in bytes.
const UnitSize = 20

// DefaultUnitsPerFile is RocketMQ's mappedFileSizeConsumeQueue / 20:
// 300,000 units, 6,000,000-byte files.
const DefaultUnitsPerFile = 300_000

// blankSize marks a blank unit that fills a gap.
const blankSize = math.MaxInt32

var (
	// ErrClosed is returned by calls after Close.
	ErrClosed = errors.New("consumequeue: closed")
	// ErrNotFound means a logical offset holds no unit.
	ErrNotFound = errors.New("consumequeue: no unit at that offset")
)

// Unit is one consume-queue entry: where a message is in the commit log.
type Unit struct {
	CommitLogOffset int64
	Size            int32
	TagsCode        int64
}

// IsBlank reports whether u only fills a gap.
func (u Unit) IsBlank() bool { return u.Size == blankSize && u.CommitLogOffset == 0 }

// DecodeUnit reads the unit at the start of b.
func DecodeUnit(b []byte) Unit {
	return Unit{
		CommitLogOffset: int64(binary.BigEndian.Uint64(b)),
		Size:            int32(binary.BigEndian.Uint32(b[8:])),
		TagsCode:        int64(binary.BigEndian.Uint64(b[12:])),
	}
}

func encodeUnit(b []byte, u Unit) {
	binary.BigEndian.PutUint64(b, uint64(u.CommitLogOffset))
	binary.BigEndian.PutUint32(b[8:], uint32(u.Size))
	binary.BigEndian.PutUint64(b[12:], uint64(u.TagsCode))
}

// Written reports whether the bytes of a unit were ever written: zeros mean
// the end of the queue (a real first message at offset 0 has a size).
// Recovery keeps the units up to the first that is not.
func Written(u Unit) bool { return u.CommitLogOffset >= 0 && u.Size > 0 }

// Queue is the consume queue of one topic and queue id.
type Queue struct {
	topic   string
	queueID int32
	files   *mappedfile.Queue

	putMu          sync.Mutex   // the single writer's lock
	reserved       [2]int64     // queue bytes [from, to) known to have their pages allocated (guarded by putMu)
	minLogicOffset atomic.Int64 // logical offset of the first unit still served
	maxPhysical    atomic.Int64 // end (offset+size) of the last unit's record
	closed         atomic.Bool
	clean          bool // opened after a clean close: see Options.CleanShutdown
}

// Dir is the directory of topic/queueID below root.
func Dir(root, topic string, queueID int32) string {
	return filepath.Join(root, topic, strconv.Itoa(int(queueID)))
}

// Open opens (creating if needed) the consume queue of topic/queueID under
// root and recovers its valid prefix.
func Open(root, topic string, queueID int32, opts *Options) (*Queue, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.WithDefaults()
	files, err := mappedfile.OpenQueue(Dir(root, topic, queueID), mappedfile.QueueOptions{
		FileSize: o.UnitsPerFile * UnitSize,
		FS:       o.FS,
		// As RocketMQ's: a file takes space only where units were written,
		// so thousands of queues with a few messages each cost a page each
		// rather than 6 MB each.
		Sparse:            true,
		OnBackgroundError: o.OnBackgroundError,
	})
	if err != nil {
		return nil, fmt.Errorf("consumequeue: open %s/%d: %w", topic, queueID, err)
	}
	q := &Queue{topic: topic, queueID: queueID, files: files, clean: o.CleanShutdown}
	if err := q.recover(); err != nil {
		files.Close()
		return nil, err
	}
	return q, nil
}

// recover finds the end of the valid units, from the third-last file on,
// and truncates the rest.
func (q *Queue) recover() error {
	all := q.files.Files()
	if len(all) == 0 {
		return nil
	}
	// Start at the third-last file, or earlier while the start file's first
	// unit was never made durable (files are created before anything
	// durable reaches them).
	start := max(0, len(all)-3)
	for start > 0 && !firstUnitValid(all[start]) {
		start--
	}
	end := all[start].StartOffset()
	var last Unit
scan:
	for _, f := range all[start:] {
		s, err := f.SliceFrom(0)
		if err != nil {
			return err
		}
		for pos := 0; pos+UnitSize <= len(s.Bytes); pos += UnitSize {
			u := DecodeUnit(s.Bytes[pos:])
			if !Written(u) {
				s.Release()
				break scan
			}
			end = f.StartOffset() + int64(pos+UnitSize)
			if !u.IsBlank() {
				last = u
			}
		}
		s.Release()
	}
	truncate := q.files.TruncateAfter
	if q.clean {
		truncate = q.files.SetEnd
	}
	if err := truncate(end); err != nil {
		return err
	}
	if last.Size > 0 {
		q.maxPhysical.Store(last.CommitLogOffset + int64(last.Size))
	}
	q.minLogicOffset.Store(q.firstUnitOffset())
	return nil
}

func firstUnitValid(f *mappedfile.File) bool {
	s, err := f.Slice(0, UnitSize)
	if err != nil {
		return false
	}
	defer s.Release()
	return Written(DecodeUnit(s.Bytes))
}

// firstUnitOffset is the logical offset of the first non-blank unit of the
// first file (the blank units an empty queue starts with are not served),
// or that file's first unit when it holds none.
func (q *Queue) firstUnitOffset() int64 {
	f := q.files.First()
	if f == nil {
		return 0
	}
	first := f.StartOffset() / UnitSize
	found := first
	q.scanFile(f, first, func(logic int64, u Unit) bool {
		if !u.IsBlank() {
			found = logic
			return false
		}
		return true
	})
	return found
}

// Topic is the queue's topic.
func (q *Queue) Topic() string { return q.topic }

// QueueID is the queue's id.
func (q *Queue) QueueID() int32 { return q.queueID }

// MinOffset is the first logical offset still served.
func (q *Queue) MinOffset() int64 { return q.minLogicOffset.Load() }

// MaxOffset is the logical offset the next unit gets.
func (q *Queue) MaxOffset() int64 { return q.files.MaxOffset() / UnitSize }

// MaxPhysicalOffset is the commit-log offset just past the last unit's
// record: how far the dispatcher has fed this queue.
func (q *Queue) MaxPhysicalOffset() int64 { return q.maxPhysical.Load() }

// Put writes u at logical offset logic. A unit below the end is ignored (a
// repeated dispatch after recovery writes nothing twice); a gap is filled
// with blank units; an empty queue starts at logic.
func (q *Queue) Put(logic int64, u Unit) error {
	if logic < 0 || u.Size <= 0 || u.CommitLogOffset < 0 {
		return fmt.Errorf("consumequeue: invalid unit %+v at %d", u, logic)
	}
	q.putMu.Lock()
	defer q.putMu.Unlock()
	if q.closed.Load() {
		return ErrClosed
	}
	want := logic * UnitSize
	if q.files.Empty() {
		if err := q.startAt(want); err != nil {
			return err
		}
	}
	for {
		end := q.files.MaxOffset()
		if want < end {
			return nil
		}
		f, err := q.files.Writable(want)
		if err != nil {
			return fmt.Errorf("consumequeue: %s/%d: %w", q.topic, q.queueID, err)
		}
		if err := q.reserve(f, end, UnitSize); err != nil {
			return err
		}
		if want > end {
			encodeUnit(f.Writable(), Unit{Size: blankSize})
		} else {
			encodeUnit(f.Writable(), u)
		}
		f.Advance(UnitSize)
		if want == end {
			q.maxPhysical.Store(u.CommitLogOffset + int64(u.Size))
			return nil
		}
	}
}

// pageSize is the unit of reservations.
const pageSize = 4096

// reserve allocates the pages of f holding the queue bytes [at, at+n)
// before they are written: the files are sparse, and a write into a hole
// of a full disk would kill the process; this fails instead, with an error
// matching mappedfile.ErrDiskFull. Pages are reserved one at a time as the
// queue reaches them, so that a queue with few units takes a page.
func (q *Queue) reserve(f *mappedfile.File, at int64, n int) error {
	if at >= q.reserved[0] && at+int64(n) <= q.reserved[1] {
		return nil
	}
	pos := int(at - f.StartOffset())
	size := min(f.Size()-pos, max(n, pageSize-pos%pageSize))
	if err := f.Reserve(pos, size); err != nil {
		return fmt.Errorf("consumequeue: %s/%d: %w", q.topic, q.queueID, err)
	}
	q.reserved = [2]int64{at, at + int64(size)}
	return nil
}

// startAt makes an empty queue begin at byte want: the file holding it is
// created and blank units fill it up to want.
func (q *Queue) startAt(want int64) error {
	f, err := q.files.Writable(want)
	if err != nil {
		return err
	}
	from := f.StartOffset() + int64(f.WrotePosition())
	if err := q.reserve(f, from, int(want-from)+UnitSize); err != nil {
		return err
	}
	for int64(f.WrotePosition())+f.StartOffset() < want {
		encodeUnit(f.Writable(), Unit{Size: blankSize})
		f.Advance(UnitSize)
	}
	q.minLogicOffset.Store(want / UnitSize)
	return nil
}

// Unit returns the unit at logical offset logic.
func (q *Queue) Unit(logic int64) (Unit, error) {
	if logic < q.MinOffset() || logic >= q.MaxOffset() {
		return Unit{}, fmt.Errorf("%w: %d not in [%d, %d)", ErrNotFound, logic, q.MinOffset(), q.MaxOffset())
	}
	s, err := q.files.Slice(logic*UnitSize, UnitSize)
	if err != nil {
		return Unit{}, fmt.Errorf("%w: %d: %w", ErrNotFound, logic, err)
	}
	defer s.Release()
	return DecodeUnit(s.Bytes), nil
}

// Scan calls fn for the units from logical offset from on, across files,
// until fn returns false or the end is reached. It returns the logical
// offset after the last unit fn was given.
func (q *Queue) Scan(from int64, fn func(logic int64, u Unit) bool) (int64, error) {
	next := max(from, q.MinOffset())
	for next < q.MaxOffset() {
		f := q.files.FindByOffset(next * UnitSize)
		if f == nil {
			return next, fmt.Errorf("%w: %d", ErrNotFound, next)
		}
		n, more := q.scanFile(f, next, fn)
		next = n
		if !more {
			break
		}
	}
	return next, nil
}

// scanFile feeds fn the units of f from logical offset from; more reports
// whether fn wants more.
func (q *Queue) scanFile(f *mappedfile.File, from int64, fn func(int64, Unit) bool) (next int64, more bool) {
	pos := int(from*UnitSize - f.StartOffset())
	s, err := f.SliceFrom(pos)
	if err != nil {
		return from, false
	}
	defer s.Release()
	next = from
	for at := 0; at+UnitSize <= len(s.Bytes); at += UnitSize {
		next++
		if !fn(next-1, DecodeUnit(s.Bytes[at:])) {
			return next, false
		}
	}
	return next, true
}
