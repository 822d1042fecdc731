package timer

import (
	"log/slog"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/store"
)

// enqueueBatch is how many timer-topic messages one step asks for.
const enqueueBatch = 256

// enqueue reads the next timer-topic messages and links each into the
// wheel (or delivers it at once when its slot was walked already). It
// stops early, leaving the reading where it is, when a message cannot be
// placed yet. It reports whether it moved.
func (t *Timer) enqueue(now time.Time) bool {
	if now.Before(t.backoffUntil) {
		return false
	}
	r, err := t.st.GetMessage("timer", Topic, 0, t.enq, enqueueBatch, nil)
	if err != nil {
		t.warn("get", "timer: reading the timer topic failed", "offset", t.enq, "err", err)
		t.backoffUntil = now.Add(retryBackoff)
		return false
	}
	defer r.Release()
	start := t.enq
	switch r.Status {
	case store.Found:
		for i, e := range r.Messages {
			q := r.QueueOffsets[i]
			t.skipTo(q, "its message was removed from the commit log")
			if !t.place(now, q, e) {
				return t.enq > start
			}
			t.enq = q + 1
		}
		t.skipTo(r.NextBeginOffset, "its message was removed from the commit log")
	case store.NoMatchedMessage, store.MessageWasRemoving, store.OffsetTooSmall:
		t.skipTo(r.NextBeginOffset, r.Status.String())
	case store.OffsetOverflowBadly:
		// The queue shrank under the reading (the topic was deleted): new
		// messages come from its end.
		t.log.Error("timer: the timer topic's queue ends before the reading; going on from its end", "reading", t.enq, "end", r.MaxOffset)
		t.enq, t.relinked = r.MaxOffset, nil
	}
	return t.enq > start
}

// skipTo moves the reading to q when messages were passed over (their
// commit-log file is gone): their timers are lost, and said so.
func (t *Timer) skipTo(q int64, why string) {
	if q == t.enq {
		return
	}
	if q > t.enq {
		t.stats.lost.Add(q - t.enq)
	}
	t.log.Error("timer: timer messages skipped: "+why, "from", t.enq, "to", q)
	t.enq = q
	for len(t.relinked) > 0 && t.relinked[0].queueOffset < q {
		t.relinked = t.relinked[1:]
	}
}

// place links the timer message at queue offset q into the wheel, or
// delivers it when due already. It returns false when the message must
// wait (the reading stays at q).
func (t *Timer) place(now time.Time, q int64, e commitlog.Entry) bool {
	for len(t.relinked) > 0 && t.relinked[0].queueOffset < q {
		t.relinked = t.relinked[1:]
	}
	if len(t.relinked) > 0 && t.relinked[0].queueOffset == q {
		t.relinked = t.relinked[1:] // linked before the crash
		return true
	}
	rec, err := e.Decode(false)
	if err != nil {
		t.lost(&unit{physOffset: e.Offset, queueOffset: q}, "its record cannot be decoded", err)
		return true
	}
	deliverMs, err := outMs(rec.Properties)
	if err != nil {
		t.lost(&unit{physOffset: e.Offset, queueOffset: q}, "it has no due time", err)
		return true
	}
	if q < t.rebuildBelow && deliverMs < t.rebuildMs {
		return true // the master this timer started from delivered it
	}
	u := unit{deliverMs: deliverMs, walkMs: deliverMs, physOffset: e.Offset, physSize: rec.StoreSize, queueOffset: q}
	slot := deliverMs / t.p
	switch {
	case slot < t.read:
		// Its slot was walked: it is due now.
		if t.seenBefore(u.physOffset) {
			return true
		}
		if t.fire(&u) == again {
			t.backoffUntil = now.Add(retryBackoff)
			return false
		}
		// Taken in as surely as a linked one: enqueued counts every timer
		// message, however late the reading reached it.
		t.stats.enqueued.Add(1)
		t.sinceCp++
		return true
	case slot >= t.cpRead+t.slots:
		// Beyond the wheel as of the last checkpoint: the slots it would
		// reuse may not be free yet. A lag (a timer back from a stop)
		// passes once the walk and a checkpoint move on; a message due
		// beyond the wheel even from now goes round it.
		nowSlot := now.UnixMilli() / t.p
		if slot < nowSlot+t.slots || t.cpRead+t.slots-1 < t.read {
			return false
		}
		u.flags |= flagRoll
		u.walkMs = (t.cpRead + t.slots - 1) * t.p
	}
	return t.link(&u)
}

// link appends u to the timer log and makes it the newest unit of its slot.
func (t *Timer) link(u *unit) bool {
	slot := u.walkMs / t.p
	last, count, ok := t.wheel.get(slot)
	if !ok {
		if held := t.wheel.held(slot); held >= t.cpRead && held != 0 {
			// place keeps this from happening; never overwrite a live slot.
			t.limited(slog.LevelError, "slot", "timer: wheel slot in use by another time", "slot", slot, "held", held)
			t.backoffUntil = time.Now().Add(retryBackoff)
			return false
		}
		last, count = -1, 0
	}
	u.prev = last
	pos, err := t.tlog.append(u)
	if err != nil {
		t.warn("append", "timer: appending to the timer log failed", "err", err)
		t.backoffUntil = time.Now().Add(retryBackoff)
		return false
	}
	t.wheel.set(slot, pos, count+1)
	t.stats.enqueued.Add(1)
	t.stats.pending.Add(1)
	t.sinceCp++
	return true
}
