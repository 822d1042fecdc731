package broker

import (
	"context"
	"fmt"
	"strconv"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
	"github.com/rocketstore/rocketstore/timer"
)

// deleteTopic deletes topic and what the broker keeps of it: its config,
// every group's offsets and pending offset resets in it, its consume queues
// (the store remembers the deletion, so that no record of it comes back,
// even after a crash), and, as they come due, its delayed, timer and
// half messages, which are dropped rather than delivered to a topic
// created again with the name (see fromDeletedTopic). Its records stay in
// the commit log until cleanup. The broker's own topics cannot be deleted.
func (b *Broker) deleteTopic(topic string) (int16, error) {
	if b.isOwnTopic(topic) {
		return remoting.ResponseNoPermission, fmt.Errorf("the topic[%s] is the broker's own and cannot be deleted", topic)
	}
	// The queues go first: the store takes no put meanwhile, and a send
	// that comes after is kept (in a topic its auto-creation makes again).
	// The other way round, a send between the two could be acknowledged
	// and then deleted.
	if err := b.store.DeleteTopic(topic); err != nil {
		return remoting.ResponseSystemError, err
	}
	if err := b.topics.remove(topic); err != nil {
		return remoting.ResponseSystemError, err
	}
	b.offsets.removeTopic(topic)
	b.metrics.forget(topic)
	// Saved now, not at the next persist: offsets that came back after a
	// crash would point a consumer of the new topic past its messages.
	if err := b.offsets.save(); err != nil {
		return remoting.ResponseSystemError, fmt.Errorf("topic deleted, but its consumer offsets not saved: %w", err)
	}
	b.registerSoon()
	return remoting.ResponseSuccess, nil
}

// isOwnTopic reports the topics the broker writes itself or needs: the
// auto-creation template, the schedule, timer and transaction topics.
func (b *Broker) isOwnTopic(topic string) bool {
	return topic == AutoCreateTopicKey || topic == timer.Topic || notSendable(topic)
}

// fromDeletedTopic reports whether a message for topic derived from the
// record at origin (a delayed message coming due, a timer message, a
// committed half message) belongs to a topic deleted since; such a message
// is dropped, and the drop logged (one line per topic a while).
func (b *Broker) fromDeletedTopic(topic string, origin int64, what string) bool {
	if !b.store.TopicDeletedAfter(topic, origin) {
		return false
	}
	b.refusals.warn(b.log, "deleted:"+what+":"+topic, what+" of a deleted topic dropped", "topic", topic, "origin", origin)
	return true
}

// halfOrigin is where the first copy of a half message was stored: the
// check service's copies name its half queue offset (-1 when that cannot
// be read any more: then any deletion of the topic counts).
func (b *Broker) halfOrigin(half *message.Record) int64 {
	qo, err := strconv.ParseInt(half.Properties.Get(propPreparedQueueOffset), 10, 64)
	if err != nil {
		return half.PhysicalOffset // the first copy itself
	}
	phys, err := b.store.GetCommitLogOffsetInQueue(TransHalfTopic, 0, qo)
	if err != nil {
		return -1
	}
	return phys
}

// deletedTopicFilter is the timer's store: the due messages of a topic
// deleted since they were stored are refused (the timer logs them lost)
// instead of delivered to a topic created again with the name.
type deletedTopicFilter struct {
	timer.Store
	b *Broker
}

// errTopicDeleted refuses the delivery of a message of a deleted topic.
var errTopicDeleted = fmt.Errorf("%w: its topic was deleted since it was stored", store.ErrMessageIllegal)

func (f deletedTopicFilter) PutMessage(ctx context.Context, m *message.Message) (commitlog.AppendResult, error) {
	if origin, err := strconv.ParseInt(m.Properties.Get(timer.PropertyOrigin), 10, 64); err == nil && m.Topic != timer.Topic &&
		f.b.fromDeletedTopic(m.Topic, origin, "timer message") {
		return commitlog.AppendResult{}, errTopicDeleted
	}
	return f.Store.PutMessage(ctx, m)
}
