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
