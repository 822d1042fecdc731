package nameserver

import (
	"cmp"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// Registration is what a broker reports when it registers.
type Registration struct {
	ClusterName  string
	BrokerName   string
	BrokerAddr   string // "host:port" clients connect to
	BrokerID     int64  // MasterID for the master
	HAServerAddr string // where slaves replicate from
	// DataVersion is the version of Topics. The name server takes Topics
	// only when it differs from the address's previous registration (or the
	// address is new to the broker name).
	DataVersion DataVersion
	// Topics is the broker's topic configuration by topic name; nil means
	// the registration carries none and only refreshes liveness. Only a
	// master's topics are recorded, as in RocketMQ: a slave serves the
	// same topics as its master.
	Topics map[string]TopicConfig
	// Timeout, when positive, replaces the table's expiry for this broker
	// (RocketMQ 5's heartbeatTimeoutMillis).
	Timeout time.Duration
	// Conn is the connection the registration came over, so that the broker
	// can be dropped when it closes; nil for in-process registrations.
	Conn *remoting.Conn
}

// RegisterResult tells a slave where its master is. Both fields are empty
// for a master, and for a slave whose master is not registered.
type RegisterResult struct {
	HAServerAddr string // the master's HA address
	MasterAddr   string // the master's broker address
}

// LiveBroker is one registered broker address and its liveness record.
type LiveBroker struct {
	BrokerAddr   string
	LastUpdate   time.Time
	DataVersion  DataVersion
	HAServerAddr string
}

// ExpiredBroker is a broker address dropped for silence, with the
// connection it last registered over (nil if none) so the caller can close
// it.
type ExpiredBroker struct {
	BrokerAddr string
	Conn       *remoting.Conn
}

// RouteTable is the name server's registry of clusters, brokers, topics and
// broker liveness. The zero value is not usable; call NewRouteTable. It is
// safe for concurrent use.
//
// Invariants, kept under mu: every broker name in brokers has at least one
// address; the addresses listed in brokers are exactly the keys of live;
// every broker name in clusters and topics is in brokers; no cluster and
// no topic is empty.
type RouteTable struct {
	mu       sync.RWMutex
	brokers  map[string]*brokerEntry         // brokerName
	clusters map[string]map[string]struct{}  // clusterName -> brokerNames
	topics   map[string]map[string]QueueData // topic -> brokerName -> queues
	live     map[string]*liveEntry           // brokerAddr
}

type brokerEntry struct {
	cluster string
	addrs   map[int64]string
}

type liveEntry struct {
	lastUpdate   time.Time
	dataVersion  DataVersion
	haServerAddr string
	timeout      time.Duration
	conn         *remoting.Conn
}

// NewRouteTable returns an empty table.
func NewRouteTable() *RouteTable {
	return &RouteTable{
		brokers:  make(map[string]*brokerEntry),
		clusters: make(map[string]map[string]struct{}),
		topics:   make(map[string]map[string]QueueData),
		live:     make(map[string]*liveEntry),
	}
}

// Register records a broker's registration at time now.
func (t *RouteTable) Register(r Registration, now time.Time) RegisterResult {
	t.mu.Lock()
	defer t.mu.Unlock()

	names := t.clusters[r.ClusterName]
	if names == nil {
		names = make(map[string]struct{})
		t.clusters[r.ClusterName] = names
	}
	names[r.BrokerName] = struct{}{}

	b := t.brokers[r.BrokerName]
	first := b == nil
	if first {
		b = &brokerEntry{cluster: r.ClusterName, addrs: make(map[int64]string)}
		t.brokers[r.BrokerName] = b
	}
	// A slave promoted to master (or a master demoted) comes back with the
	// same address under another id; listing it twice would send clients
	// to one process as if it were two.
	for id, addr := range b.addrs {
		if addr == r.BrokerAddr && id != r.BrokerID {
			delete(b.addrs, id)
		}
	}
	if _, ok := b.addrs[r.BrokerID]; !ok {
		first = true
	}
	b.addrs[r.BrokerID] = r.BrokerAddr

	prev := t.live[r.BrokerAddr]
	changed := prev == nil || prev.dataVersion != r.DataVersion
	if r.Topics != nil && r.BrokerID == MasterID && (changed || first) {
		t.replaceTopicsLocked(r.BrokerName, r.Topics)
	}
	t.live[r.BrokerAddr] = &liveEntry{
		lastUpdate:   now,
		dataVersion:  r.DataVersion,
		haServerAddr: r.HAServerAddr,
		timeout:      r.Timeout,
		conn:         r.Conn,
	}

	var res RegisterResult
	if r.BrokerID != MasterID {
		if master, ok := b.addrs[MasterID]; ok {
			if ml := t.live[master]; ml != nil {
				res = RegisterResult{HAServerAddr: ml.haServerAddr, MasterAddr: master}
			}
		}
	}
	return res
}

// replaceTopicsLocked makes topics the whole topic set of brokerName: the
// broker's queue data for topics it no longer lists go, the rest are set.
func (t *RouteTable) replaceTopicsLocked(brokerName string, topics map[string]TopicConfig) {
	for topic, qds := range t.topics {
		if _, keep := topics[topic]; !keep {
			t.removeQueueDataLocked(topic, qds, brokerName)
		}
	}
	for name, tc := range topics {
		qds := t.topics[name]
		if qds == nil {
			qds = make(map[string]QueueData)
			t.topics[name] = qds
		}
		qds[brokerName] = QueueData{
			BrokerName:     brokerName,
			ReadQueueNums:  tc.ReadQueueNums,
			WriteQueueNums: tc.WriteQueueNums,
			Perm:           tc.Perm,
			TopicSysFlag:   tc.TopicSysFlag,
		}
	}
}

// removeQueueDataLocked drops brokerName's queues of topic, and the topic
// once no broker holds it.
func (t *RouteTable) removeQueueDataLocked(topic string, qds map[string]QueueData, brokerName string) {
	delete(qds, brokerName)
	if len(qds) == 0 {
		delete(t.topics, topic)
	}
}

// QueryDataVersion reports the data version last registered from
// brokerAddr (registered is false when none is) and whether v differs from
// it. An unchanged version counts as a registration for liveness, as in
// RocketMQ, where a broker asks before deciding to re-register.
func (t *RouteTable) QueryDataVersion(brokerAddr string, v DataVersion, now time.Time) (current DataVersion, registered, changed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.live[brokerAddr]
	if l == nil {
		return DataVersion{}, false, true
	}
	if l.dataVersion == v {
		l.lastUpdate = now
		return l.dataVersion, true, false
	}
	return l.dataVersion, true, true
}

// RemoveBroker drops a broker address (UNREGISTER_BROKER): its liveness,
// its entry under its broker name and, when that was the broker name's
// last address, the broker name with its cluster membership and topic
// queues. It reports whether the address was registered.
func (t *RouteTable) RemoveBroker(brokerAddr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.removeAddrLocked(brokerAddr)
}

// DropConn drops every broker that last registered over c and returns
// their addresses. A nil c matches nothing.
func (t *RouteTable) DropConn(c *remoting.Conn) []string {
	if c == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var dropped []string
	for addr, l := range t.live {
		if l.conn == c {
			dropped = append(dropped, addr)
		}
	}
	for _, addr := range dropped {
		t.removeAddrLocked(addr)
	}
	slices.Sort(dropped)
	return dropped
}

// Expire drops every broker whose last registration is more than its
// timeout before now (ttl unless the broker asked for another), and
// returns them.
func (t *RouteTable) Expire(now time.Time, ttl time.Duration) []ExpiredBroker {
	t.mu.Lock()
	defer t.mu.Unlock()
	var expired []ExpiredBroker
	for addr, l := range t.live {
		timeout := ttl
		if l.timeout > 0 {
			timeout = l.timeout
		}
		if now.Sub(l.lastUpdate) > timeout {
			expired = append(expired, ExpiredBroker{BrokerAddr: addr, Conn: l.conn})
		}
	}
	for _, e := range expired {
		t.removeAddrLocked(e.BrokerAddr)
	}
	slices.SortFunc(expired, func(a, b ExpiredBroker) int { return cmp.Compare(a.BrokerAddr, b.BrokerAddr) })
	return expired
}

// removeAddrLocked removes addr everywhere. The address is looked for
// under every broker name rather than the one a caller names, so that no
// path can leave an address listed without a liveness entry to expire it.
func (t *RouteTable) removeAddrLocked(addr string) bool {
	_, registered := t.live[addr]
	delete(t.live, addr)
	for name, b := range t.brokers {
		for id, a := range b.addrs {
			if a == addr {
				delete(b.addrs, id)
				registered = true
			}
		}
		if len(b.addrs) == 0 {
			t.removeBrokerNameLocked(name)
		}
	}
	return registered
}

// removeBrokerNameLocked drops a broker name that has no address left.
func (t *RouteTable) removeBrokerNameLocked(name string) {
	delete(t.brokers, name)
	for cluster, names := range t.clusters {
		delete(names, name)
		if len(names) == 0 {
			delete(t.clusters, cluster)
		}
	}
	for topic, qds := range t.topics {
		if _, ok := qds[name]; ok {
			t.removeQueueDataLocked(topic, qds, name)
		}
	}
}

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
