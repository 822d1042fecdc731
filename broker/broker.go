package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/filter"
	"github.com/rocketstore/rocketstore/ha"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// Broker serves RocketMQ clients from a message store: sends, pulls with
// long polling, consumer groups and offsets, topic configs and queries. See
// the package documentation.
type Broker struct {
	opts  Options
	log   *slog.Logger
	store *store.MessageStore

	topics    *topicTable
	offsets   *offsetTable
	consumers *consumerTable
	polls     *longPoll
	schedule  *scheduler
	filters   *filter.Cache // compiled subscription expressions
	pullStats pullStats
	refusals  *logThrottle // repeated refusals of a client leave one line a minute
	producers *producerTable

	// Operating the broker: metrics, subscription group configs, what
	// heartbeats say of connections, flow control, the named pools.
	metrics    *metrics // nil with DisableMetrics
	groups     *subGroupTable
	clients    *clientTable
	flow       *flowControl
	stats      *brokerStats // nil with DisableMetrics
	config     configState
	namedPools map[string]*remoting.Pool

	haMaster *ha.Master // masters only
	haSlave  *ha.Slave  // slaves only

	server *remoting.Server
	client *remoting.Client // to nameservers (and a slave's master)
	pools  []*remoting.Pool

	registerNow chan struct{}
	quit        chan struct{}
	wg          sync.WaitGroup
	closeOnce   sync.Once
}

// New opens the broker's store and config under opts.DataDir. Start
// serves.
func New(opts *Options) (*Broker, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	b := &Broker{opts: o, log: o.Logger, filters: filter.NewCache(0), refusals: newLogThrottle(time.Minute),
		registerNow: make(chan struct{}, 1), quit: make(chan struct{})}
	configDir := filepath.Join(o.DataDir, "config")
	if b.topics, err = openTopicTable(configDir, o.DefaultTopicQueueNums, !o.DisableAutoCreateTopic); err != nil {
		return nil, err
	}
	if b.offsets, err = openOffsetTable(configDir); err != nil {
		return nil, err
	}
	if b.groups, err = openSubGroupTable(configDir); err != nil {
		return nil, err
	}
	if b.schedule, err = openScheduler(b, configDir); err != nil {
		return nil, err
	}
	b.polls = newLongPoll(b)
	storeOpts := o.Store
	storeOpts.OnArrival = b.polls.arrived
	if b.store, err = store.Open(filepath.Join(o.DataDir, "store"), &storeOpts); err != nil {
		return nil, err
	}
	b.consumers = newConsumerTable(b)
	b.producers = newProducerTable()
	b.clients = newClientTable()
	b.flow = newFlowControl(o.FlowControl)
	if !o.DisableMetrics {
		b.metrics = newMetrics(b)
		b.stats = newBrokerStats(b.metrics, o.ClusterName)
	}
	b.client = remoting.NewClient(remoting.ClientOptions{})
	return b, nil
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
	b.server = remoting.NewServer(remoting.ServerOptions{OnConnClose: b.connClosed})
	b.routes()
	// Replication first: the send handlers read it, and the listener takes
	// requests as soon as it opens.
	if err := b.startReplication(); err != nil {
		return err
	}
	if err := b.server.Listen(b.opts.ListenAddr); err != nil {
		return err
	}
	b.wg.Go(b.polls.run)
	b.wg.Go(b.registerLoop)
	b.wg.Go(b.housekeeping)
	b.wg.Go(b.schedule.run)
	return nil
}

// routes registers every processor on its pool, as RocketMQ gives each its
// own executor.
func (b *Broker) routes() {
	send := remoting.NewPool(4, 10000)
	pull := remoting.NewPool(8, 100000)
	admin := remoting.NewPool(2, 10000)
	heartbeat := remoting.NewPool(2, 10000)
	b.pools = []*remoting.Pool{send, pull, admin, heartbeat}
	b.namedPools = map[string]*remoting.Pool{"send": send, "pull": pull, "admin": admin, "heartbeat": heartbeat}
	s := b.server
	for _, code := range []int16{remoting.RequestSendMessage, remoting.RequestSendMessageV2, remoting.RequestSendBatchMessage} {
		s.Handle(code, send, b.timed(b.handleSend))
	}
	s.Handle(remoting.RequestPullMessage, pull, b.timed(b.handlePull))
	s.Handle(remoting.RequestConsumerSendMsgBack, send, b.handleSendBack)
	s.Handle(remoting.RequestHeartBeat, heartbeat, b.handleHeartbeat)
	s.Handle(remoting.RequestUnregisterClient, heartbeat, b.handleUnregisterClient)
	s.Handle(remoting.RequestGetConsumerListByGroup, heartbeat, b.handleGetConsumerList)
	s.Handle(remoting.RequestCheckClientConfig, heartbeat, b.handleCheckClientConfig)
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
	b.adminRoutes(admin)
}

// housekeeping persists consumer offsets and expires silent consumers.
func (b *Broker) housekeeping() {
	tick := time.NewTicker(min(b.opts.OffsetPersistInterval, 10*time.Second))
	defer tick.Stop()
	for {
		select {
		case <-b.quit:
			return
		case <-tick.C:
			_ = b.offsets.save()
			_ = b.schedule.save()
			b.consumers.expire(time.Now().Add(-b.opts.ConsumerExpiry))
			b.producers.expire(time.Now().Add(-b.opts.ConsumerExpiry))
			b.clients.expire(time.Now().Add(-b.opts.ConsumerExpiry))
			b.stats.sample()
		}
	}
}

// Close unregisters from the nameservers, stops serving, persists consumer
// offsets and closes the store (flush, checkpoint).
func (b *Broker) Close() error {
	var errs []error
	b.closeOnce.Do(func() {
		close(b.quit)
		if b.server != nil {
			b.unregister()
			errs = append(errs, b.server.Close())
		}
		b.polls.close()
		b.wg.Wait()
		errs = append(errs, b.stopReplication())
		for _, p := range b.pools {
			p.Close()
		}
		b.client.Close()
		errs = append(errs, b.offsets.save(), b.schedule.save(), b.store.Close())
	})
	return errors.Join(errs...)
}

// connClosed forgets what a closed connection held: its consumers and its
// suspended pulls.
func (b *Broker) connClosed(c *remoting.Conn) {
	b.consumers.dropConn(c)
	b.producers.dropConn(c)
	b.clients.drop(c)
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
