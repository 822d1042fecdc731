package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/filter"
	"github.com/rocketstore/rocketstore/ha"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
	"github.com/rocketstore/rocketstore/timer"
)

// Broker serves RocketMQ clients from a message store: sends, pulls with
// long polling, consumer groups and offsets, topic configs and queries. See
// the package documentation.
type Broker struct {
	opts     Options
	listener net.Listener // bound by New for a port-0 listen address, until Start serves it
	log      *slog.Logger
	store    *store.MessageStore
	warnings *limitedLog // warnings a peer can repeat, rate-limited per cause

	topics    *topicTable
	offsets   *offsetTable
	consumers *consumerTable
	polls     *longPoll
	schedule  *scheduler
	filters   *filter.Cache // compiled subscription expressions
	pullStats pullStats
	refusals  *logThrottle // repeated refusals of a client leave one line a minute
	producers *producerTable
	locks     *lockTable
	txns      *transactions

	// Operating the broker: metrics, subscription group configs, what
	// heartbeats say of connections, flow control, the named pools.
	metrics    *metrics // nil with DisableMetrics
	groups     *subGroupTable
	clients    *clientTable
	flow       *flowControl
	stats      *brokerStats // nil with DisableMetrics
	config     configState
	namedPools map[string]*remoting.Pool

	access    accessControl     // ACL accounts and the cluster secret
	creations *autoCreateBudget // auto-creations left this second
	loss      unconsumedLoss    // messages forced cleanup deleted unconsumed

	haMaster atomic.Pointer[ha.Master] // masters only
	haSlave  atomic.Pointer[ha.Slave]  // slaves only

	server *remoting.Server
	client *remoting.Client // to nameservers (and a slave's master)
	pools  []*remoting.Pool

	// masterServices are the background writers, started on a master
	// only (onMaster), term the running ones; slaveRefusals counts puts
	// refused on a slave.
	masterServices []masterService
	termMu         sync.Mutex
	term           *masterTerm
	slaveRefusals  atomic.Int64
	timer          atomic.Pointer[timer.Timer] // masters with the timer on

	// state is the broker's role; ctrl runs controller mode (nil
	// otherwise).
	state atomic.Pointer[roleState]
	ctrl  *controllerMode

	registerNow chan struct{}
	quit        chan struct{}
	wg          sync.WaitGroup
	closeOnce   sync.Once
}

