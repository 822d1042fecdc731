package broker

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/rocketstore/rocketstore/remoting"
)

func offsetResponse(req *remoting.Command, off int64) *remoting.Command {
	resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
	h := remoting.OffsetResponseHeader{Offset: off}
	resp.ExtFields = h.Encode(nil)
	return resp
}

// handleGetMaxOffset answers a queue's logical end.
func (b *Broker) handleGetMaxOffset(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	var h remoting.GetMaxOffsetRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorResponse(req, remoting.ResponseInvalidParameter, err)
	}
	return offsetResponse(req, b.store.GetMaxOffsetInQueue(h.Topic, h.QueueID))
}

// handleGetMinOffset answers a queue's first logical offset.
func (b *Broker) handleGetMinOffset(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	var h remoting.GetMinOffsetRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorResponse(req, remoting.ResponseInvalidParameter, err)
	}
	return offsetResponse(req, b.store.GetMinOffsetInQueue(h.Topic, h.QueueID))
}

// handleSearchOffset answers the first logical offset stored at or after a
// time.
func (b *Broker) handleSearchOffset(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	var h remoting.SearchOffsetRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorResponse(req, remoting.ResponseInvalidParameter, err)
	}
	off, err := b.store.GetOffsetInQueueByTime(h.Topic, h.QueueID, h.Timestamp)
	if err != nil {
		return errorResponse(req, remoting.ResponseSystemError, err)
	}
	return offsetResponse(req, off)
}

// handleQueryMessage answers the messages with a key: their raw records,
// one after another, as RocketMQ sends them.
func (b *Broker) handleQueryMessage(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	var h remoting.QueryMessageRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorResponse(req, remoting.ResponseInvalidParameter, err)
	}
	// Capped, as RocketMQ caps it: an unbounded maxNum would make one
	// request read the whole index and answer a frame no client can read.
	maxNum := int(min(max(h.MaxNum, 1), int32(b.opts.QueryMaxNum)))
	res, err := b.store.QueryMessageWithin(h.Topic, h.Key, maxNum, b.opts.QueryMaxBytes, h.BeginTimestamp, h.EndTimestamp)
	if err != nil {
		return errorResponse(req, remoting.ResponseSystemError, err)
	}
	if len(res.Raw) == 0 {
		return remoting.NewResponse(req, remoting.ResponseQueryNotFound, "can not find message, maybe time range not correct")
	}
	resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
	rh := remoting.QueryMessageResponseHeader{IndexLastUpdateTimestamp: res.IndexLastUpdateTimestamp, IndexLastUpdatePhyoffset: res.IndexLastUpdatePhysOffset}
	resp.ExtFields = rh.Encode(nil)
	for _, r := range res.Raw {
		resp.Body = append(resp.Body, r...)
	}
	return resp
}

// handleViewMessage answers the raw record at a physical offset (the offset
// inside an offset message id), written from the commit log without a copy:
// a client that asks for large messages and reads slowly holds page cache,
// not heap, until the server drops it.
func (b *Broker) handleViewMessage(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	var h remoting.ViewMessageRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorResponse(req, remoting.ResponseInvalidParameter, err)
	}
	e, err := b.store.MessageEntry(h.Offset)
	if err != nil {
		return b.refuse(c, req, remoting.ResponseSystemError, fmt.Errorf("no message at offset %d: %w", h.Offset, err))
	}
	if req.IsOneway() {
		e.Release()
		return nil
	}
	if err := c.ReplyVectored(req, remoting.NewResponse(req, remoting.ResponseSuccess, ""), [][]byte{e.Bytes}, e.Release); err != nil {
		b.log.Debug("view response dropped", "addr", c.RemoteAddr(), "err", err)
	}
	return nil
}

// handleCreateTopic creates or updates a topic (UPDATE_AND_CREATE_TOPIC).
func (b *Broker) handleCreateTopic(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	e := req.ExtFields
	tc := TopicConfig{TopicName: e["topic"], TopicFilterType: e["topicFilterType"]}
	var err error
	ints := []struct {
		key string
		dst *int
	}{{"readQueueNums", &tc.ReadQueueNums}, {"writeQueueNums", &tc.WriteQueueNums}, {"perm", &tc.Perm}, {"topicSysFlag", &tc.TopicSysFlag}}
	for _, f := range ints {
		v, ok := e[f.key]
		if !ok {
			continue
		}
		if *f.dst, err = strconv.Atoi(v); err != nil {
			return errorResponse(req, remoting.ResponseInvalidParameter, fmt.Errorf("%s=%q: %w", f.key, v, err))
		}
	}
	if tc.Perm == 0 {
		tc.Perm = DefaultPerm
	}
	tc.Order = e["order"] == "true"
	if tc.TopicName == AutoCreateTopicKey {
		return remoting.NewResponse(req, remoting.ResponseSystemError, "the topic "+AutoCreateTopicKey+" is reserved")
	}
	if err := b.topics.put(tc); err != nil {
		return errorResponse(req, remoting.ResponseSystemError, err)
	}
	b.registerSoon()
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// handleDeleteTopic deletes a topic (DELETE_TOPIC_IN_BROKER): see
// deleteTopic.
func (b *Broker) handleDeleteTopic(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	topic := req.ExtFields["topic"]
	if topic == "" {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, errors.New("missing topic"))
	}
	if code, err := b.deleteTopic(topic); err != nil {
		return b.refuse(c, req, code, err, "topic", topic)
	}
	b.log.Info("topic deleted", "topic", topic, "addr", c.RemoteAddr())
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// handleGetAllTopicConfig answers every topic config.
func (b *Broker) handleGetAllTopicConfig(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	topics, version := b.topics.snapshot()
	body, err := json.Marshal(topicFile{TopicConfigTable: topics, DataVersion: version})
	if err != nil {
		return errorResponse(req, remoting.ResponseSystemError, err)
	}
	resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
	resp.Body = body
	return resp
}
