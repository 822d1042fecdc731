package broker

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// handleSend stores one message (SEND_MESSAGE, SEND_MESSAGE_V2) or a batch
// (SEND_BATCH_MESSAGE) and answers with its offset message id and queue
// offset.
func (b *Broker) handleSend(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	if b.opts.Role == RoleSlave {
		return remoting.NewResponse(req, remoting.ResponseServiceNotAvailable, "the broker is a slave and takes no writes")
	}
	h, err := remoting.ParseSendMessageRequestHeader(req)
	if err != nil {
		return errorResponse(req, remoting.ResponseMessageIllegal, err)
	}
	tc, code, err := b.topicForSend(&h)
	if err != nil {
		return errorResponse(req, code, err)
	}
	if resp := b.admitSend(c, req, &h); resp != nil {
		return resp
	}
	queueID := h.QueueID
	if queueID < 0 || int(queueID) >= tc.WriteQueueNums {
		queueID = rand.Int32N(int32(tc.WriteQueueNums))
	}
	born := c.RemoteAddrPort()
	m := message.Message{
		Topic:          h.Topic,
		QueueID:        queueID,
		Flag:           h.Flag,
		Body:           req.Body,
		Properties:     message.Properties(h.Properties),
		SysFlag:        h.SysFlag,
		BornTimestamp:  h.BornTimestamp,
		BornHost:       born,
		ReconsumeTimes: h.ReconsumeTimes,
	}
	if err := m.Properties.Validate(); err != nil {
		return errorResponse(req, remoting.ResponseMessageIllegal, err)
	}
	ctx := context.Background()
	if req.Code == remoting.RequestSendBatchMessage || h.Batch {
		return b.sendBatch(ctx, req, &m)
	}
	res, err := b.putMessage(ctx, &m)
	return b.replicatedResponse(sendResponse(req, queueID, []commitlog.AppendResult{res}, err), res.End())
}

// sendBatch stores the messages packed in m.Body as consecutive records.
func (b *Broker) sendBatch(ctx context.Context, req *remoting.Command, m *message.Message) *remoting.Command {
	inner, err := message.DecodeBatch(m.Body)
	if err != nil {
		return errorResponse(req, remoting.ResponseMessageIllegal, err)
	}
	if len(inner) == 0 {
		return errorResponse(req, remoting.ResponseMessageIllegal, errors.New("empty batch"))
	}
	for i := range inner {
		inner[i].Topic, inner[i].QueueID = m.Topic, m.QueueID
		inner[i].SysFlag, inner[i].BornTimestamp, inner[i].BornHost = m.SysFlag, m.BornTimestamp, m.BornHost
		if err := inner[i].Properties.Validate(); err != nil {
			return errorResponse(req, remoting.ResponseMessageIllegal, err)
		}
	}
	results, err := b.putMessages(ctx, inner)
	var end int64
	if n := len(results); n > 0 {
		end = results[n-1].End()
	}
	return b.replicatedResponse(sendResponse(req, m.QueueID, results, err), end)
}

// sendResponse maps a put's outcome to RocketMQ's send response: the ids of
// the stored messages (comma-separated for a batch), the queue and the
// first queue offset.
func sendResponse(req *remoting.Command, queueID int32, results []commitlog.AppendResult, err error) *remoting.Command {
	code := int16(remoting.ResponseSuccess)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrFlushTimeout) && len(results) > 0:
		code = remoting.ResponseFlushDiskTimeout // stored, not yet durable
	case errors.Is(err, store.ErrMessageIllegal), errors.Is(err, store.ErrMessageTooLarge):
		return errorResponse(req, remoting.ResponseMessageIllegal, err)
	case errors.Is(err, store.ErrDiskFull), errors.Is(err, store.ErrClosed):
		return errorResponse(req, remoting.ResponseServiceNotAvailable, err)
	default:
		return errorResponse(req, remoting.ResponseSystemError, err)
	}
	ids := make([]string, len(results))
	for i, r := range results {
		ids[i] = r.MsgID()
	}
	resp := remoting.NewResponse(req, code, "")
	h := remoting.SendMessageResponseHeader{MsgID: strings.Join(ids, ","), QueueID: queueID}
	if len(results) > 0 {
		h.QueueOffset = results[0].QueueOffset
	}
	resp.ExtFields = h.Encode(nil)
	return resp
}

// replicatedResponse holds a successful send's answer until replication
// allows it: on a SYNC_MASTER, a slave must have the message; otherwise the
// answer says FLUSH_SLAVE_TIMEOUT or SLAVE_NOT_AVAILABLE (the message is
// stored either way, as RocketMQ's).
func (b *Broker) replicatedResponse(resp *remoting.Command, end int64) *remoting.Command {
	if resp.Code != remoting.ResponseSuccess {
		return resp
	}
	if code, err := b.replicated(end); err != nil {
		resp.Code, resp.Remark = code, err.Error()
	}
	return resp
}

// topicForSend returns the topic's config, creating the topic from its
// template (TBW102) when auto-creation is on, as RocketMQ's
// createTopicInSendMessageMethod does. Retry topics are created on demand.
func (b *Broker) topicForSend(h *remoting.SendMessageRequestHeader) (TopicConfig, int16, error) {
	if err := store.ValidateTopic(h.Topic); err != nil {
		return TopicConfig{}, remoting.ResponseMessageIllegal, err
	}
	tc, ok := b.topics.get(h.Topic)
	if !ok {
		var err error
		tc, err = b.autoCreate(h)
		if err != nil {
			return tc, remoting.ResponseTopicNotExist, err
		}
	}
	if tc.Perm&PermWrite == 0 {
		return tc, remoting.ResponseNoPermission, fmt.Errorf("the broker[%s] sending message is forbidden for topic %s", b.opts.BrokerName, h.Topic)
	}
	return tc, remoting.ResponseSuccess, nil
}

func (b *Broker) autoCreate(h *remoting.SendMessageRequestHeader) (TopicConfig, error) {
	queues := int(h.DefaultTopicQueueNums)
	if strings.HasPrefix(h.Topic, retryGroupTopicPrefix) {
		queues = 1
	} else {
		tmpl, ok := b.topics.get(h.DefaultTopic)
		if !ok || tmpl.Perm&PermInherit == 0 {
			return TopicConfig{}, fmt.Errorf("topic[%s] not exist, apply first please", h.Topic)
		}
		queues = min(max(queues, 1), tmpl.WriteQueueNums)
	}
	tc := newTopicConfig(h.Topic, max(queues, 1), DefaultPerm)
	if err := b.topics.put(tc); err != nil {
		return tc, err
	}
	b.registerSoon()
	return tc, nil
}
