package nameserver

import (
	"maps"
	"slices"
)

// Read-only views of the route table.

// TopicRoute returns the route of topic, with queue and broker data
// sorted by broker name, or false when no registered broker holds it.
func (t *RouteTable) TopicRoute(topic string) (*TopicRouteData, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	qds := t.topics[topic]
	if len(qds) == 0 {
		return nil, false
	}
	route := &TopicRouteData{
		QueueDatas:        make([]QueueData, 0, len(qds)),
		BrokerDatas:       make([]BrokerData, 0, len(qds)),
		FilterServerTable: map[string][]string{},
	}
	for _, name := range slices.Sorted(maps.Keys(qds)) {
		route.QueueDatas = append(route.QueueDatas, qds[name])
		if b := t.brokers[name]; b != nil {
			route.BrokerDatas = append(route.BrokerDatas, b.data(name))
		}
	}
	if len(route.BrokerDatas) == 0 {
		return nil, false
	}
	return route, true
}

// data returns a copy of the entry as a BrokerData.
func (b *brokerEntry) data(name string) BrokerData {
	return BrokerData{Cluster: b.cluster, BrokerName: name, BrokerAddrs: maps.Clone(b.addrs)}
}

// ClusterInfo returns a copy of the broker and cluster tables.
func (t *RouteTable) ClusterInfo() *ClusterInfo {
	t.mu.RLock()
	defer t.mu.RUnlock()
	info := &ClusterInfo{
		BrokerAddrTable:  make(map[string]BrokerData, len(t.brokers)),
		ClusterAddrTable: make(map[string][]string, len(t.clusters)),
	}
	for name, b := range t.brokers {
		info.BrokerAddrTable[name] = b.data(name)
	}
	for cluster, names := range t.clusters {
		info.ClusterAddrTable[cluster] = slices.Sorted(maps.Keys(names))
	}
	return info
}

// Topics returns the names of every routed topic, sorted.
func (t *RouteTable) Topics() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return slices.Sorted(maps.Keys(t.topics))
}

// LiveBrokers returns the liveness record of every registered broker
// address, sorted by address.
func (t *RouteTable) LiveBrokers() []LiveBroker {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]LiveBroker, 0, len(t.live))
	for _, addr := range slices.Sorted(maps.Keys(t.live)) {
		l := t.live[addr]
		out = append(out, LiveBroker{
			BrokerAddr:   addr,
			LastUpdate:   l.lastUpdate,
			DataVersion:  l.dataVersion,
			HAServerAddr: l.haServerAddr,
		})
	}
	return out
}

// TopicsByCluster returns, sorted, the topics served by a broker of
// cluster (GET_TOPICS_BY_CLUSTER); none for an unknown cluster.
func (t *RouteTable) TopicsByCluster(cluster string) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	names := t.clusters[cluster]
	var out []string
	for topic, qds := range t.topics {
		for name := range qds {
			if _, ok := names[name]; ok {
				out = append(out, topic)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// SystemTopics returns what RocketMQ lists as system topics
// (GET_SYSTEM_TOPIC_LIST_FROM_NS): every cluster name and broker name
// (each broker serves a topic of each name), sorted, and the address of
// one broker to read them from ("" with no broker): the lowest id of the
// first broker name.
func (t *RouteTable) SystemTopics() (topics []string, brokerAddr string) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	set := make(map[string]struct{})
	for cluster, names := range t.clusters {
		set[cluster] = struct{}{}
		for name := range names {
			set[name] = struct{}{}
		}
	}
	if len(t.brokers) > 0 {
		b := t.brokers[slices.Min(slices.Collect(maps.Keys(t.brokers)))]
		brokerAddr = b.addrs[slices.Min(slices.Collect(maps.Keys(b.addrs)))]
	}
	return slices.Sorted(maps.Keys(set)), brokerAddr
}

// TopicsWithSysFlag returns, sorted, the topics whose topic sys flag
// satisfies want (the unit topic lists). A topic's flag is read from the
// queue data of its first broker name, as RocketMQ reads one broker's.
func (t *RouteTable) TopicsWithSysFlag(want func(flag int32) bool) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []string
	for topic, qds := range t.topics {
		first := slices.Min(slices.Collect(maps.Keys(qds)))
		if want(qds[first].TopicSysFlag) {
			out = append(out, topic)
		}
	}
	slices.Sort(out)
	return out
}
