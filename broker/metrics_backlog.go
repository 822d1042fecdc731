package broker

import "github.com/prometheus/client_golang/prometheus"

// Backlogs of the timer and of transactions, computed at scrape time.
// RocketMQ 5 labels its timer series by topic; the timer here counts per
// broker, so they carry no label (the sum over topics).
var (
	descTimingMessages = desc("rocketmq_timing_messages",
		"Timer messages held in the timer wheel, not yet due or delivered (all topics).")
	descTimerEnqueued = desc("rocketmq_timer_enqueue_total",
		"Timer messages the timer linked into its wheel since the broker started.")
	descTimerDequeued = desc("rocketmq_timer_dequeue_total",
		"Timer messages the timer delivered into their topics since the broker started.")
	descTimerLost = desc("rocketstore_timer_lost_total",
		"Timer messages the timer could not read back or deliver since the broker started (each is logged).")
	descHalfUnresolved = desc("rocketmq_half_messages",
		"Transactional half messages neither committed nor rolled back yet, past the check service's progress.")
	descHalfUnchecked = desc("rocketstore_half_messages_unchecked",
		"Transactional half messages the check service has not passed yet, resolved or not.")
)

// backlogCollector computes the timer and transaction gauges.
type backlogCollector struct{ b *Broker }

// Describe sends the descriptions.
func (c backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descTimingMessages, descTimerEnqueued, descTimerDequeued, descTimerLost,
		descHalfUnresolved, descHalfUnchecked} {
		ch <- d
	}
}

// Collect reads the timer's counters (on a master whose timer runs) and
// counts the half messages.
func (c backlogCollector) Collect(ch chan<- prometheus.Metric) {
	b := c.b
	if t := b.timer.Load(); t != nil {
		s := t.Stats()
		ch <- prometheus.MustNewConstMetric(descTimingMessages, prometheus.GaugeValue, float64(s.Pending))
		ch <- prometheus.MustNewConstMetric(descTimerEnqueued, prometheus.CounterValue, float64(s.Enqueued))
		ch <- prometheus.MustNewConstMetric(descTimerDequeued, prometheus.CounterValue, float64(s.Delivered))
		ch <- prometheus.MustNewConstMetric(descTimerLost, prometheus.CounterValue, float64(s.Lost))
	}
	end := b.store.GetMaxOffsetInQueue(TransHalfTopic, 0)
	if end <= 0 || b.txns == nil {
		return
	}
	from := b.txns.progress(TransHalfTopic)
	ch <- prometheus.MustNewConstMetric(descHalfUnchecked, prometheus.GaugeValue, float64(max(end-from, 0)))
	ch <- prometheus.MustNewConstMetric(descHalfUnresolved, prometheus.GaugeValue, float64(b.txns.unresolved(from, end)))
}

// unresolved counts the half messages at queue offsets [from, end) without
// a commit or rollback known: those END_TRANSACTION resolved since the
// broker started, and those whose op records the check service has read.
// Two cases count a resolved message until the check service passes it:
// until its first round after a restart, resolutions written before the
// restart; and a copy the check service put back whose transaction was
// ended under the offset of an earlier copy.
func (t *transactions) unresolved(from, end int64) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := end - from
	for qo := range t.resolved {
		if qo >= from && qo < end {
			n--
		}
	}
	return max(n, 0)
}
