package broker

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/store"
)

// Flush metrics: how the commit log's flush services spend their rounds.
// RocketMQ 5 has no metric for these, hence rocketstore_ names.
const (
	metricFlushRoundLatency = "rocketstore_flush_round_latency"
	metricFlushRoundBytes   = "rocketstore_flush_round_bytes_total"
	metricGroupCommitSize   = "rocketstore_group_commit_size"
	labelFlushService       = "service"
)

// flushRoundBuckets cover a page-cache commit (tens of microseconds) to a
// stalled fsync (seconds), in milliseconds.
var flushRoundBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 3000}

// groupCommitSizeBuckets are powers of two up to more appenders than a
// broker has send threads and clients.
var groupCommitSizeBuckets = prometheus.ExponentialBuckets(1, 2, 11)

// flushMetrics observe the commit log's flush rounds: once per round on
// the flush service's goroutine, never per send. The series of the known
// services are looked up once, when the metrics are made.
type flushMetrics struct {
	latencyVec *prometheus.HistogramVec
	bytesVec   *prometheus.CounterVec
	latency    map[string]prometheus.Observer // by commitlog service name
	bytes      map[string]prometheus.Counter
	groupSize  prometheus.Observer
}

// flushServiceLabel names a commit-log service in metrics: "group commit"
// is group_commit.
func flushServiceLabel(service string) string { return strings.ReplaceAll(service, " ", "_") }

func newFlushMetrics(reg prometheus.Registerer) *flushMetrics {
	f := &flushMetrics{latency: map[string]prometheus.Observer{}, bytes: map[string]prometheus.Counter{}}
	f.latencyVec = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: metricFlushRoundLatency,
		Help: "Duration of the commit log's flush rounds that did work, per service: group_commit (a SYNC_FLUSH " +
			"round: commit and fsync for a group of sends), interval_flush (the periodic flush), commit (the " +
			"transient store pool's committer)" + latencyHelpMillis + ".",
		Buckets: flushRoundBuckets}, []string{labelFlushService})
	f.bytesVec = prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricFlushRoundBytes,
		Help: "Commit-log bytes the flush rounds made durable (committed into the files, for commit), per service."},
		[]string{labelFlushService})
	groupSize := prometheus.NewHistogram(prometheus.HistogramOpts{Name: metricGroupCommitSize,
		Help:    "Sends (appends) one group-commit round acknowledged: how many of them share an fsync.",
		Buckets: groupCommitSizeBuckets})
	f.groupSize = groupSize
	reg.MustRegister(f.latencyVec, f.bytesVec, groupSize)
	for _, service := range []string{commitlog.ServiceGroupCommit, commitlog.ServiceIntervalFlush, commitlog.ServiceCommit} {
		f.latency[service] = f.latencyVec.WithLabelValues(flushServiceLabel(service))
		f.bytes[service] = f.bytesVec.WithLabelValues(flushServiceLabel(service))
	}
	return f
}

// round observes one flush round.
func (f *flushMetrics) round(i store.FlushRoundInfo) {
	latency, ok := f.latency[i.Service]
	bytes := f.bytes[i.Service]
	if !ok { // a service added to the commit log since: slower, but counted
		latency = f.latencyVec.WithLabelValues(flushServiceLabel(i.Service))
		bytes = f.bytesVec.WithLabelValues(flushServiceLabel(i.Service))
	}
	latency.Observe(float64(i.Took.Microseconds()) / 1000)
	if i.Bytes > 0 { // a counter must not go down (a slave truncating its log can move the offset back)
		bytes.Add(float64(i.Bytes))
	}
	if i.Service == commitlog.ServiceGroupCommit {
		f.groupSize.Observe(float64(i.Waiters))
	}
}

// flushRoundListener returns the store listener's FlushRound: the metrics'
// observer, then inner (the embedder's). Without metrics it is inner.
func (m *metrics) flushRoundListener(inner func(store.FlushRoundInfo)) func(store.FlushRoundInfo) {
	if m == nil {
		return inner
	}
	if inner == nil {
		return m.flush.round
	}
	return func(i store.FlushRoundInfo) {
		m.flush.round(i)
		inner(i)
	}
}
