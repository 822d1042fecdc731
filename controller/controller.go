package controller

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"github.com/rocketstore/rocketstore/remoting"
)

// ErrClosed is returned by calls on a closed Controller.
var ErrClosed = errors.New("controller: closed")

// Controller is one peer of the controller group. The raft leader among
// the peers serves brokers and tools; the others answer
// CONTROLLER_NOT_LEADER naming it.
type Controller struct {
	opts     Options
	log      *slog.Logger
	fsm      *fsm
	node     *raftNode
	live     *liveTable
	notifier *notifier
	server   *remoting.Server
	own      bool // server is ours to close
	pool     *remoting.Pool
	refusals *rateLimiter

	// decideMu makes deciding a request and committing its events one
	// step: the next decision sees the state after them.
	decideMu sync.Mutex

	mu    sync.Mutex
	ready bool   // raft leader, with every earlier entry applied
	term  uint64 // counts leadership changes, to drop stale readiness

	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// New starts a controller: it opens its raft state in opts.DataDir, joins
// the peers, and serves on opts.Server or on its own listener.
func New(opts Options) (*Controller, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Controller{
		opts:     o,
		log:      o.Logger.With("controller", o.ID),
		live:     newLiveTable(o.Now, o.BrokerHeartbeatTimeout),
		refusals: newRateLimiter(10 * time.Second),
		done:     make(chan struct{}),
	}
	c.fsm = newFSM(c.log)
	notify := make(chan bool, 16)
	if c.node, err = openRaft(&c.opts, c.fsm, notify); err != nil {
		return nil, err
	}
	c.notifier = newNotifier(c.log, o.NotifyTimeout)
	c.pool = remoting.NewPool(o.Workers, o.Queue)
	c.server = o.Server
	if c.server == nil {
		c.server, c.own = remoting.NewServer(remoting.ServerOptions{}), true
	}
	c.register(c.server)
	if c.own {
		self, _ := o.self()
		if err := c.server.Listen(self.Addr); err != nil {
			c.pool.Close()
			c.notifier.close()
			return nil, errors.Join(err, c.node.close())
		}
	}
	c.wg.Go(func() { c.watchLeadership(notify) })
	c.wg.Go(c.scanLoop)
	c.log.Info("controller started", "addr", c.Addr(), "raft", c.node.trans.LocalAddr(), "peers", len(o.Peers))
	return c, nil
}

// Addr is the remoting address brokers reach this controller at.
func (c *Controller) Addr() string {
	if c.own {
		return c.server.Addr()
	}
	self, _ := c.opts.self()
	return self.Addr
}

// IsLeader reports whether this controller is the raft leader and ready
// to serve (its earlier log entries applied).
func (c *Controller) IsLeader() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ready
}

// Leader is the peer raft last heard of as leader; ok is false when none
// is known.
func (c *Controller) Leader() (p Peer, ok bool) {
	_, id := c.node.r.LeaderWithID()
	if id == "" {
		return Peer{}, false
	}
	return c.opts.peer(string(id))
}

// Groups returns a copy of every broker group the controller holds.
func (c *Controller) Groups() map[string]*Group { return c.fsm.groups() }

// Snapshot asks raft to snapshot the state now (it also does so every
// SnapshotThreshold entries), so the log before it can be dropped.
func (c *Controller) Snapshot() error { return c.node.r.Snapshot().Error() }

// Close stops serving, leaves raft and waits for every goroutine. With a
// given Server, the processors stay registered and answer SYSTEM_BUSY.
func (c *Controller) Close() error {
	c.closeOnce.Do(func() {
		close(c.done)
		var errs []error
		if c.own {
			errs = append(errs, c.server.Close())
		}
		c.pool.Close()
		errs = append(errs, c.node.close())
		c.wg.Wait()
		c.notifier.close()
		c.closeErr = errors.Join(errs...)
		c.log.Info("controller closed", "err", c.closeErr)
	})
	return c.closeErr
}

