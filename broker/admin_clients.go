package broker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// callClientTimeout bounds a request the broker forwards to a client
// (GET_CONSUMER_RUNNING_INFO), as RocketMQ's Broker2Client.callClient.
const callClientTimeout = 5 * time.Second

// connection is RocketMQ's Connection: one client connection of a group.
type connection struct {
	ClientID   string `json:"clientId"`
	ClientAddr string `json:"clientAddr"`
	Language   string `json:"language"`
	Version    int    `json:"version"`
}

func connectionOf(cc clientConn) connection {
	return connection{ClientID: cc.id, ClientAddr: cc.addr, Language: cc.language, Version: int(cc.version)}
}

// groupsSubscribedTo lists the groups whose live consumers subscribe to
// topic.
func (t *consumerTable) groupsSubscribedTo(topic string) []string {
	t.mu.Lock()
	groups := slices.Collect(maps.Keys(t.groups))
	t.mu.Unlock()
	var out []string
	for _, g := range groups {
		if s, _ := t.subs.find(g, topic); s != nil {
			out = append(out, g)
		}
	}
	return out
}

// member returns the live connection of clientID in group, or nil.
func (t *consumerTable) member(group, clientID string) *remoting.Conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cl := t.groups[group][clientID]; cl != nil {
		return cl.conn
	}
	return nil
}

// memberConns returns the connections of group's live consumers.
func (t *consumerTable) memberConns(group string) []*remoting.Conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*remoting.Conn
	for _, cl := range t.groups[group] {
		out = append(out, cl.conn)
	}
	return out
}

// handleGetConsumerConnectionList answers GET_CONSUMER_CONNECTION_LIST: a
// group's live client connections, subscriptions and consume mode, as
// RocketMQ's ConsumerConnection; CONSUMER_NOT_ONLINE when it has none.
func (b *Broker) handleGetConsumerConnectionList(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	group, err := req.Field("consumerGroup")
	if err != nil {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, err)
	}
	clients := b.clients.withGroup(group, false)
	if len(clients) == 0 {
		return b.refuse(c, req, remoting.ResponseConsumerNotOnline, fmt.Errorf("the consumer group[%s] not online", group))
	}
	body := struct {
		ConnectionSet     []connection                `json:"connectionSet"`
		SubscriptionTable map[string]subscriptionData `json:"subscriptionTable"`
		ConsumeType       string                      `json:"consumeType"`
		MessageModel      string                      `json:"messageModel"`
		ConsumeFromWhere  string                      `json:"consumeFromWhere"`
	}{SubscriptionTable: map[string]subscriptionData{}}
	for _, cc := range clients {
		body.ConnectionSet = append(body.ConnectionSet, connectionOf(cc))
		mode := cc.consumers[group]
		body.ConsumeType, body.MessageModel, body.ConsumeFromWhere = mode.ConsumeType, mode.MessageModel, mode.ConsumeFromWhere
	}
	for _, topic := range b.consumers.subs.topics(group) {
		if s, _ := b.consumers.subs.find(group, topic); s != nil {
			body.SubscriptionTable[topic] = s.subscriptionData
		}
	}
	return jsonResponse(req, body)
}

// handleGetProducerConnectionList answers GET_PRODUCER_CONNECTION_LIST: a
// producer group's live client connections, as RocketMQ's
// ProducerConnection; SYSTEM_ERROR when the group has none.
func (b *Broker) handleGetProducerConnectionList(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	group, err := req.Field("producerGroup")
	if err != nil {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, err)
	}
	clients := b.clients.withGroup(group, true)
	if len(clients) == 0 {
		return b.refuse(c, req, remoting.ResponseSystemError, fmt.Errorf("the producer group[%s] not exist", group))
	}
	body := struct {
		ConnectionSet []connection `json:"connectionSet"`
	}{}
	for _, cc := range clients {
		body.ConnectionSet = append(body.ConnectionSet, connectionOf(cc))
	}
	return jsonResponse(req, body)
}

// handleGetConsumerRunningInfo answers GET_CONSUMER_RUNNING_INFO by asking
// the consumer itself: the request goes to the client's connection and its
// answer (ConsumerRunningInfo) comes back unchanged, as RocketMQ's
// callConsumer.
func (b *Broker) handleGetConsumerRunningInfo(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	group, clientID := req.ExtFields["consumerGroup"], req.ExtFields["clientId"]
	conn := b.consumers.member(group, clientID)
	if conn == nil {
		return b.refuse(c, req, remoting.ResponseSystemError, fmt.Errorf("The Consumer <%s> <%s> not online", group, clientID))
	}
	fwd := remoting.NewRequest(remoting.RequestGetConsumerRunningInfo, maps.Clone(req.ExtFields), req.Body)
	ctx, cancel := context.WithTimeout(context.Background(), callClientTimeout)
	defer cancel()
	answer, err := conn.Call(ctx, fwd)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return b.refuse(c, req, remoting.ResponseConsumeMsgTimeout, fmt.Errorf("consumer <%s> <%s> Timeout: %v", group, clientID, err))
	case err != nil:
		return b.refuse(c, req, remoting.ResponseSystemError, fmt.Errorf("invoke consumer <%s> <%s> Exception: %v", group, clientID, err))
	}
	resp := remoting.NewResponse(req, answer.Code, answer.Remark)
	resp.ExtFields, resp.Body = answer.ExtFields, answer.Body
	return resp
}

