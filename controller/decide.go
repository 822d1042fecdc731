package controller

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rocketstore/rocketstore/remoting"
)

// result is what deciding a request produced: the answer, and the events
// to commit before the answer may be sent. Deciding reads the state and
// the heartbeats and changes nothing; the leader decides one request at a
// time and commits its events before deciding the next, so each decision
// sees every earlier one (RocketMQ's single-threaded event scheduler).
type result struct {
	code   int16
	remark string
	master *MasterInfo        // header fields of the group's master, if any
	ext    map[string]string  // other header fields
	body   any                // JSON body, if any
	events []event            // to commit first
	notify *BrokerMemberGroup // members to push the new master to, once committed
}

func fail(code int16, format string, args ...any) result {
	return result{code: code, remark: fmt.Sprintf(format, args...)}
}

// masterInfo is g's master as the wire carries it.
func masterInfo(g *Group) MasterInfo {
	mi := MasterInfo{MasterEpoch: g.MasterEpoch,
		SyncStateSet: SyncStateSet{SyncStateSet: slices.Clone(g.SyncStateSet), SyncStateSetEpoch: g.SyncStateSetEpoch}}
	if m, ok := g.Master(); ok {
		mi.MasterBrokerID, mi.MasterAddress, mi.MasterHAAddress = m.BrokerID, m.Address, m.HAAddress
	}
	return mi
}

func memberGroup(g *Group) *BrokerMemberGroup {
	addrs := make(map[int64]string, len(g.Members))
	for id, m := range g.Members {
		addrs[id] = m.Address
	}
	return &BrokerMemberGroup{Cluster: g.ClusterName, BrokerName: g.BrokerName, BrokerAddrs: addrs}
}

// decideElect is CONTROLLER_ELECT_MASTER (and the controller's own
// elections, with BrokerID 0): RocketMQ's ReplicasInfoManager.electMaster,
// plus step-down.
func decideElect(s *state, req ElectRequest, live liveness, unclean bool) result {
	g := s.group(req.BrokerName)
	if g == nil {
		return fail(remoting.ResponseControllerBrokerNeedToBeRegistered, "broker group %q has not been registered", req.BrokerName)
	}
	old := g.MasterID
	p := electParams{oldMaster: old, unclean: unclean}
	var newMaster int64
	switch {
	case req.StepDown:
		if req.BrokerID != old || old == 0 {
			return fail(remoting.ResponseControllerInvalidMaster, "broker %d is not the master of %q (master %d); it cannot step down", req.BrokerID, req.BrokerName, old)
		}
		p.oldMaster, p.exclude = 0, old
		newMaster = electMaster(g, live, p)
		if newMaster == 0 {
			return fail(remoting.ResponseControllerElectMasterFailed, "no other eligible broker in %q; master %d stays", req.BrokerName, old)
		}
	case g.MasterEpoch == 0 && req.BrokerID != 0:
		// The group never had a master: the first broker to ask is it.
		if _, ok := g.Members[req.BrokerID]; !ok {
			return fail(remoting.ResponseControllerBrokerNeedToBeRegistered, "broker %d is not a member of %q", req.BrokerID, req.BrokerName)
		}
		newMaster = req.BrokerID
	default:
		if req.Designate {
			p.prefer = req.BrokerID
		}
		newMaster = electMaster(g, live, p)
	}
	if newMaster != 0 && newMaster == old {
		r := fail(remoting.ResponseControllerMasterStillExist, "master %d of %q is alive; no election", old, req.BrokerName)
		mi := masterInfo(g)
		r.master, r.body = &mi, ElectMasterResponseBody{SyncStateSet: mi.SyncStateSet.SyncStateSet}
		return r
	}
	if newMaster != 0 {
		m := g.Members[newMaster]
		mi := MasterInfo{MasterBrokerID: newMaster, MasterAddress: m.Address, MasterHAAddress: m.HAAddress,
			MasterEpoch:  g.MasterEpoch + 1,
			SyncStateSet: SyncStateSet{SyncStateSet: []int64{newMaster}, SyncStateSetEpoch: g.SyncStateSetEpoch + 1}}
		members := memberGroup(g)
		return result{
			master: &mi,
			body:   ElectMasterResponseBody{BrokerMemberGroup: members, SyncStateSet: mi.SyncStateSet.SyncStateSet},
			events: []event{{Type: eventElectMaster, BrokerName: g.BrokerName, NewMasterID: newMaster}},
			notify: members,
		}
	}
	if req.BrokerID == 0 && !req.Designate && old != 0 {
		// The controller's own election after the master died: record
		// that the group has no master, so nobody follows the dead one.
		r := fail(remoting.ResponseControllerMasterNotAvailable, "master %d of %q is down and no eligible broker remains", old, req.BrokerName)
		r.events = []event{{Type: eventElectMaster, BrokerName: g.BrokerName}}
		return r
	}
	return fail(remoting.ResponseControllerElectMasterFailed, "no eligible broker to elect in %q", req.BrokerName)
}

