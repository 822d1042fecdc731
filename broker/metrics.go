package broker

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metric names. Where RocketMQ 5 has a metric for the same thing
// (BrokerMetricsConstant, RemotingMetricsConstant,
// DefaultStoreMetricsConstant) its name and labels are used, so that
// dashboards built for RocketMQ read ours; the others are prefixed
// rocketstore_.
const (
	metricMessagesIn    = "rocketmq_messages_in_total"
	metricMessagesOut   = "rocketmq_messages_out_total"
	metricThroughputIn  = "rocketmq_throughput_in_total"
	metricThroughputOut = "rocketmq_throughput_out_total"
	metricMessageSize   = "rocketmq_message_size"
	metricRPCLatency    = "rocketmq_rpc_latency"
	metricSendToDLQ     = "rocketmq_send_to_dlq_messages_total"
	metricSystemBusy    = "rocketstore_system_busy_total"
	metricPutLatency    = "rocketstore_store_put_latency"
	labelTopic          = "topic"
	labelGroup          = "consumer_group"
	labelRequestCode    = "request_code"
	labelResponseCode   = "response_code"
	labelBusyReason     = "reason"
	latencyHelpMillis   = " (milliseconds, as RocketMQ's)"
)

// rpcLatencyBuckets are RocketMQ's rpc latency buckets, in milliseconds.
var rpcLatencyBuckets = []float64{1, 3, 5, 7, 10, 100, 1000, 3000}

// metrics holds the broker's Prometheus instruments and the counters
// behind them. The hot path (every send and pull) touches only cached
// entries: a topic's counters are looked up in a sync.Map (no lock on
// reads) and are plain atomics, which the registry reads when it is
// gathered; latency observers are cached per request and response code. A
// nil *metrics (metrics disabled) makes every method a no-op.
type metrics struct {
	reg *prometheus.Registry

	messageSize prometheus.Histogram
	rpcLatency  *prometheus.HistogramVec
	putLatency  prometheus.Histogram
	sendToDLQ   *prometheus.CounterVec
	systemBusy  *prometheus.CounterVec
	flush       *flushMetrics

	topicsIn  sync.Map // topic → *flowCounters
	topicsOut sync.Map // outKey{topic, group} → *flowCounters
	latencies sync.Map // request code << 16 | response code → prometheus.Observer
}

// flowCounters count what went in or out of one topic (or topic and
// group): messages, body bytes, and the requests that carried them.
type flowCounters struct {
	messages, bytes, requests atomic.Int64
}

func (f *flowCounters) add(messages, bytes int) {
	f.messages.Add(int64(messages))
	f.bytes.Add(int64(bytes))
	f.requests.Add(1)
}

// outKey names a topic's deliveries to one group.
type outKey struct{ topic, group string }

func newMetrics(b *Broker) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.messageSize = prometheus.NewHistogram(prometheus.HistogramOpts{Name: metricMessageSize,
		Help:    "Body size of stored messages, in bytes (the mean of a batch).",
		Buckets: []float64{1 << 10, 4 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20}})
	m.rpcLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: metricRPCLatency,
		Help:    "Time from a request's arrival to its answer, per request and response code" + latencyHelpMillis + ".",
		Buckets: rpcLatencyBuckets}, []string{labelRequestCode, labelResponseCode})
	m.putLatency = prometheus.NewHistogram(prometheus.HistogramOpts{Name: metricPutLatency,
		Help:    "Time a send spends in the store: the append and the flush (group commit) it waits for" + latencyHelpMillis + ".",
		Buckets: rpcLatencyBuckets})
	m.sendToDLQ = prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricSendToDLQ,
		Help: "Messages moved to a group's dead-letter topic."}, []string{labelTopic, labelGroup})
	m.systemBusy = prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricSystemBusy,
		Help: "Sends refused by flow control, per reason (TIMEOUT_CLEAN_QUEUE, PC_SYNCHRONIZED, RATE_LIMIT, ...)."},
		[]string{labelBusyReason})
	m.reg.MustRegister(m.messageSize, m.rpcLatency, m.putLatency, m.sendToDLQ, m.systemBusy,
		flowCollector{m}, newStateCollector(b), backlogCollector{b},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.reg.MustRegister(b.diskLossMetrics()...)
	m.flush = newFlushMetrics(m.reg)
	return m
}