// resetOffsetBody writes RocketMQ's ResetOffsetBody for topic: queue →
// offset, keyed by MessageQueue in fastjson's shape (what
// rocketmq-client-go parses from RESET_CONSUMER_CLIENT_OFFSET).
func (b *Broker) resetOffsetBody(topic string, offsets map[int32]int64) []byte {
	body := []byte(`{"offsetTable":{`)
	for i, q := range slices.Sorted(maps.Keys(offsets)) {
		if i > 0 {
			body = append(body, ',')
		}
		body = remoting.AppendQueueKey(body, remoting.MessageQueue{Topic: topic, BrokerName: b.opts.BrokerName, QueueID: q})
		body = strconv.AppendInt(body, offsets[q], 10)
	}
	return append(body, "}}"...)
}

// handleResetOffset answers INVOKE_BROKER_TO_RESET_OFFSET: it moves a
// group's offsets in a topic to the first message stored at or after
// timestamp (-1: the queues' ends, skipping the backlog), or one queue to
// an explicit offset, while its consumers run. The broker's offset table
// takes the new offsets at once (pending until each queue is pulled from
// them; see offsets_reset.go), live consumers are told with
// RESET_CONSUMER_CLIENT_OFFSET, and the answer is the ResetOffsetBody.
// Without isForce, a queue only moves back (to consume again), never
// forward past unconsumed messages, as RocketMQ's Broker2Client.
func (b *Broker) handleResetOffset(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	e := req.ExtFields
	topic, group := e["topic"], e["group"]
	if topic == "" || group == "" {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, errors.New("reset offset needs topic and group"))
	}
	if !b.isMaster() {
		return b.refuse(c, req, remoting.ResponseSystemError, errors.New("Can not reset offset in slave broker"))
	}
	tc, ok := b.topics.get(topic)
	if !ok {
		return b.refuse(c, req, remoting.ResponseTopicNotExist, fmt.Errorf("Topic %s does not exist", topic))
	}
	timestamp, err := strconv.ParseInt(e["timestamp"], 10, 64)
	if err != nil {
		timestamp = -1
	}
	force := e["isForce"] != "false"
	queueID := int32(-1)
	if v, err := strconv.Atoi(e["queueId"]); err == nil {
		queueID = int32(v)
	}
	target := map[int32]int64{}
	if queueID >= 0 {
		if v, err := strconv.ParseInt(e["offset"], 10, 64); err == nil && v != -1 {
			lo, hi := b.store.GetMinOffsetInQueue(topic, queueID), b.store.GetMaxOffsetInQueue(topic, queueID)
			if v < lo || v > hi {
				return b.refuse(c, req, remoting.ResponseSystemError,
					fmt.Errorf("Target offset %d not in consume queue range [%d-%d]", v, lo, hi))
			}
			target[queueID] = v
		} else if target[queueID], err = b.offsetAt(topic, queueID, timestamp); err != nil {
			return b.refuse(c, req, remoting.ResponseSystemError, err)
		}
	} else {
		for q := range int32(tc.ReadQueueNums) {
			off, err := b.offsetAt(topic, q, timestamp)
			if err != nil {
				return b.refuse(c, req, remoting.ResponseSystemError, err)
			}
			if cur, ok := b.offsets.query(group, topic, q); !force && ok && off > cur {
				off = cur // not forced: never skip what the group has not consumed
			}
			target[q] = off
		}
	}
	for q, off := range target {
		b.offsets.assignReset(group, topic, q, off)
	}
	body := b.resetOffsetBody(topic, target)
	b.log.Info("consumer offsets reset", "group", group, "topic", topic, "timestamp", timestamp,
		"queues", len(target), "addr", c.RemoteAddr())
	push := remoting.NewRequest(remoting.RequestResetConsumerClientOffset,
		map[string]string{"topic": topic, "group": group, "timestamp": strconv.FormatInt(timestamp, 10),
			"isForce": strconv.FormatBool(force)}, body)
	for _, conn := range b.consumers.memberConns(group) {
		if err := conn.Oneway(push); err != nil {
			b.log.Warn("reset offset not pushed to consumer", "group", group, "addr", conn.RemoteAddr(), "err", err)
		}
	}
	return bodyResponse(req, body)
}

// offsetAt is the offset a reset to timestamp moves a queue to: the first
// message stored at or after it, or the queue's end for a negative one.
func (b *Broker) offsetAt(topic string, q int32, timestamp int64) (int64, error) {
	if timestamp < 0 {
		return b.store.GetMaxOffsetInQueue(topic, q), nil
	}
	return b.store.GetOffsetInQueueByTime(topic, q, timestamp)
}

// handleCloneGroupOffset answers CLONE_GROUP_OFFSET: a group's offsets in a
// topic (or in every topic it has offsets in) are copied to another group.
func (b *Broker) handleCloneGroupOffset(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	src, dst := req.ExtFields["srcGroup"], req.ExtFields["destGroup"]
	if src == "" || dst == "" {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, errors.New("clone group offset needs srcGroup and destGroup"))
	}
	topics := []string{req.ExtFields["topic"]}
	if topics[0] == "" {
		topics = b.offsets.topicsOf(src)
	}
	for _, topic := range topics {
		if _, ok := b.topics.get(topic); !ok {
			b.log.Warn("clone group offset: topic does not exist", "topic", topic)
			continue
		}
		for q, off := range b.offsets.groupQueues(src, topic) {
			b.offsets.commit(dst, topic, q, off)
		}
	}
	b.log.Info("group offsets cloned", "from", src, "to", dst, "topics", len(topics), "addr", c.RemoteAddr())
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// topics lists the topics group subscribes to.
func (t *subscriptionTable) topics(group string) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return slices.Sorted(maps.Keys(t.groups[group]))
}
