package nameserver

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/acl"
	"github.com/rocketstore/rocketstore/internal/lograte"
	"github.com/rocketstore/rocketstore/remoting"
)

// ErrClosed is returned by Start after Close.
var ErrClosed = errors.New("nameserver: closed")

// Worker pools, sized as RocketMQ 5's name server sizes its executors:
// route queries from clients get their own pool so that a flood of them
// cannot delay broker registrations, and the reverse.
const (
	clientWorkers  = 8
	clientQueue    = 50000
	defaultWorkers = 16
	defaultQueue   = 10000
)

// NameServer serves a RouteTable and a KV config over the remoting
// protocol, and expires silent brokers.
type NameServer struct {
	opts     Options
	log      *slog.Logger
	routes   *RouteTable
	refusals *lograte.Limiter
	cluster  *acl.ClusterVerifier // nil without a cluster secret
	settings settings

	// Set by Start before the server serves, read by handlers after.
	kv  *kvStore
	acl *acl.Authorizer // nil unless ACLEnable

	mu      sync.Mutex // guards the fields below
	started bool
	closed  bool
	server  *remoting.Server
	pools   []*remoting.Pool
	done    chan struct{} // closed by Close to stop the scanner
	wg      sync.WaitGroup
}

// settings are the options UPDATE_NAMESRV_CONFIG may change at run time.
type settings struct {
	orderMessageEnable  atomic.Bool
	disableAllTopicList atomic.Bool
	disableTopicList    atomic.Bool
}

// New returns a name server with an empty route table; it reads no file
// and does not listen until Start.
func New(opts *Options) *NameServer {
	o := opts.withDefaults()
	ns := &NameServer{
		opts:     o,
		log:      o.Logger,
		routes:   NewRouteTable(),
		refusals: lograte.New(0),
		done:     make(chan struct{}),
	}
	if o.ClusterSecret != "" {
		ns.cluster = acl.NewClusterVerifier(o.ClusterSecret, o.ClusterMaxSkew, o.Now)
	}
	ns.settings.orderMessageEnable.Store(o.OrderMessageEnable)
	ns.settings.disableAllTopicList.Store(o.DisableAllTopicList)
	ns.settings.disableTopicList.Store(o.DisableTopicList)
	return ns
}

// Routes returns the route table, for in-process brokers and inspection.
func (ns *NameServer) Routes() *RouteTable { return ns.routes }