// watchLeadership follows raft's leadership changes. Gaining it, the
// controller first commits a barrier so its state holds every earlier
// entry (a new leader may not have applied them yet), then serves; until
// then, and after losing it, requests get CONTROLLER_NOT_LEADER.
func (c *Controller) watchLeadership(notify <-chan bool) {
	for {
		select {
		case <-c.done:
			return
		case leader := <-notify:
			c.mu.Lock()
			c.term++
			term := c.term
			c.ready = false
			c.mu.Unlock()
			c.live.reset(time.Time{})
			if leader {
				c.log.Info("raft leadership gained; committing a barrier before serving")
				c.wg.Go(func() { c.becomeReady(term) })
			} else {
				c.log.Warn("raft leadership lost")
			}
		}
	}
}

func (c *Controller) becomeReady(term uint64) {
	for {
		err := c.node.r.Barrier(c.opts.ApplyTimeout).Error()
		c.mu.Lock()
		current := c.term == term
		if err == nil && current {
			c.ready = true
			c.live.reset(c.opts.Now())
		}
		c.mu.Unlock()
		switch {
		case err == nil && current:
			c.log.Warn("controller leader ready", "grace", c.opts.BrokerHeartbeatTimeout)
			return
		case !current || errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) || errors.Is(err, raft.ErrRaftShutdown):
			return
		}
		c.log.Error("leader barrier failed; retrying", "err", err)
		select {
		case <-c.done:
			return
		case <-time.After(c.opts.Raft.CommitTimeout + 10*time.Millisecond):
		}
	}
}

// decide runs fn on the state and commits the events it produced, one
// request at a time, on the leader only.
func (c *Controller) decide(fn func(*state) result) result {
	c.decideMu.Lock()
	defer c.decideMu.Unlock()
	if !c.IsLeader() {
		return c.notLeader()
	}
	var r result
	c.fsm.read(func(s *state) { r = fn(s) })
	if err := c.commit(r.events); err != nil {
		if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) {
			return c.notLeader()
		}
		return fail(remoting.ResponseSystemError, "commit to raft failed: %v", err)
	}
	if r.notify != nil && r.master != nil {
		c.pushRoleChange(r.notify, *r.master)
	}
	return r
}

// commit appends events as one raft entry and waits until it is applied
// here.
func (c *Controller) commit(events []event) error {
	if len(events) == 0 {
		return nil
	}
	data, err := json.Marshal(logEntry{Events: events})
	if err != nil {
		return fmt.Errorf("controller: encode events: %w", err)
	}
	f := c.node.r.Apply(data, c.opts.ApplyTimeout)
	if err := f.Error(); err != nil {
		return err
	}
	if err, ok := f.Response().(error); ok {
		return err
	}
	return nil
}

// read runs fn on the state, on the leader only (a follower's state may
// lag).
func (c *Controller) read(fn func(*state) result) result {
	if !c.IsLeader() {
		return c.notLeader()
	}
	var r result
	c.fsm.read(func(s *state) { r = fn(s) })
	return r
}

// notLeader is CONTROLLER_NOT_LEADER naming the leader when one is known.
func (c *Controller) notLeader() result {
	p, ok := c.Leader()
	if !ok || p.ID == c.opts.ID {
		return fail(remoting.ResponseControllerNotLeader, "controller %s is not the leader and knows of none ready yet", c.opts.ID)
	}
	r := fail(remoting.ResponseControllerNotLeader, "controller %s is not the leader; the leader is %s at %s", c.opts.ID, p.ID, p.Addr)
	r.ext = map[string]string{keyLeaderID: p.ID, keyLeaderAddress: p.Addr}
	return r
}

// pushRoleChange tells the group's live members of their new master.
func (c *Controller) pushRoleChange(members *BrokerMemberGroup, mi MasterInfo) {
	if c.opts.DisableNotifyBrokerRoleChanged {
		return
	}
	for id, addr := range members.BrokerAddrs {
		if addr != "" && c.live.alive(members.BrokerName, id) {
			c.notifier.push(addr, mi)
		}
	}
}
