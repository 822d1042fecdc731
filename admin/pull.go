package admin

import (
	"context"
	"fmt"
	"strconv"

	"github.com/rocketstore/rocketstore/remoting"
)

// ToolsConsumerGroup is the group mqadmin's tools pull as; pulls with it
// commit nothing.
const ToolsConsumerGroup = "TOOLS_CONSUMER"

// pullSysFlagSubscription marks a pull that carries its own subscription
// expression (PullSysFlag's FLAG_SUBSCRIPTION); no offset is committed and
// the pull does not wait.
const pullSysFlagSubscription = 0x4

// PullResult is what one pull read from a queue.
type PullResult struct {
	// Found is false when no message is at the offset (PULL_NOT_FOUND,
	// PULL_OFFSET_MOVED, or all filtered out).
	Found           bool
	Messages        []Message
	NextBeginOffset int64
	MinOffset       int64
	MaxOffset       int64
}

// Pull reads up to max messages of one queue from offset, matching a tag
// expression ("*" or "TagA || TagB"; "" means "*"), without committing
// anything (PULL_MESSAGE as ToolsConsumerGroup).
func (c *Client) Pull(ctx context.Context, addr, topic string, queueID int32, offset int64, max int, expression string) (PullResult, error) {
	if expression == "" {
		expression = "*"
	}
	h := remoting.PullMessageRequestHeader{
		ConsumerGroup: ToolsConsumerGroup, Topic: topic, QueueID: queueID, QueueOffset: offset,
		MaxMsgNums: int32(max), SysFlag: pullSysFlagSubscription, Subscription: expression, ExpressionType: "TAG",
	}
	resp, err := c.callExpect(ctx, RoleBroker, addr, remoting.RequestPullMessage, h.Encode(nil), nil,
		remoting.ResponseSuccess, remoting.ResponsePullNotFound, remoting.ResponsePullRetryImmediately, remoting.ResponsePullOffsetMoved)
	if err != nil {
		return PullResult{}, err
	}
	var rh remoting.PullMessageResponseHeader
	if err := rh.Decode(resp.ExtFields); err != nil {
		return PullResult{}, fmt.Errorf("%s %s: %s: %w", RoleBroker, addr, RequestName(remoting.RequestPullMessage), err)
	}
	r := PullResult{Found: resp.Code == remoting.ResponseSuccess, NextBeginOffset: rh.NextBeginOffset, MinOffset: rh.MinOffset, MaxOffset: rh.MaxOffset}
	if r.Found {
		if r.Messages, err = decodeMessages(resp.Body); err != nil {
			return r, fmt.Errorf("%s %s: %s: %w", RoleBroker, addr, RequestName(remoting.RequestPullMessage), err)
		}
	}
	return r, nil
}

// ResetQueueOffset sets a group's offset of one queue on one broker, as
// mqadmin resetOffsetByTime -b -q does: the offset is committed, then the
// broker is asked to tell the group's live consumers
// (INVOKE_BROKER_TO_RESET_OFFSET with the queue and offset); with no
// consumer online the commit alone is the reset.
func (c *Client) ResetQueueOffset(ctx context.Context, addr, group, topic string, queueID int32, offset int64) error {
	if err := c.CommitOffset(ctx, addr, group, topic, queueID, offset); err != nil {
		return err
	}
	ext := map[string]string{
		"topic": topic, "group": group, "timestamp": "0", "isForce": "true",
		"queueId": strconv.Itoa(int(queueID)), "offset": strconv.FormatInt(offset, 10),
	}
	_, err := c.callExpect(ctx, RoleBroker, addr, remoting.RequestInvokeBrokerToResetOffset, ext, nil,
		remoting.ResponseSuccess, remoting.ResponseConsumerNotOnline)
	return err
}

// TimeRange bounds a scan by store time, in ms; zero means no bound.
type TimeRange struct{ Begin, End int64 }

// QueuedMessage is a message with the broker it was read from.
type QueuedMessage struct {
	BrokerName string `json:"brokerName"`
	Message
}

// scanBatch is how many messages one pull of a scan asks for (mqadmin's
// printMsg pulls 32 at a time).
const scanBatch = 32

// ScanTopic reads every message of a topic that matches a tag expression,
// queue by queue, on every master of its route (mqadmin printMsg). With a
// time range, each queue is read from the first message stored at or
// after Begin up to the first stored at or after End.
func (c *Client) ScanTopic(ctx context.Context, topic, expression string, r TimeRange) ([]QueuedMessage, error) {
	rd, err := c.TopicRoute(ctx, topic)
	if err != nil {
		return nil, err
	}
	var out []QueuedMessage
	for _, b := range routeMasters(rd) {
		for q := range b.queues.ReadQueueNums {
			msgs, err := c.scanQueue(ctx, b.addr, topic, q, expression, r)
			if err != nil {
				return out, err
			}
			for _, m := range msgs {
				out = append(out, QueuedMessage{BrokerName: b.name, Message: m})
			}
		}
	}
	return out, nil
}

func (c *Client) scanQueue(ctx context.Context, addr, topic string, q int32, expression string, r TimeRange) ([]Message, error) {
	bound := func(ts int64, edge func(context.Context, string, string, int32) (int64, error)) (int64, error) {
		if ts > 0 {
			return c.SearchOffset(ctx, addr, topic, q, ts)
		}
		return edge(ctx, addr, topic, q)
	}
	from, err := bound(r.Begin, c.MinOffset)
	if err != nil {
		return nil, err
	}
	to, err := bound(r.End, c.MaxOffset)
	if err != nil {
		return nil, err
	}
	var out []Message
	for off := from; off < to; {
		res, err := c.Pull(ctx, addr, topic, q, off, scanBatch, expression)
		if err != nil {
			return out, err
		}
		for _, m := range res.Messages {
			if m.QueueOffset < to {
				out = append(out, m)
			}
		}
		if res.NextBeginOffset <= off {
			break // nothing more to read here
		}
		off = res.NextBeginOffset
	}
	return out, nil
}
