package timer

import (
	"fmt"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// timerLog is the append-only run of fixed-size units, in files of a whole
// number of units (so no unit spans two files and no filler is needed).
// Only the timer's loop goroutine appends and reads it.
type timerLog struct {
	q        *mappedfile.Queue
	fileSize int64
	// lastWalk is, per file (by start offset), the latest walk time of its
	// units: a file whose every slot is delivered can go.
	lastWalk map[int64]int64
}

func openTimerLog(dir string, fsys mappedfile.FS, fileSize int) (*timerLog, error) {
	q, err := mappedfile.OpenQueue(dir, mappedfile.QueueOptions{FileSize: fileSize, FS: fsys})
	if err != nil {
		return nil, fmt.Errorf("timer: open timer log: %w", err)
	}
	return &timerLog{q: q, fileSize: int64(fileSize), lastWalk: map[int64]int64{}}, nil
}

// scan reads every unit from the log's first file on and calls fn with its
// position, until a unit fails to decode (the end of what was written, or
// damage) or fn returns false. It returns where it stopped: the end of the
// valid units. (Files just loaded count as full: it reads them whole.)
func (l *timerLog) scan(fn func(pos int64, u *unit) bool) (int64, error) {
	end := l.q.MinOffset()
	for _, f := range l.q.Files() {
		s, err := f.Slice(0, f.WrotePosition())
		if err != nil {
			return end, fmt.Errorf("timer: read %s: %w", f.Path(), err)
		}
		stop := false
		for i := 0; i+UnitSize <= len(s.Bytes); i += UnitSize {
			u, err := decodeUnit(s.Bytes[i : i+UnitSize])
			pos := f.StartOffset() + int64(i)
			if err != nil || !fn(pos, &u) {
				stop = true
				break
			}
			l.noteWalk(pos, u.walkMs)
			end = pos + UnitSize
		}
		s.Release()
		if stop {
			break
		}
	}
	return end, nil
}

// truncate makes end the log's end: later units go, the rest of the file
// holding end is zeroed (a torn unit can never be read back).
func (l *timerLog) truncate(end int64) error {
	for start := range l.lastWalk {
		if start >= end {
			delete(l.lastWalk, start)
		}
	}
	if l.q.Empty() {
		return nil
	}
	if err := l.q.TruncateAfter(end); err != nil {
		return fmt.Errorf("timer: truncate timer log at %d: %w", end, err)
	}
	return nil
}

// startAt makes an empty log begin at pos, a multiple of the file size.
func (l *timerLog) startAt(pos int64) error { return l.q.StartAt(pos) }

func (l *timerLog) noteWalk(pos, walkMs int64) {
	start := pos - pos%l.fileSize
	if cur, ok := l.lastWalk[start]; !ok || walkMs > cur {
		l.lastWalk[start] = walkMs
	}
}

// end is where the next unit goes.
func (l *timerLog) end() int64 { return l.q.MaxOffset() }

// append writes u at the end and returns its position.
func (l *timerLog) append(u *unit) (int64, error) {
	f, err := l.q.Writable(l.q.MaxOffset())
	if err != nil {
		return 0, fmt.Errorf("timer: timer log: %w", err)
	}
	pos := f.StartOffset() + int64(f.WrotePosition())
	u.encode(f.Writable()[:UnitSize])
	f.Advance(UnitSize)
	l.noteWalk(pos, u.walkMs)
	return pos, nil
}

// read decodes the unit at pos.
func (l *timerLog) read(pos int64) (unit, error) {
	s, err := l.q.Slice(pos, UnitSize)
	if err != nil {
		return unit{}, fmt.Errorf("timer: read unit at %d: %w", pos, err)
	}
	defer s.Release()
	u, err := decodeUnit(s.Bytes)
	if err != nil {
		return u, fmt.Errorf("at %d: %w", pos, err)
	}
	return u, nil
}

// flush makes every unit appended so far durable.
func (l *timerLog) flush() error {
	if err := l.q.Flush(0); err != nil {
		return fmt.Errorf("timer: flush timer log: %w", err)
	}
	return nil
}

// deleteDelivered removes files from the front whose units are all walked
// before walkedMs and lie below keepFrom (units a recovery still needs).
func (l *timerLog) deleteDelivered(walkedMs, keepFrom int64) (int, error) {
	n, err := l.q.DeleteFiles(func(f *mappedfile.File) bool {
		last, ok := l.lastWalk[f.StartOffset()]
		return ok && last < walkedMs && f.StartOffset()+l.fileSize <= keepFrom
	}, 0, time.Minute)
	for start := range l.lastWalk {
		if start < l.q.MinOffset() {
			delete(l.lastWalk, start)
		}
	}
	return n, err
}

func (l *timerLog) close() error { return l.q.Close() }
