package broker

import (
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rocketstore/rocketstore/store"
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

// The gauges computed at scrape time.
var (
	descLag = desc("rocketmq_consumer_lag_messages",
		"Messages stored but not yet consumed (broker max offset minus committed offset), per group, topic and queue.",
		labelTopic, labelGroup, "queue_id")
	descLagLatency = desc("rocketmq_consumer_lag_latency",
		"Age of the oldest unconsumed message of a group in a topic, in milliseconds.", labelTopic, labelGroup)
	descTopics     = desc("rocketmq_topic_number", "Topics on the broker.")
	descGroups     = desc("rocketmq_consumer_group_number", "Consumer groups with committed offsets or a config.")
	descProducers  = desc("rocketmq_producer_connections", "Connections of clients that registered a producer group.")
	descConsumers  = desc("rocketmq_consumer_connections", "Connections of clients that registered a consumer group.")
	descConns      = desc("rocketstore_connections", "Open client connections, by kind (producer, consumer, other).", "kind")
	descStorage    = desc("rocketmq_storage_size", "Bytes of the commit log between its first and last record.")
	descDiskFree   = desc("rocketstore_disk_free_bytes", "Free bytes on the disk holding the store.")
	descDiskTotal  = desc("rocketstore_disk_total_bytes", "Size of the disk holding the store.")
	descDispatch   = desc("rocketmq_storage_dispatch_behind_bytes", "Commit-log bytes not yet dispatched to consume queues and index.")
	descFlush      = desc("rocketmq_storage_flush_behind_bytes", "Commit-log bytes written but not yet flushed to disk.")
	descCommit     = desc("rocketstore_storage_commit_behind_bytes", "Bytes in transient-pool buffers not yet committed to the files.")
	descPoolFree   = desc("rocketstore_transient_pool_free_buffers", "Free write buffers of the transient store pool (absent without one).")
	descLockHeld   = desc("rocketstore_append_lock_held_seconds", "How long the append in progress has held the commit log's lock (page-cache busy above osPageCacheBusyTimeOutMills).")
	descSlaveLag   = desc("rocketstore_replication_lag_bytes", "Commit-log bytes a slave has not acknowledged, per slave.", "slave")
	descSlaveSync  = desc("rocketstore_replication_in_sync", "1 when a slave is within haMaxGapNotInSync of the master.", "slave")
	descDelay      = desc("rocketstore_delay_backlog_messages", "Delayed messages not yet due or delivered, per delay level.", "level")
	descWatermark  = desc("rocketmq_processor_watermark", "Requests waiting in a processor's queue.", "processor")
	descPermission = desc("rocketmq_broker_permission", "The broker's permission (brokerPermission: 6 read-write, 4 read-only).")
)

// stateCollector computes the broker's gauges when the registry is
// gathered, so nothing on the request path keeps them up to date.
type stateCollector struct{ b *Broker }

func newStateCollector(b *Broker) prometheus.Collector { return stateCollector{b} }

// Describe sends every gauge's description.
func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLag, descLagLatency, descTopics, descGroups, descProducers,
		descConsumers, descConns, descStorage, descDiskFree, descDiskTotal, descDispatch, descFlush, descCommit,
		descPoolFree, descLockHeld, descSlaveLag, descSlaveSync, descDelay, descWatermark, descPermission} {
		ch <- d
	}
}

