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
// offset. A transactional message is stored as a half message (see
// transaction.go).
func (b *Broker) handleSend(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	if !b.isMaster() {
		return b.refuseSend(c, req, remoting.ResponseServiceNotAvailable, errors.New("the broker is a slave and takes no writes"))
	}
	h, m, code, err := b.parseSend(c, req)
	if err != nil {
		return b.refuseSend(c, req, code, err)
	}
	if resp := b.admitSend(c, req, &h); resp != nil {
		return resp
	}
	ctx := context.Background()
	if req.Code == remoting.RequestSendBatchMessage || h.Batch {
		return b.sendBatch(ctx, c, req, &m)
	}
	queueID := m.QueueID
	if isTransactional(&m) {
		// A committed transaction is timed when END_TRANSACTION writes it.
		if err := b.prepareHalf(&m, h.ProducerGroup); err != nil {
			return b.refuseSend(c, req, remoting.ResponseMessageIllegal, err)
		}
	} else if code, err := b.rewriteTimer(&m); err != nil {
		return b.refuseSend(c, req, code, err)
	}
	res, err := b.storeSent(ctx, &m)
	return b.replicatedResponse(b.sendResponse(req, queueID, []commitlog.AppendResult{res}, err), res.End())
}

// parseSend reads a send request (SEND_MESSAGE and its V2, batch and reply
// forms) into the message to store, checking its topic (created from its
// template when it may be) and properties.
func (b *Broker) parseSend(c *remoting.Conn, req *remoting.Command) (remoting.SendMessageRequestHeader, message.Message, int16, error) {
	h, err := remoting.ParseSendMessageRequestHeader(req)
	if err != nil {
		return h, message.Message{}, remoting.ResponseMessageIllegal, err
	}
	switch message.TransactionType(h.SysFlag) {
	case message.TransactionCommitType, message.TransactionRollbackType:
		return h, message.Message{}, remoting.ResponseMessageIllegal,
			fmt.Errorf("sysFlag %#x has a commit or rollback type: only END_TRANSACTION ends a transaction", h.SysFlag)
	}
	tc, code, err := b.topicForSend(&h)
	if err != nil {
		return h, message.Message{}, code, err
	}
	queueID := h.QueueID
	if queueID < 0 || int(queueID) >= tc.WriteQueueNums {
		queueID = rand.Int32N(int32(tc.WriteQueueNums))
	}
	m := message.Message{
		Topic:          h.Topic,
		QueueID:        queueID,
		Flag:           h.Flag,
		Body:           req.Body,
		Properties:     message.Properties(h.Properties),
		SysFlag:        h.SysFlag,
		BornTimestamp:  h.BornTimestamp,
		BornHost:       c.RemoteAddrPort(),
		ReconsumeTimes: h.ReconsumeTimes,
	}
	if err := m.Properties.Validate(); err != nil {
		return h, m, remoting.ResponseMessageIllegal, err
	}
	if !h.Batch && req.Code != remoting.RequestSendBatchMessage {
		// The cluster a request came through: a reply to it goes to
		// <cluster>_REPLY_TOPIC (RocketMQ adds it to every message).
		m.Properties = m.Properties.Set(propCluster, b.opts.ClusterName)
	}
	return h, m, remoting.ResponseSuccess, nil
}

// refuseSend answers a send that is not stored, and logs why.
func (b *Broker) refuseSend(c *remoting.Conn, req *remoting.Command, code int16, err error) *remoting.Command {
	b.warnings.warn(fmt.Sprintf("send:%d:%s", code, c.RemoteAddr()), "send refused", "addr", c.RemoteAddr(), "code", code, "err", err)
	return errorResponse(req, code, err)
}

