package controller

import (
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// scanLoop is the leader's periodic duty (RocketMQ's scanNotActiveBroker
// and scanInactiveMasterAndTriggerReelect): note silent brokers, and elect
// a new master for every group whose master is dead while a member lives.
// A new leader waits out its grace first, so that brokers still looking
// for it are not taken for dead.
func (c *Controller) scanLoop() {
	t := time.NewTicker(c.opts.ScanNotActiveBrokerInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		if !c.IsLeader() {
			continue
		}
		for _, k := range c.live.expire() {
			c.log.Warn("broker heartbeat expired", "brokerName", k.brokerName, "brokerId", k.brokerID)
		}
		if c.live.inGrace() {
			continue
		}
		for _, name := range c.groupsToElect() {
			c.electFor(name)
		}
	}
}

// groupsToElect names the groups whose master is dead (or gone after a
// failed election) while some member is alive.
func (c *Controller) groupsToElect() []string {
	var names []string
	c.fsm.read(func(s *state) {
		for name, g := range s.Groups {
			masterDead := g.MasterID != 0 && !c.live.alive(name, g.MasterID)
			noMaster := g.MasterID == 0 && g.MasterEpoch > 0
			if !masterDead && !noMaster {
				continue
			}
			for id := range g.Members {
				if c.live.alive(name, id) {
					names = append(names, name)
					break
				}
			}
		}
	})
	return names
}

// electFor runs the controller's own election for a group and logs what
// came of it (a failure repeats every scan, so only a change is logged).
func (c *Controller) electFor(name string) {
	r := c.decide(func(s *state) result {
		return decideElect(s, ElectRequest{BrokerName: name}, c.live, c.opts.EnableElectUncleanMaster)
	})
	switch r.code {
	case remoting.ResponseSuccess:
		c.log.Warn("master elected", "brokerName", name, "brokerId", r.master.MasterBrokerID,
			"addr", r.master.MasterAddress, "masterEpoch", r.master.MasterEpoch)
	default:
		if c.refusals.allow("elect|" + name + "|" + r.remark) {
			c.log.Warn("election failed", "brokerName", name, "code", r.code, "remark", r.remark)
		}
	}
}
