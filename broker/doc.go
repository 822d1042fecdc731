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
// Each kind of request runs on its own bounded worker pool, so a flood of
// one kind cannot starve the others; a full pool answers SYSTEM_BUSY.
package broker
