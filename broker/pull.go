package broker

import (
	"fmt"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// Pull request sys flags (PullSysFlag).
const (
	pullCommitOffset = 0x1
	pullSuspend      = 0x2
	pullSubscription = 0x4 // the pull carries its own subscription expression
)

// pullRequest is one pull, kept while it is suspended.
type pullRequest struct {
	conn     *remoting.Conn
	req      *remoting.Command
	h        remoting.PullMessageRequestHeader
	filter   store.MessageFilter
	deadline time.Time
	woken    bool // a message it wants arrived (guarded by longPoll.mu)
	// heapIndex is the pull's place in longPoll.deadlines, -1 when not
	// parked (guarded by longPoll.mu).
	heapIndex int
}

// handlePull answers PULL_MESSAGE: messages from the queue, or a suspension
// until some arrive (long polling), or the status the client needs to move
// its offset.
func (b *Broker) handlePull(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	var h remoting.PullMessageRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, err)
	}
	if _, err := b.topicForRead(h.Topic); err != nil {
		return b.refuse(c, req, remoting.ResponseTopicNotExist, err, "group", h.ConsumerGroup)
	}
	if h.QueueID < 0 {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, fmt.Errorf("queueId %d", h.QueueID), "topic", h.Topic)
	}
	filter, refusal := b.pullFilter(&h)
	if refusal != nil {
		return b.refuse(c, req, refusal.code, refusal.err, "group", h.ConsumerGroup, "topic", h.Topic)
	}
	if resp := b.admitPull(c, req, &h); resp != nil {
		return resp
	}
	if h.SysFlag&pullCommitOffset != 0 && h.CommitOffset >= 0 {
		b.offsets.commit(h.ConsumerGroup, h.Topic, h.QueueID, h.CommitOffset)
	}
	wait := suspendFor(h.SuspendTimeoutMillis, b.opts.SuspendMax)
	p := &pullRequest{conn: c, req: req, h: h, filter: filter, deadline: time.Now().Add(wait), heapIndex: -1}
	return b.pull(p, h.SysFlag&pullSuspend != 0)
}

// pull runs p against the store. With messages it writes the response
// itself (the records go out without being copied) and returns nil; with
// none and allowSuspend it parks p and returns nil; otherwise it returns
// the response.
func (b *Broker) pull(p *pullRequest, allowSuspend bool) *remoting.Command {
	h := &p.h
	r, err := b.store.GetMessage(h.ConsumerGroup, h.Topic, h.QueueID, h.QueueOffset, int(max(h.MaxMsgNums, 1)), p.filter)
	if err != nil {
		return b.refuse(p.conn, p.req, remoting.ResponseSystemError, err, "topic", h.Topic)
	}
	code := pullCode(r.Status, h.QueueOffset)
	rh := remoting.PullMessageResponseHeader{NextBeginOffset: r.NextBeginOffset, MinOffset: r.MinOffset, MaxOffset: r.MaxOffset}
	if r.SuggestPullingFromSlave && b.hasSlaveInSync() {
		rh.SuggestWhichBrokerID = 1 // cold data: let a slave serve it
	}
	if code == remoting.ResponsePullOffsetMoved && !b.isMaster() {
		// A slave may lag behind the offset a consumer reached on the
		// master: moving the consumer back to the slave's end would deliver
		// again what it consumed. As RocketMQ's slave (offsetCheckInSlave
		// off), it tells the client to pull again, from the master, at the
		// offset it asked for: clients take the next offset of this answer
		// too, and the slave's end would move them back all the same.
		code, rh.SuggestWhichBrokerID = remoting.ResponsePullRetryImmediately, 0
		rh.NextBeginOffset = h.QueueOffset
	}
	resp := remoting.NewResponse(p.req, code, "")
	resp.ExtFields = rh.Encode(nil)
	if resp.Code == remoting.ResponseSuccess {
		parts := make([][]byte, len(r.Messages))
		for i, e := range r.Messages {
			parts[i] = e.Bytes
		}
		// The records leave straight from the commit log; the files are
		// held until the writer has sent them.
		if err := p.conn.ReplyVectored(p.req, resp, parts, r.Release); err != nil {
			b.pullResponseDropped(p.conn, err)
			return nil
		}
		b.pullStats.add(len(parts), r.BufferTotalSize)
		b.pullDelivered(p, len(parts), r.BufferTotalSize)
		return nil
	}
	r.Release()
	if resp.Code == remoting.ResponsePullNotFound && allowSuspend && time.Now().Before(p.deadline) {
		if b.polls.hold(p) {
			return nil
		}
		b.refusals.warn(b.log, "suspend:"+p.conn.RemoteAddr(), "pull not suspended: the connection holds too many",
			"addr", p.conn.RemoteAddr(), "max", b.opts.MaxSuspendedPullsPerConn, "topic", h.Topic)
	}
	return resp
}

// suspendFor is how long a pull asking to be held suspendMillis may be
// held: clamped to [0, limit] before it is made a duration, so that a huge
// value cannot overflow into a negative one (an immediate answer, and a
// client pulling in a loop).
func suspendFor(suspendMillis int64, limit time.Duration) time.Duration {
	limitMillis := limit.Milliseconds()
	return time.Duration(max(0, min(suspendMillis, limitMillis))) * time.Millisecond
}

// pullCode maps a store status to the pull response code, as RocketMQ's
// PullMessageProcessor does.
func pullCode(st store.GetStatus, offset int64) int16 {
	switch st {
	case store.Found:
		return remoting.ResponseSuccess
	case store.MessageWasRemoving, store.NoMatchedMessage:
		return remoting.ResponsePullRetryImmediately
	case store.NoMatchedLogicQueue, store.NoMessageInQueue:
		if offset != 0 {
			return remoting.ResponsePullOffsetMoved
		}
		return remoting.ResponsePullNotFound
	case store.OffsetOverflowBadly, store.OffsetTooSmall:
		return remoting.ResponsePullOffsetMoved
	default: // OffsetFoundNull, OffsetOverflowOne
		return remoting.ResponsePullNotFound
	}
}

// pullResponseDropped notes a pull response that a closed connection could
// not take. The client is gone and will pull again from its offset; the
// connection's end is what the operator needs, and remoting reports it.
func (b *Broker) pullResponseDropped(c *remoting.Conn, err error) {
	b.log.Debug("pull response dropped", "addr", c.RemoteAddr(), "err", err)
}
