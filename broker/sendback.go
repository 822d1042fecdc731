package broker

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

// Retry limits, as RocketMQ's subscription group defaults.
const (
	dlqTopicPrefix           = "%DLQ%"
	defaultMaxReconsumeTimes = 16
)

// handleSendBack takes back a message a consumer failed to process
// (CONSUMER_SEND_MSG_BACK): it goes to the group's retry topic, or to its
// dead-letter topic once it was retried maxReconsumeTimes times. A retry is
// delayed by its level (3 + times retried unless the consumer chose one),
// through the schedule topic.
func (b *Broker) handleSendBack(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	if err := b.checkWritable(retryGroupTopicPrefix + req.ExtFields["group"]); err != nil {
		return errorResponse(req, remoting.ResponseServiceNotAvailable, err)
	}
	e := req.ExtFields
	phys, err := strconv.ParseInt(e["offset"], 10, 64)
	group := e["group"]
	if err != nil || group == "" {
		return remoting.NewResponse(req, remoting.ResponseInvalidParameter, "send back needs offset and group")
	}
	maxTimes := b.retryMaxTimes(group)
	if v, err := strconv.Atoi(e["maxReconsumeTimes"]); err == nil && v >= 0 && req.Version >= versionV3_4_9 {
		maxTimes = v
	}
	delayLevel, _ := strconv.Atoi(e["delayLevel"])
	orig, err := b.store.LookMessageByOffset(phys)
	if err != nil {
		return errorResponse(req, remoting.ResponseSystemError, fmt.Errorf("look message by offset %d: %w", phys, err))
	}
	topic := retryGroupTopicPrefix + group
	if int(orig.ReconsumeTimes) >= maxTimes || delayLevel < 0 {
		topic = dlqTopicPrefix + group
		origin := e["originTopic"]
		if origin == "" {
			origin = orig.Topic
		}
		b.metrics.deadLettered(origin, group)
	}
	if _, ok := b.topics.get(topic); !ok {
		// The first send-back of a group without a config creates its
		// retry (or dead-letter) topic, within the auto-creation limit.
		if _, known := b.groups.get(group); !known {
			if err := b.admitAutoCreate("retry topic", topic); err != nil {
				return errorResponse(req, remoting.ResponseSystemBusy, err)
			}
		}
	}
	if err := b.ensureTopic(topic); err != nil {
		return errorResponse(req, remoting.ResponseSystemError, err)
	}
	props := orig.Properties
	if _, ok := props.Lookup(message.PropertyRetryTopic); !ok {
		props = props.Set(message.PropertyRetryTopic, orig.Topic)
	}
	if _, ok := props.Lookup(message.PropertyOriginMessageID); !ok {
		id := e["originMsgId"]
		if id == "" {
			id = orig.OffsetMsgID()
		}
		props = props.Set(message.PropertyOriginMessageID, id)
	}
	if topic == retryGroupTopicPrefix+group {
		// Retries come back later and later: level 3 (10 s) first, as
		// RocketMQ's default, unless the consumer asked for a level.
		if delayLevel == 0 {
			delayLevel = 3 + int(orig.ReconsumeTimes)
		}
		props = props.Set(message.PropertyDelayLevel, strconv.Itoa(delayLevel))
	} else {
		props = props.Delete(message.PropertyDelayLevel)
	}
	m := message.Message{
		Topic: topic, QueueID: 0, Flag: orig.Flag, Body: orig.Body, Properties: props,
		SysFlag: orig.SysFlag, BornTimestamp: orig.BornTimestamp, BornHost: orig.BornHost,
		ReconsumeTimes: orig.ReconsumeTimes + 1,
	}
	if _, err := b.putMessage(context.Background(), &m); err != nil && !errors.Is(err, commitlog.ErrFlushTimeout) {
		return errorResponse(req, remoting.ResponseSystemError, err)
	}
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}