// decideAlterSyncStateSet is CONTROLLER_ALTER_SYNC_STATE_SET, validated
// against the current master and both epochs so that a stale request (from
// a deposed master, or built on an old set) is refused.
func decideAlterSyncStateSet(s *state, req AlterSyncStateSetRequest, live liveness) result {
	g := s.group(req.BrokerName)
	if g == nil {
		return fail(remoting.ResponseControllerAlterSyncStateSetFailed, "broker group %q has not been registered", req.BrokerName)
	}
	newSet := sortedIDs(req.NewSet.SyncStateSet)
	switch {
	case slices.Equal(newSet, g.SyncStateSet):
		return fail(remoting.ResponseControllerAlterSyncStateSetFailed, "the new SyncStateSet %v equals the current one", newSet)
	case g.MasterID == 0 || g.MasterID != req.MasterBrokerID:
		return fail(remoting.ResponseControllerInvalidMaster, "the master of %q is %d, not %d", req.BrokerName, g.MasterID, req.MasterBrokerID)
	case req.MasterEpoch != g.MasterEpoch:
		return fail(remoting.ResponseControllerFencedMasterEpoch, "master epoch is %d, not %d", g.MasterEpoch, req.MasterEpoch)
	case req.NewSet.SyncStateSetEpoch != g.SyncStateSetEpoch:
		return fail(remoting.ResponseControllerFencedSyncStateSetEpoch, "SyncStateSet epoch is %d, not %d", g.SyncStateSetEpoch, req.NewSet.SyncStateSetEpoch)
	}
	for _, id := range newSet {
		if _, ok := g.Members[id]; !ok {
			return fail(remoting.ResponseControllerInvalidReplicas, "broker %d is not a member of %q", id, req.BrokerName)
		}
		if !live.alive(req.BrokerName, id) {
			return fail(remoting.ResponseControllerBrokerNotAlive, "broker %d of %q is not alive", id, req.BrokerName)
		}
	}
	if !slices.Contains(newSet, g.MasterID) {
		return fail(remoting.ResponseControllerAlterSyncStateSetFailed, "the new SyncStateSet %v lacks the master %d", newSet, g.MasterID)
	}
	epoch := g.SyncStateSetEpoch + 1
	return result{
		ext:    map[string]string{"newSyncStateSetEpoch": fmt.Sprint(epoch)},
		body:   SyncStateSet{SyncStateSet: newSet, SyncStateSetEpoch: epoch},
		events: []event{{Type: eventAlterSyncStateSet, BrokerName: g.BrokerName, SyncStateSet: newSet}},
	}
}

// decideApplyBrokerID is CONTROLLER_APPLY_BROKER_ID: an id is granted when
// free, or when it is the applicant's own (same check code).
func decideApplyBrokerID(s *state, req ApplyBrokerIDRequest) result {
	if req.BrokerID < FirstBrokerID {
		return fail(remoting.ResponseControllerBrokerIDInvalid, "broker id %d is below %d", req.BrokerID, FirstBrokerID)
	}
	addr, _, _ := strings.Cut(req.RegisterCheckCode, ";")
	ok := result{ext: map[string]string{keyClusterName: req.ClusterName, keyBrokerName: req.BrokerName}}
	ev := event{Type: eventApplyBrokerID, ClusterName: req.ClusterName, BrokerName: req.BrokerName,
		BrokerID: req.BrokerID, Address: addr, RegisterCheckCode: req.RegisterCheckCode}
	g := s.group(req.BrokerName)
	if g == nil {
		if req.BrokerID != FirstBrokerID {
			return fail(remoting.ResponseControllerBrokerIDInvalid, "group %q is new; its first broker id is %d, not %d", req.BrokerName, FirstBrokerID, req.BrokerID)
		}
		ok.events = []event{ev}
		return ok
	}
	m, taken := g.Members[req.BrokerID]
	switch {
	case !taken:
		ok.events = []event{ev}
		return ok
	case m.RegisterCheckCode == req.RegisterCheckCode:
		return ok
	}
	return fail(remoting.ResponseControllerBrokerIDInvalid, "broker id %d of %q belongs to another broker", req.BrokerID, req.BrokerName)
}

