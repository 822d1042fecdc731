package nameserver

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// Origin is who asks for a change to the table.
type Origin struct {
	// Conn is the connection the request came over; nil for in-process
	// callers.
	Conn *remoting.Conn
	// Trusted marks a request that proved it comes from a broker of this
	// deployment (a valid cluster signature, or an in-process caller that
	// vouches for it): it may replace registrations made by other hosts.
	Trusted bool
}

// host is the peer address of o's connection; invalid for in-process
// callers.
func (o Origin) host() netip.Addr {
	if o.Conn == nil {
		return netip.Addr{}
	}
	return o.Conn.RemoteAddrPort().Addr().Unmap()
}

// ErrConflict is wrapped by every *ConflictError.
var ErrConflict = errors.New("nameserver: conflicts with a live registration")

// ConflictError refuses a change to a live registration by someone who
// may not make it: another host, without a cluster signature, or a
// registration older (by state version) than the live one.
type ConflictError struct {
	BrokerName string
	BrokerID   int64
	BrokerAddr string // the address asked for
	LiveAddr   string // the address of the live registration in the way
	Reason     string
}

func (e *ConflictError) Error() string {
	who := e.BrokerAddr
	if e.BrokerName != "" {
		who = fmt.Sprintf("%s id %d at %s", e.BrokerName, e.BrokerID, e.BrokerAddr)
	}
	return fmt.Sprintf("%s: %s (live registration of %s); refused until it unregisters, expires or its connection closes",
		who, e.Reason, e.LiveAddr)
}

// Unwrap returns ErrConflict.
func (e *ConflictError) Unwrap() error { return ErrConflict }

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
	// Origin is who registers. Its connection is kept so that the broker
	// can be dropped when it closes.
	Origin
}

// RegisterResult tells a slave where its master is, and the caller what
// changed.
type RegisterResult struct {
	// HAServerAddr and MasterAddr are the master's addresses, for a slave
	// whose master is registered; empty otherwise.
	HAServerAddr string
	MasterAddr   string
	// New is true when the address was not live before.
	New bool
	// TopicsChanged is true when the registration replaced the broker
	// name's topic queue data.
	TopicsChanged bool
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
	LastUpdate time.Time // its last registration
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
	host         netip.Addr // conn's peer; invalid for in-process registrations
}

// sameOrigin reports whether o is where l came from: the same connection
// (or both in-process), or another connection from the same host (a
// broker that reconnected).
func (l *liveEntry) sameOrigin(o Origin) bool {
	if l.conn == o.Conn {
		return true
	}
	h := o.host()
	return h.IsValid() && h == l.host
}

// mayChange says why o may not change l, or "" when it may: a trusted
// origin or the registration's own host may.
func (l *liveEntry) mayChange(o Origin) string {
	if o.Trusted || l.sameOrigin(o) {
		return ""
	}
	if o.Conn == nil {
		return "an untrusted in-process change of a registration made over the network"
	}
	return "registered from another host, " + l.host.String() + ", and the request carries no cluster signature"
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

// Register records a broker's registration at time now. It refuses
// (*ConflictError) to change a live registration that r's origin may not
// change (see mayChange): the address of r's broker id, when it is live
// at another address, and r's address, when it is live. A trusted
// registration may replace both, unless it is older than the live one by
// DataVersion.StateVersion (which a controller raises at every master
// switch), RocketMQ 5's rule against a stale master coming back.
func (t *RouteTable) Register(r Registration, now time.Time) (RegisterResult, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.admitLocked(r); err != nil {
		return RegisterResult{}, err
	}
	// The address being replaced leaves the table with its liveness, so
	// that it cannot be listed without an entry to expire it. This may
	// take the broker name with it; the registration recreates it.
	if b := t.brokers[r.BrokerName]; b != nil {
		if old, ok := b.addrs[r.BrokerID]; ok && old != r.BrokerAddr {
			t.removeAddrLocked(old)
		}
	}

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
		host:         r.host(),
	}

	res := RegisterResult{New: prev == nil, TopicsChanged: r.Topics != nil && r.BrokerID == MasterID && (changed || first)}
	if r.BrokerID != MasterID {
		if master, ok := b.addrs[MasterID]; ok {
			if ml := t.live[master]; ml != nil {
				res.HAServerAddr, res.MasterAddr = ml.haServerAddr, master
			}
		}
	}
	return res, nil
}

// admitLocked refuses r when it would change a live registration its
// origin may not change.
func (t *RouteTable) admitLocked(r Registration) error {
	conflict := func(liveAddr, reason string) error {
		return &ConflictError{BrokerName: r.BrokerName, BrokerID: r.BrokerID, BrokerAddr: r.BrokerAddr, LiveAddr: liveAddr, Reason: reason}
	}
	if b := t.brokers[r.BrokerName]; b != nil {
		if old, ok := b.addrs[r.BrokerID]; ok && old != r.BrokerAddr {
			l := t.live[old]
			if why := l.mayChange(r.Origin); why != "" {
				return conflict(old, "the broker id is live at another address, "+why)
			}
			if l.dataVersion.StateVersion > r.DataVersion.StateVersion {
				return conflict(old, fmt.Sprintf("state version %d is older than the live registration's %d",
					r.DataVersion.StateVersion, l.dataVersion.StateVersion))
			}
		}
	}
	if l := t.live[r.BrokerAddr]; l != nil {
		if why := l.mayChange(r.Origin); why != "" {
			return conflict(r.BrokerAddr, "the address is "+why)
		}
	}
	return nil
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
// RocketMQ, where a broker asks before deciding to re-register, but only
// when o may change the registration (see Register): another host cannot
// keep a dead broker routed.
func (t *RouteTable) QueryDataVersion(brokerAddr string, v DataVersion, now time.Time, o Origin) (current DataVersion, registered, changed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.live[brokerAddr]
	if l == nil {
		return DataVersion{}, false, true
	}
	if l.dataVersion == v {
		if l.mayChange(o) == "" {
			l.lastUpdate = now
		}
		return l.dataVersion, true, false
	}
	return l.dataVersion, true, true
}

// RemoveBroker drops a broker address: its liveness, its entry under its
// broker name and, when that was the broker name's last address, the
// broker name with its cluster membership and topic queues. It reports
// whether the address was registered.
func (t *RouteTable) RemoveBroker(brokerAddr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.removeAddrLocked(brokerAddr)
}

// Unregister is RemoveBroker for a request from o (UNREGISTER_BROKER): a
// live address that o may not change (see Register) is refused with a
// *ConflictError, so that no one can clear the way for a registration
// Register would refuse.
func (t *RouteTable) Unregister(brokerAddr string, o Origin) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l := t.live[brokerAddr]; l != nil {
		if why := l.mayChange(o); why != "" {
			return false, &ConflictError{BrokerAddr: brokerAddr, LiveAddr: brokerAddr, Reason: "unregister of an address " + why}
		}
	}
	return t.removeAddrLocked(brokerAddr), nil
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
			expired = append(expired, ExpiredBroker{BrokerAddr: addr, Conn: l.conn, LastUpdate: l.lastUpdate})
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