// sendBatch stores the messages packed in m.Body as consecutive records.
func (b *Broker) sendBatch(ctx context.Context, c *remoting.Conn, req *remoting.Command, m *message.Message) *remoting.Command {
	if isTransactional(m) {
		return b.refuseSend(c, req, remoting.ResponseMessageIllegal, errors.New("a batch cannot be transactional"))
	}
	inner, err := message.DecodeBatch(m.Body)
	if err != nil {
		return b.refuseSend(c, req, remoting.ResponseMessageIllegal, err)
	}
	if len(inner) == 0 {
		return b.refuseSend(c, req, remoting.ResponseMessageIllegal, errors.New("empty batch"))
	}
	for i := range inner {
		inner[i].Topic, inner[i].QueueID = m.Topic, m.QueueID
		inner[i].SysFlag, inner[i].BornTimestamp, inner[i].BornHost = m.SysFlag, m.BornTimestamp, m.BornHost
		if err := inner[i].Properties.Validate(); err != nil {
			return b.refuseSend(c, req, remoting.ResponseMessageIllegal, err)
		}
		if err := b.checkBatchTimer(&inner[i]); err != nil {
			return b.refuseSend(c, req, remoting.ResponseMessageIllegal, err)
		}
	}
	results, err := b.storeSentBatch(ctx, inner)
	var end int64
	if n := len(results); n > 0 {
		end = results[n-1].End()
	}
	return b.replicatedResponse(b.sendResponse(req, m.QueueID, results, err), end)
}

// sendResponse maps a put's outcome to RocketMQ's send response: the ids of
// the stored messages (comma-separated for a batch), the queue and the
// first queue offset, the region and whether producers may trace.
func (b *Broker) sendResponse(req *remoting.Command, queueID int32, results []commitlog.AppendResult, err error) *remoting.Command {
	code := int16(remoting.ResponseSuccess)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrUnwritable):
		// As RocketMQ's store when it is not writeable; the remark says
		// why ("store unwritable: <cause>"). The failure was logged when
		// it happened (see storeEvents).
		return errorResponse(req, remoting.ResponseServiceNotAvailable, err)
	case errors.Is(err, store.ErrFlushTimeout) && len(results) > 0:
		code = remoting.ResponseFlushDiskTimeout // stored, not yet durable
	case errors.Is(err, store.ErrMessageIllegal), errors.Is(err, store.ErrMessageTooLarge):
		code = remoting.ResponseMessageIllegal
	case errors.Is(err, store.ErrDiskFull), errors.Is(err, store.ErrClosed), errors.Is(err, ErrSlaveNoWrite),
		errors.Is(err, store.ErrDispatchFailing):
		code = remoting.ResponseServiceNotAvailable
	default:
		code = remoting.ResponseSystemError
	}
	if code != remoting.ResponseSuccess && code != remoting.ResponseFlushDiskTimeout {
		b.warnings.warn(fmt.Sprintf("put:%d", code), "message not stored", "code", code, "err", err)
		return errorResponse(req, code, err)
	}
	ids := make([]string, len(results))
	for i, r := range results {
		ids[i] = r.MsgID()
	}
	resp := remoting.NewResponse(req, code, "")
	h := remoting.SendMessageResponseHeader{MsgID: strings.Join(ids, ","), QueueID: queueID,
		MsgRegion: defaultRegionID, TraceOn: !b.opts.DisableTraceOn}
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
	if notSendable(h.Topic) {
		return TopicConfig{}, remoting.ResponseNoPermission, fmt.Errorf("sending message to topic[%s] is forbidden: it is the broker's own", h.Topic)
	}
	tc, ok := b.topics.get(h.Topic)
	if !ok {
		var err error
		tc, err = b.autoCreate(h)
		if errors.Is(err, errAutoCreateLimited) {
			return tc, remoting.ResponseSystemBusy, err
		}
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
	if err := b.admitAutoCreate("topic", h.Topic); err != nil {
		return TopicConfig{}, err
	}
	tc := newTopicConfig(h.Topic, max(queues, 1), DefaultPerm)
	if err := b.topics.putDerived(tc); err != nil {
		return tc, err
	}
	b.registerSoon()
	return tc, nil
}
