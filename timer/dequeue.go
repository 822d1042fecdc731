package timer

import (
	"cmp"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/store"
)

// dequeue delivers what is due: the taken units whose time came, else the
// next units of the slot being walked, else it moves to the next slot once
// the walked one's time has passed. It reports whether it did anything.
func (t *Timer) dequeue(nowMs int64) bool {
	if time.Now().Before(t.backoffUntil) {
		return false
	}
	if len(t.batch) > 0 {
		return t.deliverDue(nowMs)
	}
	for i := range maxAdvance {
		if nowMs < t.read*t.p {
			return i > 0 // the slot's time has not come
		}
		if last, _, ok := t.wheel.get(t.read); ok && last > t.walked {
			t.take(last)
			t.deliverDue(nowMs)
			return true
		}
		if nowMs < (t.read+1)*t.p {
			return i > 0 // more may be linked into the slot while it lasts
		}
		t.read, t.walked = t.read+1, -1
		_, t.slotCL = t.st.CommitLogBounds()
	}
	return true
}

// take fills the batch with the oldest units of slot read above walked,
// at most BatchUnits of them, by the time they are due. The chain runs from
// the newest unit back, so the walk keeps the last ones it sees; the batch
// then covers every unit of the slot up to its newest, and walked can move
// there once it is delivered.
func (t *Timer) take(top int64) {
	n := t.opts.BatchUnits
	ring := make([]pending, 0, min(n, 1024))
	seen := 0
	for pos := top; pos > t.walked; {
		u, err := t.tlog.read(pos)
		if err != nil {
			t.log.Error("timer: a slot's chain is broken; its older units are lost", "slot", t.read, "pos", pos, "err", err)
			break
		}
		if len(ring) < n {
			ring = append(ring, pending{pos, u})
		} else {
			ring[seen%n] = pending{pos, u}
		}
		seen++
		pos = u.prev
	}
	if len(ring) == 0 {
		t.walked = top // nothing of the slot can be reached: do not retry
		return
	}
	t.batch = ring
	t.batchTop = -1
	for _, p := range ring {
		t.batchTop = max(t.batchTop, p.pos)
	}
	slices.SortStableFunc(t.batch, func(a, b pending) int {
		return cmp.Compare(a.due(), b.due())
	})
}

// deliverDue puts the due units of the batch, Parallelism at a time. A
// unit whose put failed for a reason that may pass stays for a retry, and
// the timer backs off; walked moves only when the batch is empty.
func (t *Timer) deliverDue(nowMs int64) bool {
	n, _ := slices.BinarySearchFunc(t.batch, nowMs+1, func(p pending, target int64) int {
		return cmp.Compare(p.due(), target)
	})
	if n == 0 {
		return false
	}
	var retry []pending
	for chunk := range slices.Chunk(t.batch[:n], max(1, t.opts.Parallelism)) {
		retry = append(retry, t.fireAll(chunk)...)
	}
	t.sinceCp += int64(n - len(retry))
	t.batch = append(retry, t.batch[n:]...)
	if len(retry) > 0 {
		t.backoffUntil = time.Now().Add(retryBackoff)
	}
	if len(t.batch) == 0 {
		t.walked = t.batchTop
	}
	return true
}

// fireAll delivers the units at once and returns those to retry.
func (t *Timer) fireAll(units []pending) []pending {
	outcomes := make([]outcome, len(units))
	var wg sync.WaitGroup
	for i := range units {
		if t.seenBefore(units[i].u.physOffset) {
			outcomes[i] = done
			continue
		}
		wg.Go(func() { outcomes[i] = t.fire(&units[i].u) })
	}
	wg.Wait()
	var retry []pending
	for i, o := range outcomes {
		if o == again {
			retry = append(retry, units[i])
		} else {
			t.stats.pending.Add(-1)
		}
	}
	return retry
}

// seenBefore reports whether the timer at origin was delivered (or rolled)
// before a crash, and forgets it then: it is met once more at most.
func (t *Timer) seenBefore(origin int64) bool {
	if _, ok := t.delivered[origin]; !ok {
		return false
	}
	delete(t.delivered, origin)
	t.stats.deduplicated.Add(1)
	return true
}

type outcome int

const (
	done  outcome = iota // delivered, rolled, or lost for good (logged)
	again                // may work later
)

// fire puts the message of u into its real topic (or back into the timer
// topic, for a roll). It is safe to call concurrently.
func (t *Timer) fire(u *unit) outcome {
	rec, err := t.st.LookMessageByOffset(u.physOffset)
	if err == nil && (rec.Topic != Topic || rec.QueueOffset != u.queueOffset || rec.StoreSize != u.physSize) {
		err = errNotTimerTopic
	}
	if errors.Is(err, store.ErrClosed) {
		return again
	}
	if err != nil {
		t.lost(u, "its message cannot be read", err)
		return done
	}
	m, err := delivered(&rec, u.physOffset, u.roll())
	if err != nil {
		t.lost(u, "its message names no real topic", err)
		return done
	}
	res, err := t.st.PutMessage(t.ctx, &m)
	switch {
	case err == nil || res.Size > 0: // stored; a flush that timed out is the store's to report
	case errors.Is(err, store.ErrMessageIllegal), errors.Is(err, store.ErrMessageTooLarge):
		t.lost(u, "the store refuses its message", err)
		return done
	default:
		t.limited(slog.LevelWarn, "put", "timer: delivery failed; retrying", "topic", m.Topic, "err", err)
		return again
	}
	if u.roll() {
		t.stats.rolled.Add(1)
	} else {
		t.stats.delivered.Add(1)
	}
	return done
}

func (t *Timer) lost(u *unit, why string, err error) {
	t.stats.lost.Add(1)
	t.limited(slog.LevelError, "lost", "timer: a timer message is lost: "+why, "offset", u.physOffset, "queueOffset", u.queueOffset, "deliverMs", u.deliverMs, "err", err)
}
