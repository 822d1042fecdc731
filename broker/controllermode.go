package broker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/controller"
	"github.com/rocketstore/rocketstore/ha"
	"github.com/rocketstore/rocketstore/remoting"
)

// Controller-mode defaults, RocketMQ 5's BrokerConfig and
// MessageStoreConfig values where the concept is the same.
const (
	DefaultControllerHeartbeatInterval = time.Second      // brokerHeartbeatInterval
	DefaultControllerHeartbeatTimeout  = 10 * time.Second // controllerHeartBeatTimeoutMills
	DefaultMaxTimeSlaveNotCatchup      = 15 * time.Second // haMaxTimeSlaveNotCatchup
	DefaultCheckSyncStateSetInterval   = 5 * time.Second  // checkSyncStateSetPeriod
	DefaultMinInSyncReplicas           = 1                // minInSyncReplicas
	// roleChangeWait bounds a promotion's wait for its log to be
	// dispatched; the controller's next answer retries it.
	roleChangeWait = 30 * time.Second
)

// ControllerOptions configure controller mode (RocketMQ 5's
// enableControllerMode): the broker registers with the controllers, which
// elect its group's master; it learns its role and its master's HA address
// from them, keeps an epoch file, and as master keeps its SyncStateSet in
// step with its slaves. Zero values mean the documented defaults.
type ControllerOptions struct {
	// Enable turns controller mode on. Default off.
	Enable bool
	// Addrs are the controllers' addresses (controllerAddr). Required with
	// Enable.
	Addrs []string
	// HeartbeatInterval is how often the broker tells the controller it
	// lives, with its epoch and max offset. Default 1 s.
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is how long the controller may hear nothing before
	// it takes the broker for dead. Default 10 s.
	HeartbeatTimeout time.Duration
	// ElectionPriority breaks ties between equally up-to-date candidates:
	// lower wins (brokerElectionPriority). Default 0: none, ranks last.
	ElectionPriority int32
	// MinInSyncReplicas is how many replicas (the master included) the
	// SyncStateSet must hold for a SYNC master to take a write; with fewer
	// the write is refused with SYSTEM_ERROR "in-sync replicas not enough"
	// (RocketMQ's IN_SYNC_REPLICAS_NOT_ENOUGH). Default 1.
	MinInSyncReplicas int
	// InSyncReplicas is how many replicas of the SyncStateSet (the master
	// included) must hold a message before a SYNC master acknowledges it.
	// Default 0: all of them (allAckInSyncStateSet=true), so that every
	// replica the controller may elect holds every acknowledged message.
	InSyncReplicas int
	// MaxTimeSlaveNotCatchup drops a slave from the SyncStateSet when it
	// has not caught up with the master for this long, or is not connected
	// (haMaxTimeSlaveNotCatchup). Default 15 s.
	MaxTimeSlaveNotCatchup time.Duration
	// CheckSyncStateSetInterval is how often a master compares its slaves
	// with its SyncStateSet. Default 5 s.
	CheckSyncStateSetInterval time.Duration
	// HADial connects a slave to its master's HA port (tests cut
	// replication with it). Default: a plain TCP dial.
	HADial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (o *ControllerOptions) withDefaults() error {
	if !o.Enable {
		return nil
	}
	if len(o.Addrs) == 0 {
		return errors.New("broker: controller mode needs the controllers' addresses (controllerAddr)")
	}
	setDefault(&o.HeartbeatInterval, DefaultControllerHeartbeatInterval)
	setDefault(&o.HeartbeatTimeout, DefaultControllerHeartbeatTimeout)
	setDefault(&o.MaxTimeSlaveNotCatchup, DefaultMaxTimeSlaveNotCatchup)
	setDefault(&o.CheckSyncStateSetInterval, DefaultCheckSyncStateSetInterval)
	setDefault(&o.MinInSyncReplicas, DefaultMinInSyncReplicas)
	if o.InSyncReplicas < 0 {
		o.InSyncReplicas = 0
	}
	return nil
}

func setDefault[T int | int32 | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// ErrInSyncReplicasNotEnough refuses a write on a SYNC master whose
// SyncStateSet holds fewer replicas than MinInSyncReplicas; its text is
// RocketMQ's remark for IN_SYNC_REPLICAS_NOT_ENOUGH.
var ErrInSyncReplicasNotEnough = errors.New("in-sync replicas not enough")

// controllerMode is the broker's side of controller mode: registration,
// heartbeats, role changes and, as master, the SyncStateSet.
type controllerMode struct {
	b      *Broker
	opts   ControllerOptions
	client *controller.Client
	epochs *ha.EpochFile
	idPath string
	id     atomic.Int64 // the broker's id in its group; 0 before registration

	haLn *net.TCPListener // the HA port, kept across terms as master
	// news carries what the controller says of the group (registration,
	// heartbeat answers, pushes) to the goroutine that changes roles, the
	// latest replacing one not taken yet: a role change may take a while,
	// and heartbeats must go on meanwhile.
	news chan news
	// kick asks for a heartbeat now: the controller pushed a change.
	kick chan struct{}

	// mu orders role changes; applied is the master epoch acted on, set
	// the SyncStateSet as master.
	mu      sync.Mutex
	applied int32
	set     syncStateView
}

// brokerIdentity is config/brokerIdentity.json: the id the controller gave.
type brokerIdentity struct {
	ClusterName string `json:"clusterName"`
	BrokerName  string `json:"brokerName"`
	BrokerID    int64  `json:"brokerId"`
}

func newControllerMode(b *Broker) (*controllerMode, error) {
	o := &b.opts
	epochs, err := ha.OpenEpochFile(filepath.Join(b.store.Root(), ha.EpochFileName))
	if err != nil {
		return nil, err
	}
	c := &controllerMode{b: b, opts: o.Controller, epochs: epochs,
		idPath: filepath.Join(o.DataDir, "config", "brokerIdentity.json"),
		news:   make(chan news, 1),
		kick:   make(chan struct{}, 1),
		client: controller.NewClient(controller.ClientOptions{Controllers: o.Controller.Addrs, Logger: b.log})}
	var ident brokerIdentity
	if err := loadJSON(c.idPath, &ident); err != nil {
		return nil, err
	}
	if ident.BrokerID != 0 && (ident.BrokerName != o.BrokerName || ident.ClusterName != o.ClusterName) {
		return nil, fmt.Errorf("broker: %s belongs to %s/%s, not %s/%s", c.idPath, ident.ClusterName, ident.BrokerName, o.ClusterName, o.BrokerName)
	}
	c.id.Store(ident.BrokerID)
	return c, nil
}

// start opens the HA port and starts the controller loop and the
// SyncStateSet checker, in goroutines the broker owns.
func (c *controllerMode) start() error {
	ln, err := net.Listen("tcp", c.b.opts.HAListenAddr)
	if err != nil {
		return fmt.Errorf("broker: HA port: %w", err)
	}
	c.haLn = ln.(*net.TCPListener)
	c.b.wg.Go(c.run)
	c.b.wg.Go(c.changeRoles)
	c.b.wg.Go(func() { c.b.runEvery(c.opts.CheckSyncStateSetInterval, c.checkSyncStateSet) })
	return nil
}

// news is one thing the controller said of the group, and where it came
// from (for the log).
type news struct {
	mi   controller.MasterInfo
	from string
}

// tell hands mi to the role-changing goroutine, replacing news it has not
// taken yet (the newer is at least as new).
func (c *controllerMode) tell(mi controller.MasterInfo, from string) {
	for {
		select {
		case c.news <- news{mi, from}:
			return
		default:
		}
		select {
		case old := <-c.news:
			if old.mi.MasterEpoch > mi.MasterEpoch {
				mi, from = old.mi, old.from
			}
		default:
		}
	}
}

// changeRoles acts on the controller's news, one at a time.
func (c *controllerMode) changeRoles() {
	for {
		select {
		case <-c.b.quit:
			return
		case n := <-c.news:
			c.apply(n.mi, n.from)
		}
	}
}

// close releases the HA port and the client (after the goroutines ended).
func (c *controllerMode) close() error {
	var errs []error
	if c.haLn != nil {
		if err := c.haLn.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	errs = append(errs, c.client.Close())
	return errors.Join(errs...)
}

// haAddr is the address this broker takes replication connections on.
func (c *controllerMode) haAddr() string {
	if c.haLn == nil {
		return c.b.opts.HAListenAddr
	}
	return c.haLn.Addr().String()
}

// run registers, then heartbeats every HeartbeatInterval; what the
// controller answers goes to changeRoles.
func (c *controllerMode) run() {
	for !c.register() {
		select {
		case <-c.b.quit:
			return
		case <-time.After(c.opts.HeartbeatInterval):
		}
	}
	tick := time.NewTicker(c.opts.HeartbeatInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.b.quit:
			return
		case <-tick.C:
			c.heartbeat()
		case <-c.kick:
			c.heartbeat()
		}
	}
}

// register is RocketMQ 5.1's registration: an id from the controller
// (persisted), then REGISTER_BROKER; a group that never had a master elects
// this broker.
func (c *controllerMode) register() bool {
	b := c.b
	ctx, cancel := timeoutContext(10 * time.Second)
	defer cancel()
	id, mi, err := c.client.Register(ctx, controller.RegisterRequest{ClusterName: b.opts.ClusterName, BrokerName: b.opts.BrokerName,
		BrokerID: c.id.Load(), BrokerAddress: b.Addr(), HAAddress: c.haAddr()})
	if err != nil {
		b.warnings.warn("controller:register", "register with the controller failed; retrying", "controllers", c.opts.Addrs, "err", err)
		return false
	}
	if id != c.id.Load() {
		if err := saveJSON(c.idPath, brokerIdentity{ClusterName: b.opts.ClusterName, BrokerName: b.opts.BrokerName, BrokerID: id}); err != nil {
			b.log.Error("persist the broker id the controller gave", "brokerId", id, "err", err)
			return false
		}
		c.id.Store(id)
	}
	b.log.Info("registered with the controller", "brokerId", id, "masterId", mi.MasterBrokerID, "masterEpoch", mi.MasterEpoch)
	if mi.MasterBrokerID == 0 {
		emi, err := c.client.ElectMaster(ctx, controller.ElectRequest{ClusterName: b.opts.ClusterName, BrokerName: b.opts.BrokerName, BrokerID: id})
		switch {
		case err == nil, errors.Is(err, controller.ErrMasterStillExist):
			mi = emi
		default:
			b.log.Warn("no master elected yet; waiting for the controller", "err", err)
		}
	}
	c.tell(mi, "register")
	return true
}

// heartbeat is BROKER_HEARTBEAT; its answer names the group's master.
// The epoch history loses the terms whose data cleanup deleted, as
// RocketMQ's truncateEpochFilePrefix.
func (c *controllerMode) heartbeat() {
	b := c.b
	if err := c.epochs.TruncatePrefix(b.store.CommitLog().MinOffset()); err != nil {
		b.warnings.warn("controller:epochs", "trim the epoch file", "err", err)
	}
	ctx, cancel := timeoutContext(c.opts.HeartbeatInterval + 3*time.Second)
	defer cancel()
	mi, err := c.client.Heartbeat(ctx, controller.HeartbeatRequest{ClusterName: b.opts.ClusterName, BrokerName: b.opts.BrokerName,
		BrokerAddr: b.Addr(), BrokerID: c.id.Load(), Epoch: c.epochs.LastEpoch(), MaxOffset: b.store.CommitLog().MaxOffset(),
		ConfirmOffset: b.store.DispatchedOffset(), Timeout: c.opts.HeartbeatTimeout, ElectionPriority: c.opts.ElectionPriority,
		HAAddress: c.haAddr()})
	switch {
	case errors.Is(err, controller.ErrNeedToBeRegistered):
		b.log.Warn("the controller does not know this broker; registering again")
		c.register()
	case err != nil:
		b.warnings.warn("controller:heartbeat", "heartbeat to the controller failed", "err", err)
	default:
		c.tell(mi, "heartbeat")
	}
}

// handleRoleChanged is NOTIFY_BROKER_ROLE_CHANGED, the controller's push of
// a new master. Anyone who reaches the broker's port can send it, and a
// broker told to follow another master cuts its log back to it: the push
// only makes the broker ask the controllers at once (a heartbeat), and it
// acts on their answer. The pusher gets its answer at once.
func (b *Broker) handleRoleChanged(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	if b.ctrl == nil {
		return b.refuse(c, req, remoting.ResponseSystemError, errors.New("the broker is not in controller mode"))
	}
	mi, err := controller.ParseRoleChange(req)
	if err != nil {
		return b.refuse(c, req, remoting.ResponseSystemError, err)
	}
	b.warnings.warn("controller:push", "role change pushed; asking the controller", "addr", c.RemoteAddr(), "masterId", mi.MasterBrokerID, "masterEpoch", mi.MasterEpoch)
	select {
	case b.ctrl.kick <- struct{}{}:
	default: // a heartbeat is about to go anyway
	}
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// apply acts on what the controller says of the group, when it is newer
// than what the broker acts on: it becomes master when named, else the
// slave of the named master. The same epoch may bring a newer SyncStateSet.
func (c *controllerMode) apply(mi controller.MasterInfo, from string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.b
	self := c.id.Load()
	switch {
	case self == 0:
		return // a push before registration finished: its answer will tell
	case mi.MasterEpoch < c.applied || mi.MasterBrokerID == 0:
		return // stale, or no master to follow yet
	case mi.MasterEpoch == c.applied:
		if mi.MasterBrokerID == self {
			c.takeSyncStateSet(mi.SyncStateSet)
		}
		return
	case mi.MasterEpoch < c.epochs.LastEpoch():
		b.warnings.warn("controller:stale", "the controller names an epoch older than this broker's history; ignored",
			"masterEpoch", mi.MasterEpoch, "lastEpoch", c.epochs.LastEpoch(), "from", from)
		return
	}
	var err error
	if mi.MasterBrokerID == self {
		err = c.becomeMaster(mi)
	} else {
		err = c.becomeSlave(mi)
	}
	if err != nil {
		b.log.Error("role change failed; the controller's next answer retries it", "masterId", mi.MasterBrokerID,
			"masterEpoch", mi.MasterEpoch, "from", from, "err", err)
		return
	}
	c.applied = mi.MasterEpoch
	r := b.roles()
	b.log.Warn("role changed", "role", r.role, "brokerId", self, "masterId", mi.MasterBrokerID, "master", mi.MasterAddress,
		"masterEpoch", mi.MasterEpoch, "syncStateSet", mi.SyncStateSet.SyncStateSet, "from", from)
	b.registerSoon()
}
