package timer

import (
	"time"
)

const (
	// maxAdvance bounds the empty slots one step passes, so a timer back
	// from a long stop still reads the topic while it catches up.
	maxAdvance = 4096
	// checkpointEvery units handled also trigger a checkpoint, which
	// bounds what a recovery must find again.
	checkpointEvery = 10000
	retryBackoff    = 100 * time.Millisecond
)

// run is the timer's one goroutine: it walks due slots, reads the timer
// topic, and checkpoints at quiescent points, until Close.
func (t *Timer) run() {
	defer close(t.done)
	sleep := time.NewTimer(time.Hour)
	defer sleep.Stop()
	for {
		select {
		case <-t.quit:
			return
		default:
		}
		now := time.Now()
		busy := t.dequeue(now.UnixMilli())
		busy = t.enqueue(now) || busy
		if len(t.batch) == 0 {
			t.quiet = t.snapshot()
		}
		if err := t.maybeCheckpoint(now); err != nil {
			t.warn("checkpoint", "timer: checkpoint failed", "err", err)
		}
		if busy {
			continue
		}
		sleep.Reset(t.idleWait(time.Now()))
		select {
		case <-t.quit:
			return
		case <-t.notify:
		case <-sleep.C:
		}
	}
}

// idleWait is how long the loop may sleep: until the first taken unit is
// due, or the slot being walked (or the next) opens, or the next poll.
func (t *Timer) idleWait(now time.Time) time.Duration {
	if now.Before(t.backoffUntil) {
		return t.backoffUntil.Sub(now)
	}
	nowMs := now.UnixMilli()
	next := (t.read + 1) * t.p
	if nowMs < t.read*t.p {
		next = t.read * t.p
	}
	if len(t.batch) > 0 {
		next = t.batch[0].due()
	}
	return max(time.Millisecond, min(t.opts.PollInterval, time.Duration(next-nowMs)*time.Millisecond))
}

// maybeCheckpoint writes the last quiescent state when it moved and the
// flush interval passed (or many units were handled).
func (t *Timer) maybeCheckpoint(now time.Time) error {
	if now.Sub(t.lastCpAt) < t.opts.FlushInterval && t.sinceCp < checkpointEvery {
		return nil
	}
	return t.checkpoint(now)
}

// checkpoint makes the last quiescent state durable: the commit log first
// (the deliveries it counts), then the timer log (the units it counts),
// then the checkpoint itself.
func (t *Timer) checkpoint(now time.Time) error {
	c := t.quiet
	c.Timestamp, c.Counter = t.durable.Timestamp, t.durable.Counter
	if c == t.durable {
		return nil
	}
	if err := t.st.FlushCommitLog(); err != nil {
		return err
	}
	if err := t.tlog.flush(); err != nil {
		return err
	}
	c.Timestamp, c.Counter = now.UnixMilli(), t.durable.Counter+1
	if err := t.cpf.store(c); err != nil {
		return err
	}
	t.durable, t.lastCpAt, t.sinceCp = c, now, 0
	t.cpRead = c.ReadTimeMs / t.p
	t.stats.checkpoints.Add(1)
	t.publish(c, true)
	if c.QueueOffset >= t.rebuildBelow {
		t.rebuildBelow, t.rebuildMs = 0, 0
	}
	// A delivery whose message left the commit log can never be met
	// again: forget it.
	minCL, _ := t.st.CommitLogBounds()
	for origin := range t.delivered {
		if origin < minCL {
			delete(t.delivered, origin)
		}
	}
	if _, err := t.tlog.deleteDelivered(c.ReadTimeMs, c.LogEnd); err != nil {
		t.warn("delete", "timer: deleting delivered timer-log files failed", "err", err)
	}
	return nil
}
