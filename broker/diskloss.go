package broker

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rocketstore/rocketstore/store"
)

// unconsumedLoss counts the messages a forced cleanup (a full disk, with
// cleanFileForciblyEnable) deleted before the consumer groups that had
// committed offsets in their queues read them. After such a cleanup the
// next housekeeping compares every committed offset with its queue's new
// first offset; the messages between, not counted before, are lost.
type unconsumedLoss struct {
	pending atomic.Bool  // an early deletion happened since the last count
	lost    atomic.Int64 // messages counted since the broker started

	mu        sync.Mutex
	countedTo map[string]int64 // "topic@group/queue" → first offset counted up to
}

// noteDeletion is told of every cleanup's deleted files (store events).
func (u *unconsumedLoss) noteDeletion(i store.FilesDeletedInfo) {
	if i.Kind == store.KindCommitLog && i.Early > 0 {
		u.pending.Store(true)
	}
}

// countUnconsumedLoss counts and logs, after a forced cleanup, the
// messages deleted before their groups consumed them.
func (b *Broker) countUnconsumedLoss() {
	u := &b.loss
	if !u.pending.Swap(false) {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.countedTo == nil {
		u.countedTo = map[string]int64{}
	}
	lostByGroup := map[string]int64{}
	for key, queues := range b.offsets.snapshot().OffsetTable {
		topic, _, _ := strings.Cut(key, "@")
		for qid, committed := range queues {
			id, err := strconv.Atoi(qid)
			if err != nil {
				continue
			}
			first := b.store.GetMinOffsetInQueue(topic, int32(id))
			k := key + "/" + qid
			from := max(committed, u.countedTo[k])
			if first > from {
				lostByGroup[key] += first - from
				u.countedTo[k] = first
			}
		}
	}
	for key, n := range lostByGroup {
		u.lost.Add(n)
		topic, group, _ := strings.Cut(key, "@")
		b.log.Warn("forced cleanup deleted messages a group had not consumed", "topic", topic, "group", group,
			"messages", n, "totalSinceStart", u.lost.Load())
	}
}

// diskLossMetrics publish what a full disk cost: files cleanup deleted
// early, messages deleted unconsumed, records left out of the index.
func (b *Broker) diskLossMetrics() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rocketstore_cleanup_early_deleted_files_total",
			Help: "Commit-log files a forced cleanup (full disk) deleted before fileReservedTime."},
			func() float64 { return float64(b.store.EarlyDeletedFiles()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rocketstore_index_skipped_records_total",
			Help: "Records dispatched to their consume queue without their keys: the disk was too full for the index."},
			func() float64 { return float64(b.store.UnindexedRecords()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rocketstore_cleanup_unconsumed_messages_deleted_total",
			Help: "Messages a forced cleanup deleted before a consumer group with an offset in their queue consumed them."},
			func() float64 { return float64(b.loss.lost.Load()) }),
	}
}