// MetricsRegistry is the registry holding the broker's metrics (RocketMQ 5's
// names where it has one): serve it on /metrics with promhttp. Counters and
// histograms are updated as requests run; gauges (lag, disk, replication,
// connections, backlogs) are computed when the registry is gathered. Nil
// when the broker runs with DisableMetrics.
func (b *Broker) MetricsRegistry() *prometheus.Registry {
	if b.metrics == nil {
		return nil
	}
	return b.metrics.reg
}

// stored counts messages a send stored in topic.
func (m *metrics) stored(topic string, messages, bodyBytes int) {
	if m == nil {
		return
	}
	c, ok := m.topicsIn.Load(topic)
	if !ok {
		c, _ = m.topicsIn.LoadOrStore(topic, &flowCounters{})
	}
	c.(*flowCounters).add(messages, bodyBytes)
}

// delivered counts records a pull of group delivered from topic.
func (m *metrics) delivered(topic, group string, messages, recordBytes int) {
	if m == nil {
		return
	}
	key := outKey{topic, group}
	c, ok := m.topicsOut.Load(key)
	if !ok {
		c, _ = m.topicsOut.LoadOrStore(key, &flowCounters{})
	}
	c.(*flowCounters).add(messages, recordBytes)
}

// forget drops a deleted topic's series.
func (m *metrics) forget(topic string) {
	if m == nil {
		return
	}
	m.topicsIn.Delete(topic)
	m.topicsOut.Range(func(k, _ any) bool {
		if k.(outKey).topic == topic {
			m.topicsOut.Delete(k)
		}
		return true
	})
}

// flowCollector exposes the message and byte counters.
type flowCollector struct{ m *metrics }

var (
	descMessagesIn  = desc(metricMessagesIn, "Messages stored by sends, per topic.", labelTopic)
	descBytesIn     = desc(metricThroughputIn, "Bytes of message bodies stored by sends, per topic.", labelTopic)
	descMessagesOut = desc(metricMessagesOut, "Messages delivered by pulls, per topic and consumer group.",
		labelTopic, labelGroup)
	descBytesOut = desc(metricThroughputOut, "Bytes of records delivered by pulls, per topic and consumer group.",
		labelTopic, labelGroup)
)

// Describe sends the counters' descriptions.
func (c flowCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descMessagesIn
	ch <- descBytesIn
	ch <- descMessagesOut
	ch <- descBytesOut
}

// Collect reads the counters.
func (c flowCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	c.m.topicsIn.Range(func(k, v any) bool {
		f := v.(*flowCounters)
		counter(descMessagesIn, f.messages.Load(), k.(string))
		counter(descBytesIn, f.bytes.Load(), k.(string))
		return true
	})
	c.m.topicsOut.Range(func(k, v any) bool {
		f, key := v.(*flowCounters), k.(outKey)
		counter(descMessagesOut, f.messages.Load(), key.topic, key.group)
		counter(descBytesOut, f.bytes.Load(), key.topic, key.group)
		return true
	})
}

// answered observes how long a request took from its arrival to its answer.
func (m *metrics) answered(requestCode, responseCode int16, millis float64) {
	if m == nil {
		return
	}
	key := int32(requestCode)<<16 | int32(uint16(responseCode))
	o, ok := m.latencies.Load(key)
	if !ok {
		o, _ = m.latencies.LoadOrStore(key, m.rpcLatency.WithLabelValues(
			strconv.Itoa(int(requestCode)), strconv.Itoa(int(responseCode))))
	}
	o.(prometheus.Observer).Observe(millis)
}

// busy counts a send refused by flow control for reason.
func (m *metrics) busy(reason string) {
	if m == nil {
		return
	}
	m.systemBusy.WithLabelValues(reason).Inc()
}

// deadLettered counts a message of topic that group's retries moved to its
// dead-letter topic.
func (m *metrics) deadLettered(topic, group string) {
	if m == nil {
		return
	}
	m.sendToDLQ.WithLabelValues(topic, group).Inc()
}
