package broker

import (
	"github.com/rocketstore/rocketstore/store"
)

const (
	// defaultRegionID is the region sends answer in MSG_REGION (RocketMQ's
	// regionId default); clients tag their traces with it.
	defaultRegionID = "DefaultRegion"
	// propCluster is the property that names the cluster a message came
	// through (MessageConst.PROPERTY_CLUSTER).
	propCluster = "CLUSTER"
	// replyTopicSuffix makes a cluster's reply topic, <cluster>_REPLY_TOPIC.
	replyTopicSuffix = "_REPLY_TOPIC"
)

// notSendable reports the broker's own topics, which clients may not send
// to (RocketMQ's TopicValidator NOT_ALLOWED_SEND_TOPIC_SET): what is in them
// is written by the broker alone.
func notSendable(topic string) bool {
	switch topic {
	case store.ScheduleTopic, TransHalfTopic, TransOpHalfTopic, TransCheckMaxTimeTopic:
		return true
	}
	return false
}

// replyTopic is the topic replies of request-reply go to in this cluster.
func (b *Broker) replyTopic() string { return b.opts.ClusterName + replyTopicSuffix }

// createSystemTopics creates, when missing, the topics RocketMQ's
// TopicConfigManager creates at start: the cluster's reply topic and, with
// TraceTopicEnable, the trace topic (one queue each).
func (b *Broker) createSystemTopics() error {
	topics := []string{b.replyTopic()}
	if b.opts.TraceTopicEnable {
		topics = append(topics, b.opts.MsgTraceTopicName)
	}
	for _, t := range topics {
		if err := b.ensureTopic(t); err != nil {
			return err
		}
	}
	return nil
}

// ensureTopic creates topic with one readable and writable queue when it
// does not exist (the broker's own topics, a group's retry and dead-letter
// topics), and registers it soon.
func (b *Broker) ensureTopic(topic string) error {
	if _, ok := b.topics.get(topic); ok {
		return nil
	}
	if err := b.topics.putDerived(newTopicConfig(topic, 1, DefaultPerm)); err != nil {
		return err
	}
	b.registerSoon()
	return nil
}