// New opens the broker's store and config under opts.DataDir. Start
// serves.
func New(opts *Options) (_ *Broker, err error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	early, err := bindEarly(&o)
	if err != nil {
		return nil, err
	}
	b := &Broker{opts: o, log: o.Logger, listener: early, filters: filter.NewCache(0), refusals: newLogThrottle(time.Minute),
		warnings:    newLimitedLog(o.Logger),
		registerNow: make(chan struct{}, 1), quit: make(chan struct{})}
	defer func() {
		if err != nil {
			// Nothing opened may outlive a failed New: the config tables'
			// savers would go on writing into the data directory.
			err = errors.Join(err, b.closeOpened())
		}
	}()
	b.state.Store(initialRoles(&o))
	b.creations = newAutoCreateBudget(o.AutoCreateRate)
	configDir := filepath.Join(o.DataDir, "config")
	if b.topics, err = openTopicTable(configDir, o.DefaultTopicQueueNums, !o.DisableAutoCreateTopic, o.Logger); err != nil {
		return nil, err
	}
	if err := b.createSystemTopics(); err != nil {
		return nil, err
	}
	if b.offsets, err = openOffsetTable(configDir); err != nil {
		return nil, err
	}
	if b.groups, err = openSubGroupTable(configDir, o.Logger); err != nil {
		return nil, err
	}
	if b.schedule, err = openScheduler(b, configDir); err != nil {
		return nil, err
	}
	b.onMaster("delay scheduler", b.schedule.run)
	b.polls = newLongPoll(b)
	// The metrics come before the store, whose flush rounds they observe.
	if !o.DisableMetrics {
		b.metrics = newMetrics(b)
		b.stats = newBrokerStats(b.metrics, o.ClusterName)
	}
	storeOpts := o.Store
	storeOpts.OnArrival = b.arrived
	storeOpts.Events = b.storeEvents(storeOpts.Events)
	storeOpts.OnAppend = b.notifySlaves
	if b.store, err = store.Open(filepath.Join(o.DataDir, "store"), &storeOpts); err != nil {
		return nil, err
	}
	b.newReplication()
	b.restoreTopics()
	if err := b.openTimer(); err != nil {
		return nil, err
	}
	if err := b.openAccessControl(); err != nil {
		return nil, err
	}
	b.consumers = newConsumerTable(b)
	b.producers = newProducerTable()
	b.locks = newLockTable(o.RebalanceLockMaxLiveTime)
	b.clients = newClientTable()
	b.flow = newFlowControl(o.FlowControl)
	b.txns = newTransactions(b)
	b.onMaster("transaction check", b.transactionCheckLoop)
	b.client = remoting.NewClient(remoting.ClientOptions{})
	if o.Controller.Enable {
		if b.ctrl, err = newControllerMode(b); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// closeOpened closes what a failed New had opened, in the reverse order.
func (b *Broker) closeOpened() error {
	var errs []error
	if b.client != nil {
		b.client.Close()
	}
	errs = append(errs, b.closeAccessControl(), b.closeTimer())
	if b.store != nil {
		errs = append(errs, b.store.Close())
	}
	if b.groups != nil {
		errs = append(errs, b.groups.close())
	}
	if b.topics != nil {
		errs = append(errs, b.topics.close())
	}
	if b.listener != nil {
		errs = append(errs, b.listener.Close())
	}
	return errors.Join(errs...)
}

// Store is the broker's message store.
func (b *Broker) Store() *store.MessageStore { return b.store }

// Addr is the address clients connect to (the listen address once Start
// has run).
func (b *Broker) Addr() string {
	if b.server != nil {
		if a := b.server.Addr(); a != "" {
			return a
		}
	}
	return b.opts.ListenAddr
}

// Start listens, registers with the nameservers and starts the background
// services. After a failed Start, Close releases what it started.
func (b *Broker) Start() error {
	b.server = remoting.NewServer(remoting.ServerOptions{OnConnClose: b.connClosed, Intercept: b.intercept()})
	b.routes()
	// Replication first: the send handlers read it, and the listener takes
	// requests as soon as it opens.
	if err := b.startReplication(); err != nil {
		return err
	}
	if b.ctrl != nil {
		if err := b.ctrl.start(); err != nil {
			return err
		}
	}
	if err := b.listen(); err != nil {
		return err
	}
	b.aclRoutes() // they answer with the address listened on
	b.wg.Go(b.polls.run)
	b.wg.Go(b.registerLoop)
	b.wg.Go(b.housekeeping)
	if b.ctrl == nil {
		b.startMasterServices() // in controller mode, when elected
	}
	return nil
}

// routes registers every processor on its pool, as RocketMQ gives each its
// own executor.
func (b *Broker) routes() {
	send := remoting.NewPool(4, 10000)
	pull := remoting.NewPool(8, 100000)
	admin := remoting.NewPool(2, 10000)
	heartbeat := remoting.NewPool(2, 10000)
	// A reply waits for the requester to take it, and END_TRANSACTION
	// writes: each has its own pool, as in RocketMQ, so that neither holds
	// up sends.
	reply := remoting.NewPool(4, 10000)
	endTransaction := remoting.NewPool(4, 100000)
	b.pools = []*remoting.Pool{send, pull, admin, heartbeat, reply, endTransaction}
	b.namedPools = map[string]*remoting.Pool{"send": send, "pull": pull, "admin": admin, "heartbeat": heartbeat,
		"reply": reply, "endTransaction": endTransaction}
	s := b.server
	for _, code := range []int16{remoting.RequestSendMessage, remoting.RequestSendMessageV2, remoting.RequestSendBatchMessage} {
		s.Handle(code, send, b.timed(b.handleSend))
	}
	s.Handle(remoting.RequestPullMessage, pull, b.timed(b.handlePull))
	s.Handle(remoting.RequestConsumerSendMsgBack, send, b.handleSendBack)
	s.Handle(remoting.RequestSendReplyMessage, reply, b.handleSendReply)
	s.Handle(remoting.RequestSendReplyMessageV2, reply, b.handleSendReply)
	s.Handle(remoting.RequestEndTransaction, endTransaction, b.handleEndTransaction)
	s.Handle(remoting.RequestHeartBeat, heartbeat, b.handleHeartbeat)
	s.Handle(remoting.RequestUnregisterClient, heartbeat, b.handleUnregisterClient)
	s.Handle(remoting.RequestGetConsumerListByGroup, heartbeat, b.handleGetConsumerList)
	s.Handle(remoting.RequestCheckClientConfig, heartbeat, b.handleCheckClientConfig)
	s.Handle(remoting.RequestLockBatchMQ, heartbeat, b.handleLockBatch)
	s.Handle(remoting.RequestUnlockBatchMQ, heartbeat, b.handleUnlockBatch)
	s.Handle(remoting.RequestQueryConsumerOffset, admin, b.handleQueryConsumerOffset)
	s.Handle(remoting.RequestUpdateConsumerOffset, admin, b.handleUpdateConsumerOffset)
	s.Handle(remoting.RequestGetMaxOffset, admin, b.handleGetMaxOffset)
	s.Handle(remoting.RequestGetMinOffset, admin, b.handleGetMinOffset)
	s.Handle(remoting.RequestSearchOffsetByTimestamp, admin, b.handleSearchOffset)
	s.Handle(remoting.RequestQueryMessage, admin, b.handleQueryMessage)
	s.Handle(remoting.RequestViewMessageByID, admin, b.handleViewMessage)
	s.Handle(remoting.RequestUpdateAndCreateTopic, admin, b.handleCreateTopic)
	s.Handle(remoting.RequestDeleteTopicInBroker, admin, b.handleDeleteTopic)
	s.Handle(remoting.RequestGetAllTopicConfig, admin, b.handleGetAllTopicConfig)
	s.Handle(remoting.RequestGetAllConsumerOffset, admin, b.handleGetAllConsumerOffset)
	s.Handle(remoting.RequestGetAllDelayOffset, admin, b.handleGetAllDelayOffset)
	s.Handle(remoting.RequestGetTimerCheckPoint, admin, b.handleGetTimerCheckPoint)
	s.Handle(remoting.RequestNotifyBrokerRoleChanged, admin, b.handleRoleChanged)
	s.Handle(remoting.RequestGetBrokerEpochCache, admin, b.handleGetBrokerEpochCache)
	b.adminRoutes(admin)
}

// housekeeping persists consumer offsets and expires silent clients and
// stale queue locks.
func (b *Broker) housekeeping() {
	b.runEvery(min(b.opts.OffsetPersistInterval, 10*time.Second), func() {
		if err := b.offsets.save(); err != nil {
			b.log.Error("persist consumer offsets", "err", err)
		}
		if err := b.schedule.save(); err != nil {
			b.log.Error("persist delay offsets", "err", err)
		}
		now := time.Now()
		b.consumers.expire(now.Add(-b.opts.ConsumerExpiry))
		b.producers.expire(now.Add(-b.opts.ConsumerExpiry))
		b.clients.expire(now.Add(-b.opts.ConsumerExpiry))
		b.stats.sample()
		b.locks.expire(now)
		b.countUnconsumedLoss()
	})
}

// runEvery calls fn every interval until the broker closes.
func (b *Broker) runEvery(interval time.Duration, fn func()) { runUntil(b.quit, interval, fn) }

// runUntil calls fn every interval until stop is closed.
func runUntil(stop <-chan struct{}, interval time.Duration, fn func()) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			fn()
		}
	}
}

