package store

import (
	"github.com/rocketstore/rocketstore/consumequeue"
	"github.com/rocketstore/rocketstore/message"
)

// checkQueues checks every consume queue: its files, and every unit
// against the record it points at.
func (c *checker) checkQueues() error {
	return c.d.eachQueue(func(k queueKey, files []*dirFile) error {
		sum := QueueSummary{Topic: k.topic, QueueID: k.queueID, Files: len(files), MinOffset: -1}
		err := c.checkQueue(k, files, &sum)
		for _, f := range files {
			if uerr := f.unmap(); err == nil {
				err = uerr
			}
		}
		if sum.MinOffset < 0 {
			sum.MinOffset = sum.MaxOffset
		}
		c.rep.Queues = append(c.rep.Queues, sum)
		return err
	})
}

// queueCursor is the state of a walk along one queue's units.
type queueCursor struct {
	k       queueKey
	path    string // the file being walked
	pos     int    // position of the unit in it
	logic   int64  // the unit's logical offset
	lastEnd int64  // end of the last unit's record, for the order check
	ended   bool   // a zero unit was met: only zeros may follow
}

// checkQueue walks one queue's units.
func (c *checker) checkQueue(k queueKey, files []*dirFile, sum *QueueSummary) error {
	if len(files) == 0 {
		return nil
	}
	size := files[0].size
	if size%consumequeue.UnitSize != 0 {
		c.problem(KindConsumeQueue, files[0].path, -1, -1, "%d bytes, not a whole number of %d-byte units", size, consumequeue.UnitSize)
		return nil
	}
	cur := queueCursor{k: k}
	for i, f := range files {
		if f.size != size || f.start%consumequeue.UnitSize != 0 || i > 0 && f.start != files[i-1].start+size {
			c.problem(KindConsumeQueue, f.path, -1, -1, "%d bytes at queue byte %d: files must be of %d bytes and follow each other", f.size, f.start, size)
			return nil
		}
		b, err := f.bytes(c.d.fs)
		if err != nil {
			return err
		}
		cur.path = f.path
		for pos := 0; pos+consumequeue.UnitSize <= len(b); pos += consumequeue.UnitSize {
			cur.pos, cur.logic = pos, (f.start+int64(pos))/consumequeue.UnitSize
			if !c.checkUnit(&cur, b[pos:pos+consumequeue.UnitSize], sum) {
				c.progress(f.size)
				return nil // one problem per queue: the rest follows from it
			}
		}
		c.progress(f.size)
	}
	return nil
}

// checkUnit checks one unit and reports whether the walk may go on.
func (c *checker) checkUnit(cur *queueCursor, b []byte, sum *QueueSummary) bool {
	u := consumequeue.DecodeUnit(b)
	phys, size, tags := u.CommitLogOffset, u.Size, u.TagsCode
	bad := func(offset int64, format string, args ...any) bool {
		args = append([]any{cur.k.topic, cur.k.queueID, cur.logic}, args...)
		c.problem(KindConsumeQueue, cur.path, int64(cur.pos), offset, "%s/%d unit %d: "+format, args...)
		return false
	}
	switch {
	case isZero(b):
		cur.ended = true
		return true
	case cur.ended:
		return bad(-1, "data after the end of the queue")
	}
	sum.MaxOffset = cur.logic + 1
	if u.IsBlank() {
		return true // a blank unit filling a gap
	}
	if phys < 0 || size <= 0 {
		return bad(-1, "offset %d and size %d are not a unit's", phys, size)
	}
	if phys < cur.lastEnd {
		return bad(phys, "points at %d, before the previous unit's record, which ends at %d", phys, cur.lastEnd)
	}
	cur.lastEnd = phys + int64(size)
	sum.Units++
	if phys < c.logMin {
		sum.Expired++
		return true // its record was deleted by cleanup
	}
	if sum.MinOffset < 0 {
		sum.MinOffset = cur.logic
	}
	if phys >= c.logEnd {
		return bad(phys, "points at %d, past the end of the log's valid records %d", phys, c.logEnd)
	}
	rec, err := c.d.recordAt(phys)
	if err != nil {
		return bad(phys, "points at no record: %v", err)
	}
	switch {
	case rec.Topic != cur.k.topic || rec.QueueID != cur.k.queueID:
		return bad(phys, "points at a record of %s/%d", rec.Topic, rec.QueueID)
	case rec.QueueOffset != cur.logic:
		return bad(phys, "points at the record of queue offset %d", rec.QueueOffset)
	case rec.StoreSize != size:
		return bad(phys, "says size %d, the record has %d", size, rec.StoreSize)
	}
	switch message.TransactionType(rec.SysFlag) {
	case message.TransactionPreparedType, message.TransactionRollbackType:
		return bad(phys, "points at a prepared or rolled-back transaction record, which is never consumed")
	}
	// A delayed message's tag is its delivery time, which depends on the
	// delay levels of the store that wrote it.
	if rec.Topic != ScheduleTopic && tags != tagsCode(&rec) {
		return bad(phys, "tags code %d, the record's tags %q hash to %d", tags, rec.Tags(), tagsCode(&rec))
	}
	return true
}
