package admin

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/rocketstore/rocketstore/remoting"
)

// SkipToEnd is the timestamp that resets a group to the end of its queues
// (mqadmin skipAccumulatedMessage sends -1).
const SkipToEnd int64 = -1

// QueueOffsetRef is one queue's offset for a group.
type QueueOffsetRef struct {
	Queue  MessageQueue `json:"queue"`
	Offset int64        `json:"offset"`
}

// OffsetReset is a broker's part of a reset: the offsets it set, and
// whether the broker did it (live consumers were told) or, with no consumer
// online, the offsets were committed directly queue by queue.
type OffsetReset struct {
	Broker string           `json:"broker"`
	Addr   string           `json:"addr"`
	Direct bool             `json:"direct"`
	Queues []QueueOffsetRef `json:"queues"`
	// Rollback holds the per-queue figures of a direct reset (mqadmin's
	// RollbackStats).
	Rollback []RollbackStats `json:"rollback,omitempty"`
}

// RollbackStats is one queue of a direct reset: the queue's end, the
// group's offset before, the offset found for the time and the offset set.
type RollbackStats struct {
	BrokerName      string `json:"brokerName"`
	QueueID         int32  `json:"queueId"`
	BrokerOffset    int64  `json:"brokerOffset"`
	ConsumerOffset  int64  `json:"consumerOffset"`
	TimestampOffset int64  `json:"timestampOffset"`
	RollbackOffset  int64  `json:"rollbackOffset"`
}

// ResetOffsetByTime moves a group's offsets on a topic to the first message
// stored at or after timestamp (ms), or to the end with SkipToEnd, on every
// master of the topic's route (mqadmin resetOffsetByTime and
// skipAccumulatedMessage). With force false, an offset only moves back.
//
// Each broker is asked to do it (INVOKE_BROKER_TO_RESET_OFFSET), which also
// tells the group's live consumers. A broker with no consumer of the group
// online answers CONSUMER_NOT_ONLINE; as mqadmin does, the offsets there are
// then committed directly, queue by queue (UPDATE_CONSUMER_OFFSET), which is
// safe because no consumer holds older ones in memory.
func (c *Client) ResetOffsetByTime(ctx context.Context, group, topic string, timestamp int64, force bool) ([]OffsetReset, error) {
	if group == "" || topic == "" {
		return nil, fmt.Errorf("%w: a group and a topic are required", ErrInvalidArgument)
	}
	rd, err := c.TopicRoute(ctx, topic)
	if err != nil {
		return nil, err
	}
	var out []OffsetReset
	for _, b := range routeMasters(rd) {
		r := OffsetReset{Broker: b.name, Addr: b.addr}
		table, err := c.invokeReset(ctx, b.addr, group, topic, timestamp, force)
		switch {
		case err == nil:
			for q, off := range table {
				r.Queues = append(r.Queues, QueueOffsetRef{Queue: q, Offset: off})
			}
		case IsCode(err, remoting.ResponseConsumerNotOnline):
			r.Direct = true
			if r.Rollback, err = c.resetDirect(ctx, b, group, topic, timestamp, force); err != nil {
				return out, err
			}
			for _, s := range r.Rollback {
				r.Queues = append(r.Queues, QueueOffsetRef{
					Queue:  MessageQueue{Topic: topic, BrokerName: s.BrokerName, QueueID: s.QueueID},
					Offset: s.RollbackOffset,
				})
			}
		default:
			return out, err
		}
		slices.SortFunc(r.Queues, func(a, b QueueOffsetRef) int { return CompareQueues(a.Queue, b.Queue) })
		out = append(out, r)
	}
	return out, nil
}

// invokeReset asks one broker to reset (INVOKE_BROKER_TO_RESET_OFFSET).
func (c *Client) invokeReset(ctx context.Context, addr, group, topic string, timestamp int64, force bool) (map[MessageQueue]int64, error) {
	ext := map[string]string{
		"topic": topic, "group": group, "timestamp": strconv.FormatInt(timestamp, 10),
		"isForce": strconv.FormatBool(force), "queueId": "-1",
	}
	body, err := brokerJSON[ResetOffsetBody](ctx, c, addr, remoting.RequestInvokeBrokerToResetOffset, ext)
	return body.OffsetTable, err
}

