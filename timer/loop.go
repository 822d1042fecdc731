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

// run is the timer's loop: it walks due slots, reads the timer topic, and
// checkpoints at quiescent points, until Close. Checkpoints are written by
// a goroutine of their own, so that the flushes they wait for never delay
// a delivery.
func (t *Timer) run() {
	defer close(t.done)
	defer t.cpWG.Wait()
	sleep := time.NewTimer(time.Hour)
	defer sleep.Stop()
	for {
		select {
		case <-t.quit:
			return
		case r := <-t.cpDone:
			t.checkpointed(r)
		default:
		}
		now := time.Now()
		busy := t.dequeue(now.UnixMilli())
		busy = t.enqueue(now) || busy
		if len(t.batch) == 0 {
			t.quiet = t.snapshot()
		}
		t.maybeCheckpoint(now)
		if busy {
			continue
		}
		sleep.Reset(t.idleWait(time.Now()))
		select {
		case <-t.quit:
			return
		case r := <-t.cpDone:
			t.checkpointed(r)
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

// cpResult is a checkpoint written (or not: err) in the background.
type cpResult struct {
	c   Checkpoint
	err error
}

// maybeCheckpoint starts writing the last quiescent state when it moved
// and the flush interval passed (or many units were handled), unless a
// write is under way.
func (t *Timer) maybeCheckpoint(now time.Time) {
	if t.cpBusy || now.Sub(t.lastCpAt) < t.opts.FlushInterval && t.sinceCp < checkpointEvery {
		return
	}
	c, ok := t.nextCheckpoint(now)
	if !ok {
		return
	}
	t.cpBusy, t.lastCpAt, t.sinceCp = true, now, 0
	t.cpWG.Go(func() { t.cpDone <- cpResult{c, t.writeCheckpoint(c)} })
}

// checkpointed takes the outcome of a background checkpoint.
func (t *Timer) checkpointed(r cpResult) {
	t.cpBusy = false
	if r.err != nil {
		t.warn("checkpoint", "timer: checkpoint failed", "err", r.err)
		return
	}
	t.durableNow(r.c)
}

// checkpoint writes the last quiescent state now (at Open and Close, when
// no background write is under way).
func (t *Timer) checkpoint(now time.Time) error {
	c, ok := t.nextCheckpoint(now)
	if !ok {
		return nil
	}
	if err := t.writeCheckpoint(c); err != nil {
		return err
	}
	t.durableNow(c)
	return nil
}

// nextCheckpoint is the last quiescent state as the next checkpoint, and
// false when it is the durable one already.
func (t *Timer) nextCheckpoint(now time.Time) (Checkpoint, bool) {
	c := t.quiet
	c.Timestamp, c.Counter = t.durable.Timestamp, t.durable.Counter
	if c == t.durable {
		return c, false
	}
	c.Timestamp, c.Counter = now.UnixMilli(), t.durable.Counter+1
	return c, true
}

// writeCheckpoint makes c durable: the commit log first (the deliveries it
// counts), then the timer log (the units it counts), then c itself. It
// touches nothing the loop owns.
func (t *Timer) writeCheckpoint(c Checkpoint) error {
	if err := t.st.FlushCommitLog(); err != nil {
		return err
	}
	if err := t.tlog.flush(); err != nil {
		return err
	}
	return t.cpf.store(c)
}

// durableNow records that c is on disk: slots before it may be reused,
// and what it made unnecessary goes.
func (t *Timer) durableNow(c Checkpoint) {
	t.durable = c
	t.cpRead = c.ReadTimeMs / t.p
	t.stats.checkpoints.Add(1)
	t.publish(c, true)
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
}