// decideRegister is CONTROLLER_REGISTER_BROKER: the broker holds its id;
// it learns the master (when alive) and the SyncStateSet, and its address
// is updated when it moved.
func decideRegister(s *state, req RegisterRequest, live liveness) result {
	g := s.group(req.BrokerName)
	if g == nil {
		return fail(remoting.ResponseControllerBrokerNeedToBeRegistered, "broker group %q has not been registered", req.BrokerName)
	}
	m, ok := g.Members[req.BrokerID]
	if !ok {
		return fail(remoting.ResponseControllerBrokerNeedToBeRegistered, "broker id %d has not been applied for in %q", req.BrokerID, req.BrokerName)
	}
	r := result{ext: map[string]string{keyClusterName: g.ClusterName, keyBrokerName: g.BrokerName}}
	mi := masterInfo(g)
	r.body = mi.SyncStateSet
	if mi.MasterBrokerID != 0 && live.alive(g.BrokerName, mi.MasterBrokerID) {
		r.master = &mi
	}
	if m.Address != req.BrokerAddress || req.HAAddress != "" && m.HAAddress != req.HAAddress {
		ha := orDefault(req.HAAddress, m.HAAddress)
		r.events = []event{{Type: eventUpdateAddress, BrokerName: g.BrokerName, BrokerID: req.BrokerID, Address: req.BrokerAddress, HAAddress: ha}}
	}
	return r
}

// orDefault returns a when set, else b.
func orDefault(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// decideCleanBrokerData is CLEAN_BROKER_DATA: an admin removes a dead
// group, or dead members of one.
func decideCleanBrokerData(s *state, req CleanBrokerDataRequest, live liveness) result {
	g := s.group(req.BrokerName)
	if g == nil {
		return fail(remoting.ResponseControllerInvalidCleanBrokerMetadata, "broker group %q does not exist", req.BrokerName)
	}
	if !req.CleanLiving {
		if len(req.BrokerIDs) == 0 && g.MasterID != 0 {
			return fail(remoting.ResponseControllerInvalidCleanBrokerMetadata, "group %q still has master %d; clean refused", req.BrokerName, g.MasterID)
		}
		for _, id := range req.BrokerIDs {
			if live.alive(req.BrokerName, id) {
				return fail(remoting.ResponseControllerInvalidCleanBrokerMetadata, "broker %d of %q is alive; clean refused", id, req.BrokerName)
			}
		}
	}
	return result{events: []event{{Type: eventCleanBrokerData, BrokerName: g.BrokerName, BrokerIDs: req.BrokerIDs}}}
}

// replicasInfo is one group in CONTROLLER_GET_SYNC_STATE_DATA's answer.
func replicasInfo(g *Group, live liveness) ReplicasInfo {
	mi := masterInfo(g)
	ri := ReplicasInfo{MasterBrokerID: mi.MasterBrokerID, MasterAddress: mi.MasterAddress,
		MasterEpoch: g.MasterEpoch, SyncStateSetEpoch: g.SyncStateSetEpoch,
		InSyncReplicas: []ReplicaIdentity{}, NotInSyncReplicas: []ReplicaIdentity{}}
	for _, id := range slices.Sorted(maps.Keys(g.Members)) {
		m := g.Members[id]
		r := ReplicaIdentity{BrokerName: g.BrokerName, BrokerID: id, BrokerAddress: m.Address,
			Alive: live.alive(g.BrokerName, id), HAAddress: m.HAAddress}
		if g.InSync(id) {
			ri.InSyncReplicas = append(ri.InSyncReplicas, r)
		} else {
			ri.NotInSyncReplicas = append(ri.NotInSyncReplicas, r)
		}
	}
	return ri
}