// Collect computes every gauge.
func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	b := c.b
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	now := time.Now()
	groups := map[string]bool{}
	for _, l := range b.consumerLags(now) {
		groups[l.group] = true
		for q, lag := range l.queues {
			gauge(descLag, float64(lag), l.topic, l.group, strconv.Itoa(int(q)))
		}
		gauge(descLagLatency, float64(l.oldestMillis), l.topic, l.group)
	}
	for _, g := range b.groups.names() {
		groups[g] = true
	}
	topics, _ := b.topics.snapshot()
	gauge(descTopics, float64(len(topics)))
	gauge(descGroups, float64(len(groups)))
	gauge(descPermission, float64(b.brokerPermission()))

	kinds := b.clients.countByKind(b.connectionCount())
	gauge(descProducers, float64(kinds.producer))
	gauge(descConsumers, float64(kinds.consumer))
	gauge(descConns, float64(kinds.producer), "producer")
	gauge(descConns, float64(kinds.consumer), "consumer")
	gauge(descConns, float64(kinds.other), "other")

	log := b.store.CommitLog()
	maxOff := log.MaxOffset()
	gauge(descStorage, float64(maxOff-log.MinOffset()))
	gauge(descDispatch, float64(b.store.DispatchBehindBytes()))
	gauge(descFlush, float64(max(maxOff-log.FlushedOffset(), 0)))
	gauge(descCommit, float64(max(maxOff-log.CommittedOffset(), 0)))
	if free, on := log.TransientPoolAvailable(); on {
		gauge(descPoolFree, float64(free))
	}
	gauge(descLockHeld, log.LockHeldFor(now).Seconds())
	if free, total, err := diskSpace(b.store.Root()); err == nil {
		gauge(descDiskFree, float64(free))
		gauge(descDiskTotal, float64(total))
	}
	if m := b.haMaster.Load(); m != nil {
		for _, s := range m.Slaves() {
			gauge(descSlaveLag, float64(max(maxOff-max(s.AckOffset, 0), 0)), s.Addr)
			inSync := 0.0
			if s.InSync {
				inSync = 1
			}
			gauge(descSlaveSync, inSync, s.Addr)
		}
	}
	for level, backlog := range b.schedule.backlog() {
		gauge(descDelay, float64(backlog), strconv.Itoa(level))
	}
	for name, p := range b.poolsByName() {
		gauge(descWatermark, float64(p.Queued()), name)
	}
}

// groupLag is a group's lag in one topic.
type groupLag struct {
	topic, group string
	queues       map[int32]int64 // queue → messages not consumed
	total        int64
	oldestMillis int64 // age of the oldest unconsumed message
}

// consumerLags computes every group's lag from the committed offsets, as
// RocketMQ's ConsumerLagCalculator: the queue's max offset minus the
// group's offset.
func (b *Broker) consumerLags(now time.Time) []groupLag {
	snap := b.offsets.snapshot()
	out := make([]groupLag, 0, len(snap.OffsetTable))
	for key, queues := range snap.OffsetTable {
		topic, group, ok := strings.Cut(key, "@")
		if !ok || topic == store.ScheduleTopic || group == transCheckGroup {
			continue
		}
		l := groupLag{topic: topic, group: group, queues: make(map[int32]int64, len(queues))}
		for qs, off := range queues {
			q, err := strconv.Atoi(qs)
			if err != nil {
				continue
			}
			lag := max(b.store.GetMaxOffsetInQueue(topic, int32(q))-off, 0)
			l.queues[int32(q)] = lag
			l.total += lag
			if lag > 0 {
				if ts, err := b.store.GetMessageStoreTimestamp(topic, int32(q), off); err == nil && ts > 0 {
					l.oldestMillis = max(l.oldestMillis, now.UnixMilli()-ts)
				}
			}
		}
		out = append(out, l)
	}
	return out
}

// backlog returns, per delay level, the delayed messages not yet moved to
// their topic.
func (s *scheduler) backlog() map[int]int64 {
	levels := len(s.b.store.DelayLevels())
	out := make(map[int]int64, levels)
	s.mu.Lock()
	defer s.mu.Unlock()
	for level := 1; level <= levels; level++ {
		queue := int32(level - 1)
		end := s.b.store.GetMaxOffsetInQueue(store.ScheduleTopic, queue)
		start := max(s.offsets[strconv.Itoa(level)], s.b.store.GetMinOffsetInQueue(store.ScheduleTopic, queue))
		if end > start {
			out[level] = end - start
		}
	}
	return out
}
