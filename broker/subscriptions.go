package broker

import (
	"sync"

	"github.com/rocketstore/rocketstore/filter"
)

// subscriptionData is RocketMQ's SubscriptionData as clients send it, in
// heartbeats and CHECK_CLIENT_CONFIG. Its other members (tag and code sets,
// class filter mode) are derived from these or obsolete.
type subscriptionData struct {
	Topic          string `json:"topic"`
	SubString      string `json:"subString"`
	ExpressionType string `json:"expressionType"`
	SubVersion     int64  `json:"subVersion"`
}

// subscription is a group's subscription to a topic, compiled once when it
// was registered.
type subscription struct {
	subscriptionData
	filter filter.Filter // nil: every message
	err    error         // why the expression does not compile
}

// subscriptionTable keeps what consumer groups subscribe to, from their
// heartbeats, as RocketMQ's ConsumerGroupInfo does: per group, per topic,
// one subscription. Pulls that do not carry their own expression are
// filtered by it. Safe for concurrent use; the consumer table updates it
// under its own lock, so that a group's subscriptions live exactly as long
// as its membership.
type subscriptionTable struct {
	compile func(typ, expr string) (filter.Filter, error)

	mu     sync.RWMutex
	groups map[string]map[string]*subscription // group → topic → subscription
}

func newSubscriptionTable(compile func(typ, expr string) (filter.Filter, error)) *subscriptionTable {
	return &subscriptionTable{compile: compile, groups: make(map[string]map[string]*subscription)}
}

// update registers a heartbeat's subscriptions of group, as
// ConsumerGroupInfo.updateSubscription: a topic's subscription is replaced
// only by a higher version, and topics the heartbeat no longer lists are
// dropped. It returns the subscriptions it added or replaced.
func (t *subscriptionTable) update(group string, subs []subscriptionData) []*subscription {
	t.mu.Lock()
	defer t.mu.Unlock()
	topics := t.groups[group]
	if topics == nil {
		topics = make(map[string]*subscription)
		t.groups[group] = topics
	}
	var changed []*subscription
	listed := make(map[string]bool, len(subs))
	for _, sd := range subs {
		listed[sd.Topic] = true
		if old := topics[sd.Topic]; old != nil && sd.SubVersion <= old.SubVersion {
			continue
		}
		s := &subscription{subscriptionData: sd}
		s.filter, s.err = t.compile(sd.ExpressionType, sd.SubString)
		topics[sd.Topic] = s
		changed = append(changed, s)
	}
	for topic := range topics {
		if !listed[topic] {
			delete(topics, topic)
		}
	}
	return changed
}

// find returns group's subscription to topic (nil if none), and whether the
// group is registered at all.
func (t *subscriptionTable) find(group, topic string) (s *subscription, groupKnown bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	topics, ok := t.groups[group]
	return topics[topic], ok
}

// drop forgets a group that has no member left.
func (t *subscriptionTable) drop(group string) {
	t.mu.Lock()
	delete(t.groups, group)
	t.mu.Unlock()
}
