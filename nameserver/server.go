package nameserver

import (
	"errors"
	"sync"
	"time"

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

// NameServer serves a RouteTable over the remoting protocol and expires
// silent brokers.
type NameServer struct {
	opts   Options
	routes *RouteTable

	mu      sync.Mutex // guards the fields below
	started bool
	closed  bool
	server  *remoting.Server
	pools   []*remoting.Pool
	done    chan struct{} // closed by Close to stop the scanner
	wg      sync.WaitGroup
}

// New returns a name server with an empty route table; it does not listen
// until Start.
func New(opts *Options) *NameServer {
	return &NameServer{
		opts:   opts.withDefaults(),
		routes: NewRouteTable(),
		done:   make(chan struct{}),
	}
}

// Routes returns the route table, for in-process brokers and inspection.
func (ns *NameServer) Routes() *RouteTable { return ns.routes }

// Start listens on addr (DefaultAddr when empty; "127.0.0.1:0" picks a
// port), serves requests in the background and starts the expiry scan.
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
	client := remoting.NewPool(clientWorkers, clientQueue)
	admin := remoting.NewPool(defaultWorkers, defaultQueue)
	s := remoting.NewServer(remoting.ServerOptions{OnConnClose: ns.connClosed})
	ns.register(s, client, admin)
	if err := s.Listen(addr); err != nil {
		s.Close()
		client.Close()
		admin.Close()
		return err
	}
	ns.started = true
	ns.server, ns.pools = s, []*remoting.Pool{client, admin}
	ns.wg.Go(ns.scan)
	return nil
}

// register routes every request code the name server answers.
func (ns *NameServer) register(s *remoting.Server, client, admin *remoting.Pool) {
	s.Handle(remoting.RequestGetRouteInfoByTopic, client, ns.getRouteInfoByTopic)
	s.Handle(remoting.RequestRegisterBroker, admin, ns.registerBroker)
	s.Handle(remoting.RequestUnregisterBroker, admin, ns.unregisterBroker)
	s.Handle(remoting.RequestQueryDataVersion, admin, ns.queryDataVersion)
	s.Handle(remoting.RequestGetBrokerClusterInfo, admin, ns.getBrokerClusterInfo)
	s.Handle(remoting.RequestGetAllTopicListFromNameServer, admin, ns.getAllTopicList)
	s.Handle(remoting.RequestDeleteTopicInNameServer, admin, ns.deleteTopic)
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
// waits for all of it. It is safe to call more than once.
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
	return err
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
		if e.Conn != nil {
			e.Conn.Close()
		}
	}
}

// connClosed drops the brokers that registered over c (RocketMQ's
// BrokerHousekeepingService): a broker whose connection is gone is gone,
// and clients should stop being sent to it well before it would expire.
func (ns *NameServer) connClosed(c *remoting.Conn) {
	ns.routes.DropConn(c)
}
