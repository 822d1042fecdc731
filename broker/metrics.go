package broker

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metric names. Where RocketMQ 5 has a metric for the same thing
// (BrokerMetricsConstant, RemotingMetricsConstant,
// DefaultStoreMetricsConstant) its name and labels are used, so that
// dashboards built for RocketMQ read ours; the others are prefixed
// rocketstore_.
const (
	metricMessagesIn     = "rocketmq_messages_in_total"
	metricMessagesOut    = "rocketmq_messages_out_total"
	metricThroughputIn   = "rocketmq_throughput_in_total"
	metricThroughputOut  = "rocketmq_throughput_out_total"
	metricMessageSize    = "rocketmq_message_size"
	metricRPCLatency     = "rocketmq_rpc_latency"
	metricSendToDLQ      = "rocketmq_send_to_dlq_messages_total"
	metricSystemBusy     = "rocketstore_system_busy_total"
	metricPutLatency     = "rocketstore_store_put_latency"
	labelTopic           = "topic"
	labelGroup           = "consumer_group"
	labelRequestCode     = "request_code"
	labelResponseCode    = "response_code"
	labelBusyReason      = "reason"
	latencyHelpMillis    = " (milliseconds, as RocketMQ's)"
	defaultMetricsTopics = 4096 // per-topic children cached before new topics share one
)

// rpcLatencyBuckets are RocketMQ's rpc latency buckets, in milliseconds.
var rpcLatencyBuckets = []float64{1, 3, 5, 7, 10, 100, 1000, 3000}

// metrics holds the broker's Prometheus instruments. The hot path (every
// send and pull) touches only cached children: a topic's counters are
// looked up once in a sync.Map (no lock on reads) and kept there, and
// latency observers are cached per request and response code. A nil
// *metrics (metrics disabled) makes every method a no-op.
type metrics struct {
	reg *prometheus.Registry

	messagesIn, throughputIn   *prometheus.CounterVec
	messagesOut, throughputOut *prometheus.CounterVec
	messageSize                prometheus.Histogram
	rpcLatency                 *prometheus.HistogramVec
	putLatency                 prometheus.Histogram
	sendToDLQ                  *prometheus.CounterVec
	systemBusy                 *prometheus.CounterVec

	topicsIn  sync.Map // topic → *topicCounters
	topicsOut sync.Map // topic + "\x00" + group → *topicCounters
	latencies sync.Map // request code << 16 | response code → prometheus.Observer
}

// topicCounters are one topic's (or topic and group's) message and byte
// counters.
type topicCounters struct {
	messages, bytes prometheus.Counter
}

func newMetrics(b *Broker) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.messagesIn = prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricMessagesIn,
		Help: "Messages stored by sends, per topic."}, []string{labelTopic})
	m.throughputIn = prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricThroughputIn,
		Help: "Bytes of message bodies stored by sends, per topic."}, []string{labelTopic})
	m.messagesOut = prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricMessagesOut,
		Help: "Messages delivered by pulls, per topic and consumer group."}, []string{labelTopic, labelGroup})
	m.throughputOut = prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricThroughputOut,
		Help: "Bytes of records delivered by pulls, per topic and consumer group."}, []string{labelTopic, labelGroup})
	m.messageSize = prometheus.NewHistogram(prometheus.HistogramOpts{Name: metricMessageSize,
		Help:    "Body size of stored messages, in bytes.",
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
		Help: "Sends refused by flow control, per reason (TIMEOUT_CLEAN_QUEUE, PCBUSY_CLEAN_QUEUE, PC_SYNCHRONIZED, ...)."},
		[]string{labelBusyReason})
	m.reg.MustRegister(m.messagesIn, m.throughputIn, m.messagesOut, m.throughputOut, m.messageSize,
		m.rpcLatency, m.putLatency, m.sendToDLQ, m.systemBusy,
		newStateCollector(b),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
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
		c, _ = m.topicsIn.LoadOrStore(topic, &topicCounters{
			messages: m.messagesIn.WithLabelValues(topic), bytes: m.throughputIn.WithLabelValues(topic)})
	}
	tc := c.(*topicCounters)
	tc.messages.Add(float64(messages))
	tc.bytes.Add(float64(bodyBytes))
}

// delivered counts records a pull of group delivered from topic.
func (m *metrics) delivered(topic, group string, messages, recordBytes int) {
	if m == nil {
		return
	}
	key := topic + "\x00" + group
	c, ok := m.topicsOut.Load(key)
	if !ok {
		c, _ = m.topicsOut.LoadOrStore(key, &topicCounters{
			messages: m.messagesOut.WithLabelValues(topic, group), bytes: m.throughputOut.WithLabelValues(topic, group)})
	}
	tc := c.(*topicCounters)
	tc.messages.Add(float64(messages))
	tc.bytes.Add(float64(recordBytes))
}

// forget drops a deleted topic's series.
func (m *metrics) forget(topic string) {
	if m == nil {
		return
	}
	m.topicsIn.Delete(topic)
	m.messagesIn.DeleteLabelValues(topic)
	m.throughputIn.DeleteLabelValues(topic)
	m.topicsOut.Range(func(k, _ any) bool {
		if key := k.(string); len(key) > len(topic) && key[:len(topic)+1] == topic+"\x00" {
			m.topicsOut.Delete(k)
		}
		return true
	})
	m.messagesOut.DeletePartialMatch(prometheus.Labels{labelTopic: topic})
	m.throughputOut.DeletePartialMatch(prometheus.Labels{labelTopic: topic})
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
