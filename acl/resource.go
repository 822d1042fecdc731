package acl

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/rocketstore/rocketstore/remoting"
)

// Need is one resource a request touches and the permission it needs.
type Need struct {
	// Resource is a topic name, or a group's GroupResource.
	Resource string
	Perm     Perm
}

// TopicNeed is the need of perm on topic.
func TopicNeed(topic string, perm Perm) Need { return Need{Resource: topic, Perm: perm} }

// GroupNeed is the need of perm on group.
func GroupNeed(group string, perm Perm) Need { return Need{Resource: GroupResource(group), Perm: perm} }

// Requirement is what a request needs from the account that signed it.
type Requirement struct {
	// Admin requires an admin account.
	Admin bool
	// Needs lists the resources touched; empty means any account will do.
	Needs []Need
}

// DefaultAdminCodes are the request codes that need an admin account:
// RocketMQ's five (topic and group creation and deletion, broker config),
// and the ones its list leaves open although they change what others
// rely on: the ACL itself, offset resets and clones, name server routes,
// KV config and config, file cleanup, and reading the ACL's secrets.
func DefaultAdminCodes() []int16 {
	return []int16{
		// RocketMQ's Permission.ADMIN_CODE.
		remoting.RequestUpdateAndCreateTopic,
		remoting.RequestUpdateBrokerConfig,
		remoting.RequestDeleteTopicInBroker,
		remoting.RequestUpdateAndCreateSubscriptionGroup,
		remoting.RequestDeleteSubscriptionGroup,
		// The ACL's own admin codes.
		remoting.RequestUpdateAndCreateACLConfig,
		remoting.RequestDeleteACLConfig,
		remoting.RequestUpdateGlobalWhiteAddrsConfig,
		remoting.RequestGetBrokerClusterACLConfig,
		// Offsets of groups that are not the caller's.
		remoting.RequestInvokeBrokerToResetOffset,
		remoting.RequestResetConsumerOffsetInBroker,
		remoting.RequestCloneGroupOffset,
		// Broker maintenance.
		remoting.RequestTriggerDeleteFiles,
		remoting.RequestCleanExpiredConsumeQueue,
		remoting.RequestCleanUnusedTopic,
		// Name server writes.
		remoting.RequestDeleteTopicInNameServer,
		remoting.RequestPutKVConfig,
		remoting.RequestDeleteKVConfig,
		remoting.RequestWipeWritePermOfBroker,
		remoting.RequestAddWritePermOfBroker,
		remoting.RequestUpdateNameServerConfig,
	}
}

// traceTopic is RocketMQ's message trace topic (TopicValidator.RMQ_SYS_TRACE_TOPIC).
const traceTopic = "RMQ_SYS_TRACE_TOPIC"

// requirementOf derives what req needs, by RocketMQ's
// PlainAccessResource.parse rules, extended to QUERY_CONSUMER_OFFSET and
// to the orderly-consumer locks, which act for a group too:
//
//	SEND_MESSAGE(_V2), SEND_BATCH_MESSAGE,  PUB on the topic; a retry topic
//	SEND_REPLY_MESSAGE(_V2)                needs SUB on the producer group
//	                                       instead (RocketMQ reads "group"
//	                                       for SEND_MESSAGE, a key that
//	                                       header lacks; producerGroup here)
//	CONSUMER_SEND_MSG_BACK                  SUB on the group
//	PULL_MESSAGE                            SUB on the topic and the group
//	QUERY_MESSAGE                           SUB on the topic
//	HEART_BEAT                              SUB on every consumer group and
//	                                        subscribed topic in the body
//	UNREGISTER_CLIENT, GET_CONSUMER_LIST_BY_GROUP   SUB on the group
//	UPDATE/QUERY_CONSUMER_OFFSET            SUB on the group and the topic
//	LOCK_BATCH_MQ, UNLOCK_BATCH_MQ          SUB on the body's group
//
// A header key that is absent adds no need, as in RocketMQ.
func requirementOf(req *remoting.Command, admin map[int16]bool) (Requirement, error) {
	r := Requirement{Admin: admin[req.Code]}
	f := req.ExtFields
	add := func(resource string, p Perm) {
		if resource != "" && resource != RetryTopicPrefix {
			r.Needs = append(r.Needs, Need{Resource: resource, Perm: p})
		}
	}
	group := func(key string) string {
		if g, ok := f[key]; ok {
			return GroupResource(g)
		}
		return ""
	}
	send := func(topicKey, groupKey string) {
		if t := f[topicKey]; isGroupResource(t) {
			add(group(groupKey), PermSub)
		} else {
			add(t, PermPub)
		}
	}
	switch req.Code {
	case remoting.RequestSendMessage, remoting.RequestSendReplyMessage:
		send("topic", "producerGroup")
	case remoting.RequestSendMessageV2, remoting.RequestSendBatchMessage, remoting.RequestSendReplyMessageV2:
		send("b", "a")
	case remoting.RequestConsumerSendMsgBack:
		add(group("group"), PermSub)
	case remoting.RequestPullMessage:
		add(f["topic"], PermSub)
		add(group("consumerGroup"), PermSub)
	case remoting.RequestQueryMessage:
		add(f["topic"], PermSub)
	case remoting.RequestHeartBeat:
		return r, heartbeatNeeds(req.Body, add)
	case remoting.RequestUnregisterClient, remoting.RequestGetConsumerListByGroup:
		add(group("consumerGroup"), PermSub)
	case remoting.RequestUpdateConsumerOffset, remoting.RequestQueryConsumerOffset:
		add(group("consumerGroup"), PermSub)
		add(f["topic"], PermSub)
	case remoting.RequestLockBatchMQ, remoting.RequestUnlockBatchMQ:
		return r, lockNeeds(req.Body, add)
	}
	return r, nil
}

// heartbeatNeeds reads the consumer groups and their topics from a
// HEART_BEAT body.
func heartbeatNeeds(body []byte, add func(string, Perm)) error {
	var hb struct {
		ConsumerDataSet []struct {
			GroupName           string `json:"groupName"`
			SubscriptionDataSet []struct {
				Topic string `json:"topic"`
			} `json:"subscriptionDataSet"`
		} `json:"consumerDataSet"`
	}
	if err := json.Unmarshal(body, &hb); err != nil {
		return fmt.Errorf("heartbeat body: %w", err)
	}
	for _, c := range hb.ConsumerDataSet {
		add(GroupResource(c.GroupName), PermSub)
		for _, s := range c.SubscriptionDataSet {
			add(s.Topic, PermSub)
		}
	}
	return nil
}

// lockNeeds reads the group of a LOCK_BATCH_MQ / UNLOCK_BATCH_MQ body.
func lockNeeds(body []byte, add func(string, Perm)) error {
	var lb struct {
		ConsumerGroup string `json:"consumerGroup"`
	}
	if err := json.Unmarshal(body, &lb); err != nil {
		return fmt.Errorf("lock body: %w", err)
	}
	add(GroupResource(lb.ConsumerGroup), PermSub)
	return nil
}

// isTracePublish reports RocketMQ's exception: sending to the message
// trace topic needs no permission beyond a valid signature, so that
// tracing works for accounts that were not granted it.
func (r Requirement) isTracePublish() bool {
	return slices.Contains(r.Needs, Need{Resource: traceTopic, Perm: PermPub})
}
