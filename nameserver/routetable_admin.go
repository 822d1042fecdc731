package nameserver

import (
	"fmt"
	"maps"
	"slices"
)

// Changes admin tools and brokers make to routes outside registration.

// PermWrite and PermRead are RocketMQ's PermName bits of a queue data's
// perm.
const (
	PermWrite int32 = 1 << 1
	PermRead  int32 = 1 << 2
)

// DeleteTopic removes a topic's queue data (DELETE_TOPIC_IN_NAMESRV): all
// of it when clusterName is empty, else only that on the cluster's
// brokers. It reports whether anything was removed. A master that still
// has the topic brings it back when its data version next changes.
func (t *RouteTable) DeleteTopic(topic, clusterName string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	qds, ok := t.topics[topic]
	if !ok {
		return false
	}
	if clusterName == "" {
		delete(t.topics, topic)
		return true
	}
	removed := false
	for name := range t.clusters[clusterName] {
		if _, ok := qds[name]; ok {
			t.removeQueueDataLocked(topic, qds, name)
			removed = true
		}
	}
	return removed
}

// SetWritePerm removes (wipe) or restores the write permission of every
// topic brokerName serves, and returns how many topics it touched
// (WIPE_WRITE_PERM_OF_BROKER / ADD_WRITE_PERM_OF_BROKER). As in RocketMQ,
// restoring sets read and write, whatever the perm was, and the change
// lasts until the broker registers a changed topic configuration.
func (t *RouteTable) SetWritePerm(brokerName string, wipe bool) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, qds := range t.topics {
		qd, ok := qds[brokerName]
		if !ok {
			continue
		}
		if wipe {
			qd.Perm &^= PermWrite
		} else {
			qd.Perm = PermRead | PermWrite
		}
		qds[brokerName] = qd
		n++
	}
	return n
}

// RegisterTopic adds or replaces the queue data of one topic on the
// brokers named in qds (REGISTER_TOPIC_IN_NAMESRV). Every broker name must
// be registered, and o must be allowed to change one of its live
// registrations (see Register): a broker registers its own topics.
func (t *RouteTable) RegisterTopic(topic string, qds []QueueData, o Origin) error {
	if len(qds) == 0 {
		return fmt.Errorf("no queue data for topic %q", topic)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, qd := range qds {
		b := t.brokers[qd.BrokerName]
		if b == nil {
			return fmt.Errorf("broker %q is not registered", qd.BrokerName)
		}
		if !slices.ContainsFunc(slices.Collect(maps.Values(b.addrs)), func(addr string) bool {
			return t.live[addr].mayChange(o) == ""
		}) {
			return &ConflictError{BrokerName: qd.BrokerName, BrokerID: MasterID, BrokerAddr: b.addrs[MasterID], LiveAddr: b.addrs[MasterID],
				Reason: "the topic's broker is registered from another host and the request carries no cluster signature"}
		}
	}
	m := t.topics[topic]
	if m == nil {
		m = make(map[string]QueueData, len(qds))
		t.topics[topic] = m
	}
	for _, qd := range qds {
		m[qd.BrokerName] = qd
	}
	return nil
}
