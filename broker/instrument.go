package broker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// timed wraps a handler so that the latency of every answer it returns is
// observed (rocketmq_rpc_latency, from the request's arrival).
func (b *Broker) timed(h remoting.Handler) remoting.Handler {
	if b.metrics == nil {
		return h
	}
	return func(c *remoting.Conn, req *remoting.Command) *remoting.Command {
		resp := h(c, req)
		if resp != nil {
			b.metrics.answered(req.Code, resp.Code, sinceMillis(req.Arrived()))
		}
		return resp
	}
}

// sinceMillis is the time since t in milliseconds (0 for a zero t).
func sinceMillis(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(time.Since(t).Microseconds()) / 1000
}

// storeSent stores a client's message (putMessage), counting it and
// timing the store.
func (b *Broker) storeSent(ctx context.Context, m *message.Message) (commitlog.AppendResult, error) {
	start := time.Now()
	res, err := b.putMessage(ctx, m)
	b.putDone(m.Topic, 1, len(m.Body), start, err)
	return res, err
}

// storeSentBatch stores a client's batch (putMessages), counting it and
// timing the store.
func (b *Broker) storeSentBatch(ctx context.Context, msgs []message.Message) ([]commitlog.AppendResult, error) {
	start := time.Now()
	results, err := b.putMessages(ctx, msgs)
	size := 0
	for i := range results {
		size += len(msgs[i].Body)
	}
	if len(msgs) > 0 {
		b.putDone(msgs[0].Topic, len(results), size, start, err)
	}
	return results, err
}

// putDone records a put: what it stored, how long it took, and a refusal
// for a full disk.
func (b *Broker) putDone(topic string, stored, bodyBytes int, start time.Time, err error) {
	if errors.Is(err, store.ErrDiskFull) {
		b.metrics.busy(BusyDiskFull)
		b.refusals.warn(b.log, "disk full", "send refused: the store's disk is full", "topic", topic, "err", err)
	}
	if b.metrics == nil || stored == 0 || (err != nil && !errors.Is(err, store.ErrFlushTimeout)) {
		return
	}
	b.metrics.stored(topic, stored, bodyBytes)
	b.metrics.messageSize.Observe(float64(bodyBytes / stored))
	b.metrics.putLatency.Observe(sinceMillis(start))
}

// pullDelivered records a pull response that carried messages.
func (b *Broker) pullDelivered(p *pullRequest, messages, recordBytes int) {
	if b.metrics == nil {
		return
	}
	b.metrics.delivered(p.h.Topic, p.h.ConsumerGroup, messages, recordBytes)
	b.metrics.answered(p.req.Code, remoting.ResponseSuccess, sinceMillis(p.req.Arrived()))
}

// admitPull refuses pulls of a group whose config disables consumption
// (NO_PERMISSION, as RocketMQ's PullMessageProcessor), and corrects a pull
// from a stale offset after an operator reset the group's offset: it is
// answered PULL_OFFSET_MOVED with the reset offset as the next begin
// offset, and the client moves there.
func (b *Broker) admitPull(c *remoting.Conn, req *remoting.Command, h *remoting.PullMessageRequestHeader) *remoting.Command {
	if b.groups.consumeDisabled(h.ConsumerGroup) {
		return b.refuse(c, req, remoting.ResponseNoPermission,
			fmt.Errorf("subscription group no permission, %s", h.ConsumerGroup), "topic", h.Topic)
	}
	off, moved := b.offsets.pullReset(h.ConsumerGroup, h.Topic, h.QueueID, h.QueueOffset)
	if !moved {
		return nil
	}
	b.log.Info("pull from before an offset reset moved", "group", h.ConsumerGroup, "topic", h.Topic,
		"queue", h.QueueID, "from", h.QueueOffset, "to", off, "addr", c.RemoteAddr())
	resp := remoting.NewResponse(req, remoting.ResponsePullOffsetMoved, "the group's offset was reset")
	rh := remoting.PullMessageResponseHeader{NextBeginOffset: off,
		MinOffset: b.store.GetMinOffsetInQueue(h.Topic, h.QueueID), MaxOffset: b.store.GetMaxOffsetInQueue(h.Topic, h.QueueID)}
	resp.ExtFields = rh.Encode(nil)
	return resp
}

// ensureGroup prepares what a consumer group needs when it first sends a
// heartbeat: its retry topic and its subscription group config (RocketMQ's
// autoCreateSubscriptionGroup).
func (b *Broker) ensureGroup(group string) error {
	if _, ok := b.groups.get(group); !ok {
		// A group only a heartbeat names is auto-created within the
		// rate limit; its retry topic comes with its config.
		if err := b.admitAutoCreate("subscription group", group); err != nil {
			return err
		}
		if err := b.groups.ensure(group); err != nil {
			return err
		}
	}
	return b.ensureRetryTopic(group)
}

// withBrokerPermission masks every topic's permission with the broker's,
// as RocketMQ registers its topics: with write off, routes tell producers
// the broker's topics are read-only and they send elsewhere.
func (b *Broker) withBrokerPermission(topics map[string]TopicConfig) map[string]TopicConfig {
	perm := b.brokerPermission()
	if perm&(PermRead|PermWrite) == PermRead|PermWrite {
		return topics
	}
	for name, tc := range topics {
		tc.Perm &= perm | PermInherit
		topics[name] = tc
	}
	return topics
}

// poolsByName returns the broker's request pools by processor name.
func (b *Broker) poolsByName() map[string]*remoting.Pool { return b.namedPools }
