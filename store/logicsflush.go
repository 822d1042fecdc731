package store

import (
	"errors"
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
	o := &f.s.opts
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
		_ = f.s.flushLogics(thorough)
	}
}

func (f *logicsFlusher) stop() {
	close(f.quit)
	<-f.done
}

// flushLogics flushes the consume queues (all their dirty pages when
// thorough, else those with enough pages waiting); a thorough flush also
// flushes the index and then records in the checkpoint how far both are
// durable.
func (s *MessageStore) flushLogics(thorough bool) error {
	// Read before flushing: everything dispatched below it is in the
	// queues and index the flushes below cover.
	dispatched := s.dispatcher.offset()
	lastTS := s.dispatcher.lastTimestamp.Load()
	leastPages := s.opts.FlushConsumeQueueLeastPages
	if thorough {
		leastPages = 0
	}
	var errs []error
	for _, q := range s.queues.all() {
		errs = append(errs, q.Flush(leastPages))
	}
	if !thorough {
		return errors.Join(errs...)
	}
	if s.index != nil {
		errs = append(errs, s.index.Flush())
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	cp, _ := s.cp.load()
	cp.LogicsOffset, cp.IndexOffset = dispatched, dispatched
	if lastTS > 0 {
		cp.LogicsMsgTimestamp, cp.IndexMsgTimestamp = lastTS, lastTS
		if s.log.FlushedOffset() >= dispatched {
			cp.PhysicMsgTimestamp = lastTS
		}
	}
	return s.cp.store(cp)
}
