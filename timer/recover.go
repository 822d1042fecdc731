package timer

import (
	"path/filepath"
	"time"

	"github.com/rocketstore/rocketstore/message"
)

// recover brings the timer back from its checkpoint (ok false: none) and
// its timer log, rebuilds the wheel, and finds what was delivered after
// the checkpoint. See the package documentation.
func (t *Timer) recover(cp Checkpoint, ok bool) error {
	minCL, maxCL := t.st.CommitLogBounds()
	qMin, qMax := t.st.GetMinOffsetInQueue(Topic, 0), t.st.GetMaxOffsetInQueue(Topic, 0)
	rebuild := false
	if !ok {
		// A first start, or a lost checkpoint: every timer message still in
		// the topic is read again, and the whole commit log tells what was
		// delivered.
		cp = Checkpoint{ReadTimeMs: time.Now().UnixMilli(), QueueOffset: qMin, Walked: -1,
			CommitLog: minCL, SlotCommitLog: minCL, PrecisionMs: t.p}
		rebuild = !t.tlog.q.Empty()
	}
	if cp.FromMaster {
		rebuild = true
		t.log.Info("timer: starting from the checkpoint copied from the master", "queueOffset", cp.QueueOffset, "readTimeMs", cp.ReadTimeMs)
	}
	p := cp.PrecisionMs // the units were linked with it
	read := cp.ReadTimeMs / p
	live, maxSlot := int64(0), read
	end := t.tlog.q.MinOffset()
	if !rebuild {
		var err error
		end, err = t.tlog.scan(func(pos int64, u *unit) bool {
			if u.physOffset >= maxCL {
				return false // its message is gone with the commit log's lost tail
			}
			if pos >= cp.LogEnd {
				t.relinked = append(t.relinked, relinkedUnit{u.queueOffset, pos})
			}
			if s := u.walkMs / p; s > read || s == read && pos > cp.Walked {
				live++
				maxSlot = max(maxSlot, s)
			}
			return true
		})
		if err != nil {
			return err
		}
		if end < cp.LogEnd {
			t.log.Warn("timer: the timer log ends before its checkpoint; rebuilding it from the timer topic",
				"end", end, "checkpoint", cp.LogEnd)
			rebuild, live, maxSlot, t.relinked = true, 0, read, nil
			end = t.tlog.q.MinOffset()
		}
	}
	if err := t.tlog.truncate(end); err != nil {
		return err
	}
	// A rebuild reads the timer topic from its start: the messages the
	// checkpoint's timer had read and walked past were delivered. (One
	// already rebuilding keeps the rule it started with.)
	t.rebuildBelow, t.rebuildMs = cp.RebuildBelow, cp.RebuildReadMs
	if rebuild {
		if ok && cp.RebuildBelow == 0 {
			t.rebuildBelow, t.rebuildMs = cp.QueueOffset, cp.ReadTimeMs
		}
		cp.QueueOffset, cp.Walked = qMin, -1
		cp.CommitLog = min(cp.CommitLog, cp.SlotCommitLog)
	}
	if cfg := t.opts.Precision.Milliseconds(); cfg != p {
		if live > 0 {
			t.log.Warn("timer: keeping the precision its pending timers were linked with", "precisionMs", p, "configuredMs", cfg)
		} else {
			p, read, maxSlot = cfg, cp.ReadTimeMs/cfg, cp.ReadTimeMs/cfg
			cp.Walked = -1
		}
	}
	t.p, t.read, t.walked, t.cpRead = p, read, cp.Walked, read
	t.slots = max(wheelSlots(t.opts.MaxDelay, time.Duration(p)*time.Millisecond), maxSlot-read+1)
	if err := t.rebuildWheel(); err != nil {
		return err
	}
	t.enq = min(max(cp.QueueOffset, qMin), qMax)
	if t.enq != cp.QueueOffset {
		t.log.Warn("timer: the timer topic's queue moved; reading it from its bounds", "checkpoint", cp.QueueOffset, "from", t.enq, "min", qMin, "max", qMax)
	}
	t.slotCL = min(cp.SlotCommitLog, maxCL)
	if err := t.findDelivered(max(cp.CommitLog, minCL)); err != nil {
		return err
	}
	if ok {
		t.durable = cp
	}
	t.quiet, t.lastCpAt = t.snapshot(), time.Now()
	t.publish(t.durable, ok)
	t.log.Info("timer: recovered", "pending", t.stats.pending.Load(), "queueOffset", t.enq, "readTimeMs", t.read*t.p,
		"relinked", len(t.relinked), "deliveredBeforeCrash", len(t.delivered), "rebuild", rebuild)
	return nil
}

// rebuildWheel makes a fresh wheel and links every live unit into it, in
// log order, so each slot names its newest unit.
func (t *Timer) rebuildWheel() error {
	w, err := createWheel(t.opts.FS, filepath.Join(t.dir, "timerwheel"), t.slots)
	if err != nil {
		return err
	}
	t.wheel = w
	live := int64(0)
	_, err = t.tlog.scan(func(pos int64, u *unit) bool {
		if pos >= t.tlog.end() {
			return false
		}
		s := u.walkMs / t.p
		if s < t.read || s == t.read && pos <= t.walked {
			return true // delivered
		}
		_, count, _ := w.get(s)
		w.set(s, pos, count+1)
		live++
		return true
	})
	t.stats.pending.Store(live)
	return err
}

// findDelivered collects the origins of the messages the timer put at or
// after from: the deliveries (and rolls) made after the checkpoint, which
// re-walking must not repeat.
func (t *Timer) findDelivered(from int64) error {
	t.delivered = map[int64]struct{}{}
	err := t.st.ScanCommitLog(from, func(r *message.Record) bool {
		if origin, ok := originOf(r.Properties); ok {
			t.delivered[origin] = struct{}{}
		}
		return true
	})
	t.stickyCL = from
	return err
}

// logEndForCheckpoint is the LogEnd a checkpoint taken now may record:
// the first unit Open relinked that the reading has not passed yet (a
// crash must find it again), else the log's end.
func (t *Timer) logEndForCheckpoint() int64 {
	if len(t.relinked) > 0 {
		return t.relinked[0].pos
	}
	return t.tlog.end()
}

// snapshot is the checkpoint of the state now; the loop takes it when no
// taken unit waits (a quiescent point).
func (t *Timer) snapshot() Checkpoint {
	_, maxCL := t.st.CommitLogBounds()
	c := Checkpoint{ReadTimeMs: t.read * t.p, LogEnd: t.logEndForCheckpoint(), QueueOffset: t.enq, Walked: t.walked,
		CommitLog: maxCL, SlotCommitLog: t.slotCL, PrecisionMs: t.p}
	if len(t.delivered) > 0 {
		c.CommitLog = min(c.CommitLog, t.stickyCL)
	}
	c.SlotCommitLog = min(c.SlotCommitLog, c.CommitLog)
	if t.enq < t.rebuildBelow {
		c.RebuildBelow, c.RebuildReadMs = t.rebuildBelow, t.rebuildMs
	}
	return c
}

// publish makes c what Checkpoint returns.
func (t *Timer) publish(c Checkpoint, ok bool) {
	t.mu.Lock()
	t.published, t.publishedOK = c, ok
	t.mu.Unlock()
}
