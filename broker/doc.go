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
package broker