// Start loads the KV config and, with ACLEnable, the ACL file, listens on
// addr (DefaultAddr when empty; "127.0.0.1:0" picks a port), serves
// requests in the background and starts the expiry scan.
func (ns *NameServer) Start(addr string) error {
	if addr == "" {
		addr = DefaultAddr
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if ns.closed {
		return ErrClosed
	}
	if ns.started {
		return errors.New("nameserver: already started")
	}
	kv, err := openKV(ns.opts.KVConfigPath)
	if err != nil {
		return err
	}
	var authorizer *acl.Authorizer
	if ns.opts.ACLEnable {
		if authorizer, err = acl.Open(ns.opts.ACLFile, &acl.Options{Logger: ns.log, Now: ns.opts.Now}); err != nil {
			return err
		}
	}
	ns.kv, ns.acl = kv, authorizer
	client := remoting.NewPool(clientWorkers, clientQueue)
	admin := remoting.NewPool(defaultWorkers, defaultQueue)
	s := remoting.NewServer(remoting.ServerOptions{OnConnClose: ns.connClosed})
	ns.register(s, client, admin)
	if err := s.Listen(addr); err != nil {
		s.Close()
		client.Close()
		admin.Close()
		ns.closeACL()
		return err
	}
	ns.started = true
	ns.server, ns.pools = s, []*remoting.Pool{client, admin}
	ns.wg.Go(ns.scan)
	ns.log.Info("name server started", "addr", s.Addr(), "aclEnable", ns.acl != nil, "clusterSecret", ns.cluster != nil,
		"kvConfigPath", ns.opts.KVConfigPath)
	return nil
}

// register routes every request code the name server answers. Broker
// codes go through brokerGuard (the cluster secret), admin codes through
// adminGuard (the ACL); reads are open.
func (ns *NameServer) register(s *remoting.Server, client, admin *remoting.Pool) {
	s.Handle(remoting.RequestGetRouteInfoByTopic, client, ns.getRouteInfoByTopic)

	s.Handle(remoting.RequestRegisterBroker, admin, ns.brokerGuard(ns.registerBroker))
	s.Handle(remoting.RequestUnregisterBroker, admin, ns.brokerGuard(ns.unregisterBroker))
	s.Handle(remoting.RequestQueryDataVersion, admin, ns.brokerGuard(ns.queryDataVersion))
	s.Handle(remoting.RequestRegisterTopicInNameServer, admin, ns.brokerGuard(ns.registerTopic))

	s.Handle(remoting.RequestDeleteTopicInNameServer, admin, ns.adminGuard(ns.deleteTopic))
	s.Handle(remoting.RequestWipeWritePermOfBroker, admin, ns.adminGuard(ns.wipeWritePerm))
	s.Handle(remoting.RequestAddWritePermOfBroker, admin, ns.adminGuard(ns.addWritePerm))
	s.Handle(remoting.RequestPutKVConfig, admin, ns.adminGuard(ns.putKVConfig))
	s.Handle(remoting.RequestDeleteKVConfig, admin, ns.adminGuard(ns.deleteKVConfig))
	s.Handle(remoting.RequestUpdateNameServerConfig, admin, ns.adminGuard(ns.updateConfig))

	s.Handle(remoting.RequestGetKVConfig, admin, ns.getKVConfig)
	s.Handle(remoting.RequestGetKVListByNamespace, admin, ns.getKVListByNamespace)
	s.Handle(remoting.RequestGetNameServerConfig, admin, ns.getConfig)
	s.Handle(remoting.RequestGetBrokerClusterInfo, admin, ns.getBrokerClusterInfo)
	s.Handle(remoting.RequestGetAllTopicListFromNameServer, admin, ns.getAllTopicList)
	s.Handle(remoting.RequestGetTopicsByCluster, admin, ns.getTopicsByCluster)
	s.Handle(remoting.RequestGetSystemTopicListFromNameServer, admin, ns.getSystemTopicList)
	s.Handle(remoting.RequestGetUnitTopicList, admin, ns.topicListBySysFlag(hasUnitFlag))
	s.Handle(remoting.RequestGetHasUnitSubTopicList, admin, ns.topicListBySysFlag(hasUnitSubFlag))
	s.Handle(remoting.RequestGetHasUnitSubUnunitTopicList, admin, ns.topicListBySysFlag(hasUnitSubNotUnitFlag))
}

// Addr is the listening address, or "" before Start.
func (ns *NameServer) Addr() string {
	ns.mu.Lock()
	s := ns.server
	ns.mu.Unlock()
	if s == nil {
		return ""
	}
	return s.Addr()
}

// Close stops listening, closes every connection, stops the scanner and
// the ACL file watcher and waits for all of it. It is safe to call more
// than once.
func (ns *NameServer) Close() error {
	ns.mu.Lock()
	if ns.closed {
		ns.mu.Unlock()
		return nil
	}
	ns.closed = true
	close(ns.done)
	s, pools := ns.server, ns.pools
	ns.mu.Unlock()

	var err error
	if s != nil {
		err = s.Close()
	}
	// The server is closed, so no more jobs arrive; the pools drain what
	// was queued.
	for _, p := range pools {
		p.Close()
	}
	ns.wg.Wait()
	ns.closeACL()
	return err
}

// closeACL stops the ACL file watcher, if any.
func (ns *NameServer) closeACL() {
	if ns.acl != nil {
		if err := ns.acl.Close(); err != nil {
			ns.log.Error("closing the acl", "err", err)
		}
	}
}

// scan drops silent brokers every ScanInterval until Close.
func (ns *NameServer) scan() {
	tick := time.NewTicker(ns.opts.ScanInterval)
	defer tick.Stop()
	for {
		select {
		case <-ns.done:
			return
		case <-tick.C:
			ns.expire()
		}
	}
}

// expire drops brokers silent for longer than BrokerExpiry and closes
// their connections, as RocketMQ does: a broker that still holds the
// connection but stopped registering is not trusted to be serving.
func (ns *NameServer) expire() {
	for _, e := range ns.routes.Expire(ns.opts.Now(), ns.opts.BrokerExpiry) {
		ns.log.Warn("broker expired", "brokerAddr", e.BrokerAddr, "silentFor", ns.opts.Now().Sub(e.LastUpdate).Round(time.Second),
			"conn", peerAddr(e.Conn))
		if e.Conn != nil {
			e.Conn.Close()
		}
	}
}

// connClosed drops the brokers that registered over c (RocketMQ's
// BrokerHousekeepingService): a broker whose connection is gone is gone,
// and clients should stop being sent to it well before it would expire.
func (ns *NameServer) connClosed(c *remoting.Conn) {
	if dropped := ns.routes.DropConn(c); len(dropped) > 0 {
		ns.log.Warn("broker connection closed; its brokers dropped", "conn", c.RemoteAddr(), "brokerAddrs", dropped, "err", c.Err())
	}
}
