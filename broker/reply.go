package broker

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

// Request-reply properties (MessageConst).
const (
	propReplyToClient = "REPLY_TO_CLIENT" // the requesting producer's client id
	propPushReplyTime = "PUSH_REPLY_TIME"
)

// pushReplyTimeout bounds the push of a reply to its requester.
const pushReplyTimeout = 3 * time.Second

// handleSendReply takes a reply of request-reply (SEND_REPLY_MESSAGE and
// its V2), as RocketMQ's ReplyMessageProcessor: the reply is pushed to the
// producer that sent the request (its client id is in REPLY_TO_CLIENT;
// its connection is known from its heartbeats) as
// PUSH_REPLY_MESSAGE_TO_CLIENT, then stored in its topic (the cluster's
// reply topic). The answer is SUCCESS only if the requester took the reply.
func (b *Broker) handleSendReply(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	if b.opts.Role == RoleSlave {
		return b.refuseSend(c, req, remoting.ResponseServiceNotAvailable, errors.New("the broker is a slave and takes no writes"))
	}
	h, m, code, err := b.parseSend(c, req)
	if err != nil {
		return b.refuseSend(c, req, code, err)
	}
	if err := b.pushReply(&h, &m); err != nil {
		return b.refuseSend(c, req, remoting.ResponseSystemError, err)
	}
	res, err := b.putMessage(context.Background(), &m)
	return b.replicatedResponse(b.sendResponse(req, m.QueueID, []commitlog.AppendResult{res}, err), res.End())
}

// pushReply sends the reply m to the producer named by its REPLY_TO_CLIENT
// and waits for its answer.
func (b *Broker) pushReply(h *remoting.SendMessageRequestHeader, m *message.Message) error {
	client := m.Properties.Get(propReplyToClient)
	if client == "" {
		return fmt.Errorf("reply message properties[%s] is null", propReplyToClient)
	}
	conn := b.producers.connOf(client)
	if conn == nil {
		return fmt.Errorf("push reply message fail, channel of <%s> not found", client)
	}
	props := m.Properties.Set(propPushReplyTime, strconv.FormatInt(time.Now().UnixMilli(), 10))
	ext := map[string]string{
		"producerGroup":         h.ProducerGroup,
		"topic":                 m.Topic,
		"defaultTopic":          h.DefaultTopic,
		"defaultTopicQueueNums": strconv.Itoa(int(h.DefaultTopicQueueNums)),
		"queueId":               strconv.Itoa(int(m.QueueID)),
		"sysFlag":               strconv.Itoa(int(m.SysFlag)),
		"bornTimestamp":         strconv.FormatInt(m.BornTimestamp, 10),
		"flag":                  strconv.Itoa(int(m.Flag)),
		"properties":            string(props),
		"reconsumeTimes":        strconv.Itoa(int(m.ReconsumeTimes)),
		"unitMode":              strconv.FormatBool(h.UnitMode),
		"bornHost":              hostString(m.BornHost),
		"storeHost":             hostString(b.opts.Store.CommitLog.StoreHost),
		"storeTimestamp":        strconv.FormatInt(time.Now().UnixMilli(), 10),
	}
	ctx, cancel := context.WithTimeout(context.Background(), pushReplyTimeout)
	defer cancel()
	resp, err := conn.Call(ctx, remoting.NewRequest(remoting.RequestPushReplyMessageToClient, ext, m.Body))
	if err != nil {
		return fmt.Errorf("push reply message to <%s> fail: %w", client, err)
	}
	if resp.Code != remoting.ResponseSuccess {
		return fmt.Errorf("push reply message to <%s> fail: code %d %s", client, resp.Code, resp.Remark)
	}
	return nil
}

// hostString writes an address as RocketMQ's reply header does: ip:port.
func hostString(a netip.AddrPort) string {
	if !a.IsValid() {
		return ""
	}
	return a.Addr().Unmap().String() + ":" + strconv.Itoa(int(a.Port()))
}
