package controller

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// Defaults, RocketMQ's ControllerConfig and BrokerConfig values where the
// concept is the same.
const (
	// DefaultScanNotActiveBrokerInterval is how often the leader looks for
	// silent brokers and dead masters (scanNotActiveBrokerInterval).
	DefaultScanNotActiveBrokerInterval = 5 * time.Second
	// DefaultBrokerHeartbeatTimeout is how long a broker that gave no
	// timeout of its own may stay silent (controllerHeartBeatTimeoutMills),
	// and the grace a new leader gives brokers before it elects.
	DefaultBrokerHeartbeatTimeout = 10 * time.Second
	// DefaultApplyTimeout bounds committing one request's events
	// (ControllerRequestProcessor's 5 s wait).
	DefaultApplyTimeout = 5 * time.Second
	// DefaultNotifyTimeout bounds one role-change push to a broker.
	DefaultNotifyTimeout = 3 * time.Second
	// DefaultGroup is the controller group's name in metadata answers.
	DefaultGroup = "group1"
	// DefaultSnapshotThreshold is how many log entries trigger a snapshot.
	DefaultSnapshotThreshold = 8192
)

// Peer is one controller of the raft group.
type Peer struct {
	// ID is the peer's raft server id ("n0"), controllerDLegerSelfId.
	ID string
	// Addr is its remoting address, where brokers and tools connect.
	Addr string
	// RaftAddr is where it speaks raft to the other peers.
	RaftAddr string
}

// RaftTimings tune the raft library; zero values take its defaults
// (hashicorp/raft DefaultConfig: heartbeat and election 1 s, lease 500 ms,
// commit 50 ms). Tests shorten them.
type RaftTimings struct {
	HeartbeatTimeout   time.Duration
	ElectionTimeout    time.Duration
	LeaderLeaseTimeout time.Duration
	CommitTimeout      time.Duration
}

// Options configure a Controller. Zero values mean the documented defaults.
type Options struct {
	// ID is this controller's id among Peers. Required.
	ID string
	// Peers are every controller of the group, this one included. Three or
	// five make a fault-tolerant group; one is allowed (no failover of the
	// controller itself). Required.
	Peers []Peer
	// DataDir holds the raft log, stable store and snapshots
	// (controllerStorePath). Required.
	DataDir string
	// Server, when set, is a running remoting server the controller adds
	// its processors to (a nameserver embedding it); otherwise the
	// controller listens on its Peers entry's Addr itself.
	Server *remoting.Server
	// RaftListener, when set, is the listener raft accepts on (tests pass a
	// ready 127.0.0.1:0 listener); otherwise raft listens on RaftAddr.
	RaftListener net.Listener
	// ScanNotActiveBrokerInterval is the period of the leader's scan for
	// silent brokers and dead masters. Default 5 s.
	ScanNotActiveBrokerInterval time.Duration
	// BrokerHeartbeatTimeout is the heartbeat timeout of brokers that send
	// none, and a new leader's grace before electing. Default 10 s.
	BrokerHeartbeatTimeout time.Duration
	// EnableElectUncleanMaster lets an election fall back to live members
	// outside the SyncStateSet (losing what they lack). Default false.
	EnableElectUncleanMaster bool
	// DisableNotifyBrokerRoleChanged stops the push of a new master to
	// brokers (RocketMQ's notifyBrokerRoleChanged=false); they still learn
	// it from heartbeat answers. Default: push.
	DisableNotifyBrokerRoleChanged bool
	// ApplyTimeout bounds committing one request's events. Default 5 s.
	ApplyTimeout time.Duration
	// NotifyTimeout bounds one push to a broker. Default 3 s.
	NotifyTimeout time.Duration
	// Group names the controller group in metadata answers. Default "group1".
	Group string
	// SnapshotThreshold is how many log entries since the last snapshot
	// trigger the next. Default 8192.
	SnapshotThreshold uint64
	// Raft tunes the raft library's timers.
	Raft RaftTimings
	// Workers and Queue size the request pool (controllerThreadPoolNums,
	// controllerRequestThreadPoolQueueCapacity). Defaults 16 and 50000.
	Workers, Queue int
	// Logger receives the controller's log lines. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock of heartbeats (not of raft). Default time.Now.
	Now func() time.Time
}

// ErrBadOptions wraps every options error.
var ErrBadOptions = errors.New("controller: bad options")

// withDefaults returns a validated copy with defaults filled in.
func (o Options) withDefaults() (Options, error) {
	if o.ID == "" || o.DataDir == "" {
		return o, fmt.Errorf("%w: ID and DataDir are required", ErrBadOptions)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.ScanNotActiveBrokerInterval = orDuration(o.ScanNotActiveBrokerInterval, DefaultScanNotActiveBrokerInterval)
	o.BrokerHeartbeatTimeout = orDuration(o.BrokerHeartbeatTimeout, DefaultBrokerHeartbeatTimeout)
	o.ApplyTimeout = orDuration(o.ApplyTimeout, DefaultApplyTimeout)
	o.NotifyTimeout = orDuration(o.NotifyTimeout, DefaultNotifyTimeout)
	if o.Group == "" {
		o.Group = DefaultGroup
	}
	if o.SnapshotThreshold == 0 {
		o.SnapshotThreshold = DefaultSnapshotThreshold
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.Queue <= 0 {
		o.Queue = 50000
	}
	if _, ok := o.self(); !ok {
		return o, fmt.Errorf("%w: ID %q is not among the peers", ErrBadOptions, o.ID)
	}
	seen := make(map[string]bool)
	for _, p := range o.Peers {
		if p.ID == "" || p.RaftAddr == "" || p.Addr == "" || seen[p.ID] {
			return o, fmt.Errorf("%w: peer %+v needs a unique ID, an Addr and a RaftAddr", ErrBadOptions, p)
		}
		seen[p.ID] = true
	}
	return o, nil
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// self is this controller's Peers entry.
func (o *Options) self() (Peer, bool) {
	for _, p := range o.Peers {
		if p.ID == o.ID {
			return p, true
		}
	}
	return Peer{}, false
}

// peer finds a peer by id.
func (o *Options) peer(id string) (Peer, bool) {
	for _, p := range o.Peers {
		if p.ID == id {
			return p, true
		}
	}
	return Peer{}, false
}

// ParsePeers reads peers written "n0=addr/raftAddr,n1=..." (flags) or, with
// RocketMQ's controllerDLegerPeers shape, "n0-addr/raftAddr;n1-...".
func ParsePeers(s string) ([]Peer, error) {
	var peers []Peer
	for item := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ';' }) {
		item = strings.TrimSpace(item)
		id, addrs, ok := strings.Cut(item, "=")
		if !ok {
			id, addrs, ok = strings.Cut(item, "-")
		}
		addr, raftAddr, ok2 := strings.Cut(addrs, "/")
		if !ok || !ok2 || id == "" || addr == "" || raftAddr == "" {
			return nil, fmt.Errorf("%w: peer %q is not id=addr/raftAddr", ErrBadOptions, item)
		}
		peers = append(peers, Peer{ID: strings.TrimSpace(id), Addr: strings.TrimSpace(addr), RaftAddr: strings.TrimSpace(raftAddr)})
	}
	if len(peers) == 0 {
		return nil, fmt.Errorf("%w: no peers in %q", ErrBadOptions, s)
	}
	return peers, nil
}