// resetDirect commits the reset offsets of one broker's queues itself, as
// mqadmin's resetOffsetByTimestampOld.
func (c *Client) resetDirect(ctx context.Context, b routeBroker, group, topic string, timestamp int64, force bool) ([]RollbackStats, error) {
	var out []RollbackStats
	for q := range b.queues.ReadQueueNums {
		end, err := c.MaxOffset(ctx, b.addr, topic, q)
		if err != nil {
			return out, err
		}
		current, found, err := c.committedOffset(ctx, b.addr, group, topic, q)
		if err == nil && !found {
			// A queue the group never committed counts from its first
			// message, as mqadmin reads it from the topic's min offset.
			current, err = c.MinOffset(ctx, b.addr, topic, q)
		}
		if err != nil {
			return out, err
		}
		target := end
		if timestamp != SkipToEnd {
			if target, err = c.SearchOffset(ctx, b.addr, topic, q, timestamp); err != nil {
				return out, err
			}
		}
		s := RollbackStats{BrokerName: b.name, QueueID: q, BrokerOffset: end, ConsumerOffset: current, TimestampOffset: target, RollbackOffset: current}
		if force || target <= current {
			s.RollbackOffset = target
			if err := c.CommitOffset(ctx, b.addr, group, topic, q, target); err != nil {
				return out, err
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func queueHeader(topic string, queueID int32) map[string]string {
	return map[string]string{"topic": topic, "queueId": strconv.Itoa(int(queueID))}
}

// queueOffset sends a request whose answer carries an "offset" header
// (GET_MAX_OFFSET, GET_MIN_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP).
func (c *Client) queueOffset(ctx context.Context, addr string, code int16, ext map[string]string) (int64, error) {
	resp, err := c.call(ctx, RoleBroker, addr, code, ext, nil)
	if err != nil {
		return 0, err
	}
	return offsetField(addr, code, resp)
}

func offsetField(addr string, code int16, resp *remoting.Command) (int64, error) {
	off, err := strconv.ParseInt(resp.ExtFields["offset"], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %s: bad offset %q", RoleBroker, addr, RequestName(code), resp.ExtFields["offset"])
	}
	return off, nil
}

// MaxOffset is a queue's end (GET_MAX_OFFSET).
func (c *Client) MaxOffset(ctx context.Context, addr, topic string, queueID int32) (int64, error) {
	return c.queueOffset(ctx, addr, remoting.RequestGetMaxOffset, queueHeader(topic, queueID))
}

// MinOffset is a queue's first offset (GET_MIN_OFFSET).
func (c *Client) MinOffset(ctx context.Context, addr, topic string, queueID int32) (int64, error) {
	return c.queueOffset(ctx, addr, remoting.RequestGetMinOffset, queueHeader(topic, queueID))
}

// SearchOffset is the offset of a queue's first message stored at or after
// timestamp, in ms (SEARCH_OFFSET_BY_TIMESTAMP).
func (c *Client) SearchOffset(ctx context.Context, addr, topic string, queueID int32, timestamp int64) (int64, error) {
	ext := queueHeader(topic, queueID)
	ext["timestamp"] = strconv.FormatInt(timestamp, 10)
	return c.queueOffset(ctx, addr, remoting.RequestSearchOffsetByTimestamp, ext)
}

// committedOffset is a group's committed offset of a queue
// (QUERY_CONSUMER_OFFSET); found is false when it committed none there
// (QUERY_NOT_FOUND).
func (c *Client) committedOffset(ctx context.Context, addr, group, topic string, queueID int32) (off int64, found bool, err error) {
	ext := queueHeader(topic, queueID)
	ext["consumerGroup"] = group
	resp, err := c.callExpect(ctx, RoleBroker, addr, remoting.RequestQueryConsumerOffset, ext, nil, remoting.ResponseSuccess, remoting.ResponseQueryNotFound)
	if err != nil || resp.Code == remoting.ResponseQueryNotFound {
		return 0, false, err
	}
	off, err = offsetField(addr, remoting.RequestQueryConsumerOffset, resp)
	return off, err == nil, err
}

// CommitOffset commits a group's offset of one queue on one broker
// (UPDATE_CONSUMER_OFFSET), as a consumer does.
func (c *Client) CommitOffset(ctx context.Context, addr, group, topic string, queueID int32, offset int64) error {
	ext := queueHeader(topic, queueID)
	ext["consumerGroup"] = group
	ext["commitOffset"] = strconv.FormatInt(offset, 10)
	_, err := c.call(ctx, RoleBroker, addr, remoting.RequestUpdateConsumerOffset, ext, nil)
	return err
}
