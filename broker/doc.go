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
// Timer messages (TIMER_DELIVER_MS, TIMER_DELAY_SEC, TIMER_DELAY_MS) are
// rewritten by the send path into the timer topic and held by package
// timer until due; a delay beyond timerMaxDelaySec is refused with
// MESSAGE_ILLEGAL, as RocketMQ refuses it.
//
// A slave's commit log is a byte copy of its master's: every put goes
// through Broker.putMessage, which refuses on a slave (ErrSlaveNoWrite), and
// the services that write messages of their own (the delay scheduler, the
// timer) are registered with onMaster and started on a master only. A slave
// copies its master's topic configs, consumer offsets, delay progress
// (delayOffset.json) and timer checkpoint instead.
//
// Message kinds beyond plain sends, as RocketMQ's broker has them:
//
//   - Transactions (transaction*.go): a transactional send is stored as a
//     half message in RMQ_SYS_TRANS_HALF_TOPIC, out of consumers' sight;
//     END_TRANSACTION writes the committed message to its real topic and
//     queue, or drops it, and records the outcome as an op record in
//     RMQ_SYS_TRANS_OP_HALF_TOPIC. A check service on the master asks a live
//     producer of the group (known from heartbeats) about half messages left
//     open past TransactionTimeout, at most TransactionCheckMax times, then
//     moves them to TRANS_CHECK_MAX_TIME_TOPIC. Its progress is the offsets
//     of group CID_RMQ_SYS_TRANS, so all of it carries over a restart.
//   - Orderly consumption (locks.go): LOCK_BATCH_MQ and UNLOCK_BATCH_MQ give
//     each queue to one client of a group until it unlocks it or its lock
//     goes unrenewed for RebalanceLockMaxLiveTime (60 s).
//   - Request-reply (reply.go): SEND_REPLY_MESSAGE pushes a reply to the
//     requesting producer (PUSH_REPLY_MESSAGE_TO_CLIENT) and stores it in
//     <cluster>_REPLY_TOPIC.
//   - Traces: sends answer TRACE_ON and MSG_REGION, and with
//     TraceTopicEnable the trace topic exists, so clients store their
//     traces here, keyed by message id.
//
// A new consumer group starts where RocketMQ 4.9 starts it: at offset 0
// while the queue's first message is still in memory, else where the
// client's ConsumeFromWhere says (QUERY_CONSUMER_OFFSET answers
// QUERY_NOT_FOUND).
//
// In controller mode (Options.Controller, RocketMQ 5's
// enableControllerMode) the role changes at run time: the broker registers
// with the controllers (its id persisted in config/brokerIdentity.json),
// heartbeats, and acts on the master they name (controllermode.go): as
// master it starts a new epoch at its log's end and keeps its SyncStateSet
// with the controller (syncstate.go); as slave it follows the named
// master, whose handshake cuts back what this broker wrote that the master
// never had (rolechange.go). Consumers see only confirmed records
// (store.Options.HoldUnconfirmed), and a SYNC master waits for the
// SyncStateSet and refuses writes below minInSyncReplicas.
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
// a lock-free map; lag, disk, replication, connection and backlog gauges
// (timer: rocketmq_timing_messages; transactions: rocketmq_half_messages)
// are computed when the registry is gathered. The commit log's flush
// rounds (group-commit latency and group size, interval flush, transient
// pool commit) are observed once per round through the store's
// EventListener.FlushRound, never per send.
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
//
// Hostile clients (acl.go, autocreate.go, limits.go, deletion.go): with
// Options.ACLEnable every request is checked against plain_acl.yml before
// its processor runs (remoting's Intercept); Options.ClusterSecret signs
// the broker's registrations and its slave's syncs, accepts peers signed
// with it, and authenticates the HA connections. Auto-created topics and
// groups are rate-limited and their configs written lazily (restored from
// the store's queues after a crash); queries, suspended pulls and HA
// slaves are capped; a deleted topic takes its queues, offsets and pending
// delayed, timer and half messages with it. See the README's Security
// section for the attacks and the tests.
package broker