// Close unregisters from the nameservers, stops serving, persists consumer
// offsets and closes the store (flush, checkpoint).
func (b *Broker) Close() error {
	var errs []error
	b.closeOnce.Do(func() {
		close(b.quit)
		if b.listener != nil { // New bound it; Start never served it
			errs = append(errs, b.listener.Close())
		}
		if b.server != nil {
			b.unregister()
			errs = append(errs, b.server.Close())
		}
		b.polls.close()
		b.stopMasterServices()
		b.wg.Wait()
		errs = append(errs, b.stopReplication())
		if b.ctrl != nil {
			errs = append(errs, b.ctrl.close())
		}
		for _, p := range b.pools {
			p.Close()
		}
		b.client.Close()
		errs = append(errs, b.offsets.save(), b.schedule.save(), b.closeTimer(), b.store.Close(), b.closeAccessControl(),
			b.topics.close(), b.groups.close())
	})
	return errors.Join(errs...)
}

// connClosed forgets what a closed connection held: its consumers,
// producers and suspended pulls. Queue locks stay until they expire or are
// unlocked, as RocketMQ's: a consumer may still be working on its queue.
func (b *Broker) connClosed(c *remoting.Conn) {
	b.consumers.dropConn(c)
	b.producers.dropConn(c)
	b.clients.drop(c)
	b.polls.dropConn(c)
}

// errorResponse answers req with code and err's text.
func errorResponse(req *remoting.Command, code int16, err error) *remoting.Command {
	return remoting.NewResponse(req, code, err.Error())
}

// timeoutContext bounds a call the broker makes.
func timeoutContext(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// topicForRead returns a readable topic's config.
func (b *Broker) topicForRead(topic string) (TopicConfig, error) {
	tc, ok := b.topics.get(topic)
	if !ok {
		return tc, fmt.Errorf("topic[%s] not exist, apply first please", topic)
	}
	if tc.Perm&PermRead == 0 {
		return tc, fmt.Errorf("the topic[%s] pulling message is forbidden", topic)
	}
	return tc, nil
}
