package store

import (
	"errors"
	"fmt"
	"time"
)

// logicsFlusher flushes consume queues on an interval and, on each
// thorough flush, the index and the checkpoint, as RocketMQ's
// FlushConsumeQueueService does.
type logicsFlusher struct {
	s    *MessageStore
	quit chan struct{}
	done chan struct{}
}

func startLogicsFlusher(s *MessageStore) *logicsFlusher {
	f := &logicsFlusher{s: s, quit: make(chan struct{}), done: make(chan struct{})}
	go f.run()
	return f
}

func (f *logicsFlusher) run() {
	defer close(f.done)
	s := f.s
	o := &s.opts
	tick := time.NewTicker(o.FlushConsumeQueueInterval)
	defer tick.Stop()
	lastThorough := time.Now()
	for {
		select {
		case <-f.quit:
			return
		case <-tick.C:
		}
		thorough := time.Since(lastThorough) >= o.FlushConsumeQueueThorough
		if thorough {
			lastThorough = time.Now()
		}
		// A failed flush is retried on the next tick; the checkpoint only
		// moves after a thorough flush that succeeded.
		start := time.Now()
		res := s.flushLogicsParts(thorough)
		s.report.flushTook("consume queues and index", time.Since(start), o.FlushStallThreshold)
		s.report.taskResult(TaskFlushConsumeQueue, res.queues)
		if thorough {
			s.report.taskResult(TaskFlushIndex, res.index)
			s.report.taskResult(TaskCheckpoint, res.checkpoint)
		}
	}
}

func (f *logicsFlusher) stop() {
	close(f.quit)
	<-f.done
}

// logicsFlush is the outcome of one flush of the derived data, by part.
type logicsFlush struct {
	queues, index, checkpoint error
}

func (r logicsFlush) err() error { return errors.Join(r.queues, r.index, r.checkpoint) }

// flushLogics flushes the consume queues (all their dirty pages when
// thorough, else those with enough pages waiting); a thorough flush also
// flushes the index and then records in the checkpoint how far both are
// durable.
func (s *MessageStore) flushLogics(thorough bool) error { return s.flushLogicsParts(thorough).err() }

func (s *MessageStore) flushLogicsParts(thorough bool) logicsFlush {
	// Read before flushing: everything dispatched below it is in the
	// queues and index the flushes below cover.
	dispatched := s.dispatcher.offset()
	lastTS := s.dispatcher.lastTimestamp.Load()
	leastPages := s.opts.FlushConsumeQueueLeastPages
	if thorough {
		leastPages = 0
	}
	var r logicsFlush
	failed := 0
	for _, q := range s.queues.all() {
		if err := q.Flush(leastPages); err != nil {
			// The first failure says why; thousands of queues failing
			// alike must not make one error of megabytes.
			if failed++; failed == 1 {
				r.queues = fmt.Errorf("%s/%d: %w", q.Topic(), q.QueueID(), err)
			}
		}
	}
	if failed > 1 {
		r.queues = fmt.Errorf("%w (and %d more queues)", r.queues, failed-1)
	}
	if !thorough {
		return r
	}
	if s.index != nil {
		r.index = s.index.Flush()
	}
	if r.queues != nil || r.index != nil {
		r.checkpoint = errors.New("not written: the consume queues or the index did not flush")
		return r
	}
	cp, _ := s.cp.load()
	cp.LogicsOffset, cp.IndexOffset = dispatched, dispatched
	cp.ConfirmPhysOffset = s.confirmedToPersist(dispatched)
	if lastTS > 0 {
		cp.LogicsMsgTimestamp, cp.IndexMsgTimestamp = lastTS, lastTS
		if s.commitLog.FlushedOffset() >= dispatched {
			cp.PhysicMsgTimestamp = lastTS
		}
	}
	// Durable now, so a recovery may trust the log below it.
	cp.CommitLogFlushed = s.commitLog.FlushedOffset()
	r.checkpoint = s.cp.store(cp)
	return r
}
