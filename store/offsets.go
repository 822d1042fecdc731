package store

import (
	"sync"

	"github.com/rocketstore/rocketstore/message"
)

// queueOffsets assigns consume-queue offsets to records as the commit log
// appends them (under its append lock). A queue's counter starts from its
// consume queue's end, which is complete once the store has re-dispatched
// the recovered log.
type queueOffsets struct {
	queues *queueTable

	mu   sync.Mutex // the append lock already orders calls; this guards reset
	next map[queueKey]int64
}

func newQueueOffsets(queues *queueTable) *queueOffsets {
	return &queueOffsets{queues: queues, next: make(map[queueKey]int64)}
}

// AssignQueueOffset implements commitlog.QueueOffsetAssigner. Prepared and
// rolled-back transaction records get offset 0 and take no slot: they never
// enter a consume queue.
func (o *queueOffsets) AssignQueueOffset(m *message.Message) int64 {
	switch message.TransactionType(m.SysFlag) {
	case message.TransactionPreparedType, message.TransactionRollbackType:
		return 0
	}
	k := queueKey{m.Topic, m.QueueID}
	o.mu.Lock()
	n, ok := o.next[k]
	if !ok {
		if q := o.queues.find(m.Topic, m.QueueID); q != nil {
			n = q.MaxOffset()
		}
	}
	o.next[k] = n + 1
	o.mu.Unlock()
	return n
}

// reset drops every counter: the commit log was cut back, so the next
// offsets come from the consume queues again.
func (o *queueOffsets) reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	clear(o.next)
}

// forget drops topic's counters (the topic was deleted).
func (o *queueOffsets) forget(topic string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for k := range o.next {
		if k.topic == topic {
			delete(o.next, k)
		}
	}
}

// RecoverQueueOffsets counts the queue offsets of the next puts again from
// the consume queues (RocketMQ's recoverTopicQueueTable). A replica that
// becomes master calls it once every record it holds is dispatched
// (WaitDispatched): the offsets it counted before, if any, predate the
// records its old master sent.
func (s *MessageStore) RecoverQueueOffsets() {
	s.putMu.Lock()
	defer s.putMu.Unlock()
	s.offsets.reset()
}
