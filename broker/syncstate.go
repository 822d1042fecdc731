package broker

import (
	"errors"
	"slices"
	"time"

	"github.com/rocketstore/rocketstore/controller"
	"github.com/rocketstore/rocketstore/ha"
)

// syncStateView is a master's SyncStateSet: the set the controller agreed
// to (ids, epoch) and slaves being added (joining). Until the controller
// agrees to a change, the master counts the union of old and new (as
// RocketMQ's isSynchronizingSyncStateSet), so that neither a shrink nor an
// expansion ever confirms a record some replica the controller may elect
// lacks.
type syncStateView struct {
	ids   []int64
	epoch int32
	// joining are caught-up slaves the master counts already; each is
	// proposed once it holds everything confirmed. since is when each
	// started joining.
	joining map[int64]time.Time
}

func (v *syncStateView) effective() []int64 {
	out := slices.Clone(v.ids)
	for id := range v.joining {
		out = append(out, id)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// takeSyncStateSet adopts a set the controller reported for the current
// epoch, when it is newer than the one the master holds. c.mu is held.
func (c *controllerMode) takeSyncStateSet(s controller.SyncStateSet) {
	if s.SyncStateSetEpoch <= c.set.epoch {
		return
	}
	c.set.ids, c.set.epoch = s.SyncStateSet, s.SyncStateSetEpoch
	if m := c.b.haMaster.Load(); m != nil {
		m.SetSyncStateSet(c.set.effective())
	}
}

// checkSyncStateSet is the master's periodic comparison of its slaves with
// its SyncStateSet (RocketMQ's maybeShrinkSyncStateSet and
// maybeExpandInSyncStateSet): a member that is not connected, or has not
// caught up for MaxTimeSlaveNotCatchup, goes; a slave caught up within the
// current epoch joins, counted at once and proposed once it holds every
// confirmed record. Changes go to the controller with the master and set
// epochs (c.mu is not held meanwhile: heartbeats and role changes go on);
// a refusal that says the master was deposed is left to the heartbeats.
func (c *controllerMode) checkSyncStateSet() {
	c.mu.Lock()
	m, proposal := c.planSyncStateSet()
	epoch, setEpoch := c.applied, c.set.epoch
	c.mu.Unlock()
	if proposal == nil {
		return
	}
	b := c.b
	ctx, cancel := timeoutContext(5 * time.Second)
	defer cancel()
	set, err := c.client.AlterSyncStateSet(ctx, controller.AlterSyncStateSetRequest{BrokerName: b.opts.BrokerName,
		MasterBrokerID: c.id.Load(), MasterEpoch: epoch,
		NewSet: controller.SyncStateSet{SyncStateSet: proposal, SyncStateSetEpoch: setEpoch}})
	if errors.Is(err, controller.ErrFencedSyncStateSetEpoch) {
		// Another change got there first: take the controller's set.
		mi, gerr := c.client.GetReplicaInfo(ctx, b.opts.BrokerName)
		if gerr == nil && mi.MasterEpoch == epoch && mi.MasterBrokerID == c.id.Load() {
			c.tell(mi, "replica info")
		}
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.applied != epoch || b.haMaster.Load() != m {
		return // the role changed meanwhile
	}
	switch {
	case err == nil:
		b.log.Warn("SyncStateSet changed", "from", c.set.ids, "to", set.SyncStateSet, "syncStateSetEpoch", set.SyncStateSetEpoch)
		c.set.ids, c.set.epoch = set.SyncStateSet, set.SyncStateSetEpoch
		for _, id := range set.SyncStateSet {
			delete(c.set.joining, id)
		}
		m.SetSyncStateSet(c.set.effective())
	case errors.Is(err, controller.ErrFencedMasterEpoch), errors.Is(err, controller.ErrInvalidMaster):
		b.log.Warn("the controller refused a SyncStateSet change: this broker is no longer master", "err", err)
	default:
		b.warnings.warn("controller:alter", "SyncStateSet change failed; retrying", "proposal", proposal, "err", err)
	}
}

// planSyncStateSet updates the slaves joining the set and returns the set
// to propose, nil when it stays. c.mu is held.
func (c *controllerMode) planSyncStateSet() (*ha.Master, []int64) {
	b := c.b
	m := b.haMaster.Load()
	if m == nil || !b.isMaster() {
		return nil, nil
	}
	self := c.id.Load()
	now := time.Now()
	recent := func(t time.Time) bool { return !t.IsZero() && now.Sub(t) <= c.opts.MaxTimeSlaveNotCatchup }
	slaves := map[int64]ha.SlaveState{}
	for _, s := range m.Slaves() {
		if prev, ok := slaves[s.BrokerID]; !ok || s.AckOffset > prev.AckOffset || s.CaughtUpAt.After(prev.CaughtUpAt) {
			slaves[s.BrokerID] = s
		}
	}
	epochStart := int64(0)
	if e, ok := c.epochs.Last(); ok {
		epochStart = e.StartOffset
	}
	proposal := []int64{self}
	for _, id := range c.set.ids {
		if s, ok := slaves[id]; id != self && ok && recent(s.CaughtUpAt) {
			proposal = append(proposal, id)
		}
	}
	changed := len(proposal) != len(c.set.ids)
	confirm := m.ConfirmOffset()
	if confirm < 0 {
		confirm = b.store.CommitLog().MaxOffset()
	}
	for id, s := range slaves {
		if id <= 0 || slices.Contains(c.set.ids, id) {
			continue
		}
		since, joining := c.set.joining[id]
		switch {
		case !recent(s.CaughtUpAt) || s.AckOffset < epochStart:
			if joining {
				delete(c.set.joining, id) // fell behind again before it was proposed
			}
		case !joining:
			if c.set.joining == nil {
				c.set.joining = map[int64]time.Time{}
			}
			c.set.joining[id] = now
			b.log.Info("slave caught up; it counts for the SyncStateSet from now on", "brokerId", id, "ack", s.AckOffset)
		case s.AckOffset >= confirm:
			proposal = append(proposal, id)
			changed = true
		case now.Sub(since) > c.opts.MaxTimeSlaveNotCatchup:
			delete(c.set.joining, id)
		}
	}
	for id := range c.set.joining {
		if _, ok := slaves[id]; !ok {
			delete(c.set.joining, id) // disconnected before it was proposed
		}
	}
	m.SetSyncStateSet(c.set.effective())
	if !changed {
		return m, nil
	}
	slices.Sort(proposal)
	return m, proposal
}
