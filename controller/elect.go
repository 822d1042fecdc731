package controller

import (
	"cmp"
	"math"
	"slices"
)

// liveness is what elections and validations know of brokers beyond the
// replicated state: the leader's heartbeat table.
type liveness interface {
	alive(brokerName string, id int64) bool
	info(brokerName string, id int64) (liveBroker, bool)
}

// electParams say whom an election may pick.
type electParams struct {
	oldMaster int64 // kept when still eligible and nobody is preferred
	prefer    int64 // an admin's designated broker: it or nobody
	exclude   int64 // a master stepping down
	unclean   bool  // fall back to members outside the SyncStateSet
}

// electMaster picks a master for g as RocketMQ's DefaultElectPolicy does:
// first among the live SyncStateSet, then (unclean only) among all live
// members. Among candidates the highest (epoch, max offset) wins, then the
// lowest election priority, then the lowest id (so every run agrees). It
// returns 0 when nobody is eligible.
func electMaster(g *Group, live liveness, p electParams) int64 {
	if id := electAmong(g, g.SyncStateSet, live, p); id != 0 {
		return id
	}
	if !p.unclean {
		return 0
	}
	all := make([]int64, 0, len(g.Members))
	for id := range g.Members {
		all = append(all, id)
	}
	slices.Sort(all)
	return electAmong(g, all, live, p)
}

func electAmong(g *Group, ids []int64, live liveness, p electParams) int64 {
	var cands []int64
	for _, id := range ids {
		if _, member := g.Members[id]; member && id != p.exclude && live.alive(g.BrokerName, id) {
			cands = append(cands, id)
		}
	}
	if len(cands) == 0 {
		return 0
	}
	if p.oldMaster != 0 && slices.Contains(cands, p.oldMaster) && (p.prefer == 0 || p.prefer == p.oldMaster) {
		return p.oldMaster
	}
	if p.prefer != 0 {
		if slices.Contains(cands, p.prefer) {
			return p.prefer
		}
		return 0
	}
	return slices.MinFunc(cands, func(a, b int64) int { return compareCandidates(g.BrokerName, live, a, b) })
}

// compareCandidates orders a before b when a is the better master.
func compareCandidates(name string, live liveness, a, b int64) int {
	ia, ib := candidate(name, live, a), candidate(name, live, b)
	return cmp.Or(
		cmp.Compare(ib.epoch, ia.epoch),
		cmp.Compare(ib.maxOffset, ia.maxOffset),
		cmp.Compare(ia.priority, ib.priority),
		cmp.Compare(a, b),
	)
}

// candidate is a broker's heartbeat record, or the worst one when the
// leader has none yet (a broker known only through the grace period).
func candidate(name string, live liveness, id int64) liveBroker {
	b, ok := live.info(name, id)
	if !ok {
		return liveBroker{epoch: -1, maxOffset: -1, priority: math.MaxInt32}
	}
	if b.priority <= 0 {
		b.priority = math.MaxInt32 // no priority given ranks last, as Java's null
	}
	return b
}
