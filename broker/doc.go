// Package broker is a thin RocketMQ broker over a store.MessageStore: it
// speaks RocketMQ's remoting protocol (package remoting), so applications
// written against RocketMQ clients produce and consume through it.
//
// It handles sends (single, V2 header, batch), pulls with long polling
// (a pull that finds nothing waits until the dispatcher reports a new
// message for its queue, or its time runs out), consumer heartbeats and
// group membership (members are told of every change so they rebalance),
// consumer offsets (persisted in config/consumerOffset.json), topic configs
// (config/topics.json; topics are created on first send through the TBW102
// template when auto-creation is on), offsets by queue and time, queries by
// key and views by message id; and it registers with its nameservers every
// 30 s and whenever topics change.
//
// Pulls are filtered on the broker (package filter), so that messages a
// consumer does not want never cross the network: by the expression the
// pull carries when its sysFlag has the subscription bit, else by the
// subscription its group registered through heartbeats (refused when
// missing or older than the pull's subVersion), as RocketMQ's
// PullMessageProcessor. TAG expressions match the consume queue's tag
// hash; SQL92 expressions, allowed by Options.EnablePropertyFilter, are
// evaluated on each record's properties. PullStats counts what pull
// responses carried.
//
// Each kind of request runs on its own bounded worker pool, so a flood of
// one kind cannot starve the others; a full pool answers SYSTEM_BUSY.
//
// # Operating the broker
//
// Metrics: MetricsRegistry is a Prometheus registry with RocketMQ 5's
// metric names where it has one (rocketmq_messages_in_total,
// rocketmq_throughput_in_total, rocketmq_consumer_lag_messages,
// rocketmq_rpc_latency, ...). Per-topic counters are atomics found through
// a lock-free map; lag, disk, replication, connection and backlog gauges are
// computed when the registry is gathered.
//
// Admin protocol: the codes mqadmin and rocketmq-dashboard send (runtime
// info, topic and consume stats, connections, consumer running info,
// subscription groups, offset resets and clones, broker config, file
// deletion, consume-queue views, stats) are answered with RocketMQ's body
// shapes, including fastjson's maps keyed by MessageQueue objects.
// Subscription group configs live in config/subscriptionGroup.json; a
// group's consumeEnable and retryMaxTimes are honoured. An offset reset
// takes effect at once: the offset table moves, live consumers are told
// (RESET_CONSUMER_CLIENT_OFFSET), their stale commits are ignored and their
// pulls from the old offsets are answered PULL_OFFSET_MOVED until they move.
//
// Flow control, as RocketMQ's BrokerFastFailure: a send that waited in its
// queue longer than waitTimeMillsInSendQueue (200 ms) is answered
// SYSTEM_BUSY [TIMEOUT_CLEAN_QUEUE] and not stored, so that it cannot be
// stored after its client gave up and come back as a duplicate; while an
// append has held the commit log's lock longer than
// osPageCacheBusyTimeOutMills sends get [PC_SYNCHRONIZED]; an exhausted
// transient store pool gives [REJECTREQUEST]; per-topic and per-producer-
// group rate limits give [RATE_LIMIT] naming the limit; a full disk gives
// SERVICE_NOT_AVAILABLE and a broker without write permission
// NO_PERMISSION. Every refusal is counted by reason
// (rocketstore_system_busy_total) and logged, rate-limited.
package broker
