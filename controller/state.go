package controller

import (
	"maps"
	"slices"
)

// FirstBrokerID is the id of a group's first broker; ids count up from it
// (RocketMQ's MixAll.FIRST_BROKER_CONTROLLER_ID). Zero means "no broker".
const FirstBrokerID int64 = 1

// Member is one broker of a group as the controller stores it.
type Member struct {
	// BrokerID is the id the broker applied for, FirstBrokerID or above.
	BrokerID int64 `json:"brokerId"`
	// Address is the broker's remoting address ("host:port").
	Address string `json:"brokerAddress"`
	// HAAddress is where the broker accepts HA (replication) connections
	// when it is master; empty when the broker did not report one.
	HAAddress string `json:"haAddress,omitempty"`
	// RegisterCheckCode is what the broker applied with ("address;time"); a
	// broker re-applying for its own id must present the same code.
	RegisterCheckCode string `json:"registerCheckCode"`
}

// Group is one broker group (a brokerName): its members, master and
// SyncStateSet. It is the unit the controller elects for.
type Group struct {
	ClusterName string `json:"clusterName"`
	BrokerName  string `json:"brokerName"`
	// Members by broker id.
	Members map[int64]Member `json:"members"`
	// NextBrokerID is the id GET_NEXT_BROKER_ID hands out.
	NextBrokerID int64 `json:"nextBrokerId"`
	// MasterID is the master's broker id; 0 while the group has none.
	MasterID int64 `json:"masterBrokerId"`
	// MasterEpoch rises with every election, successful or not.
	MasterEpoch int32 `json:"masterEpoch"`
	// SyncStateSet is the sorted ids of the brokers in sync with the master:
	// the only ones a clean election may pick.
	SyncStateSet []int64 `json:"syncStateSet"`
	// SyncStateSetEpoch rises with every change of SyncStateSet.
	SyncStateSetEpoch int32 `json:"syncStateSetEpoch"`
}

// Master is the group's master member and whether there is one.
func (g *Group) Master() (Member, bool) {
	if g.MasterID == 0 {
		return Member{}, false
	}
	m, ok := g.Members[g.MasterID]
	return m, ok
}

// InSync reports whether id is in the SyncStateSet.
func (g *Group) InSync(id int64) bool {
	_, found := slices.BinarySearch(g.SyncStateSet, id)
	return found
}

// clone is a deep copy, so readers never share maps with the state machine.
func (g *Group) clone() *Group {
	c := *g
	c.Members = maps.Clone(g.Members)
	c.SyncStateSet = slices.Clone(g.SyncStateSet)
	return &c
}

// state is the replicated state: every group by broker name. Only apply
// changes it, in log order, so every controller holds the same state at the
// same log index.
type state struct {
	Groups map[string]*Group `json:"groups"`
}

func newState() *state { return &state{Groups: make(map[string]*Group)} }

// group returns the named group or nil.
func (s *state) group(name string) *Group { return s.Groups[name] }

// apply changes the state by one event. It is deterministic: it reads
// nothing but the state and the event (no clock, no heartbeats), and
// ignores an event whose group is gone, as RocketMQ's state machine does.
func (s *state) apply(ev *event) {
	g := s.Groups[ev.BrokerName]
	switch ev.Type {
	case eventApplyBrokerID:
		if g == nil {
			g = &Group{ClusterName: ev.ClusterName, BrokerName: ev.BrokerName,
				Members: make(map[int64]Member), NextBrokerID: FirstBrokerID}
			s.Groups[ev.BrokerName] = g
		}
		if _, ok := g.Members[ev.BrokerID]; !ok {
			g.Members[ev.BrokerID] = Member{BrokerID: ev.BrokerID, Address: ev.Address,
				HAAddress: ev.HAAddress, RegisterCheckCode: ev.RegisterCheckCode}
			g.NextBrokerID = max(g.NextBrokerID, ev.BrokerID) + 1
		}
	case eventUpdateAddress:
		if g == nil {
			return
		}
		if m, ok := g.Members[ev.BrokerID]; ok {
			m.Address, m.HAAddress = ev.Address, ev.HAAddress
			g.Members[ev.BrokerID] = m
		}
	case eventElectMaster:
		if g == nil {
			return
		}
		g.MasterEpoch++
		g.MasterID = ev.NewMasterID
		if ev.NewMasterID != 0 {
			// A new master starts alone in its SyncStateSet; slaves rejoin
			// as the master reports them caught up.
			g.SyncStateSet = []int64{ev.NewMasterID}
			g.SyncStateSetEpoch++
		}
	case eventAlterSyncStateSet:
		if g == nil {
			return
		}
		g.SyncStateSet = sortedIDs(ev.SyncStateSet)
		g.SyncStateSetEpoch++
	case eventCleanBrokerData:
		if g == nil {
			return
		}
		if len(ev.BrokerIDs) == 0 {
			delete(s.Groups, ev.BrokerName)
			return
		}
		for _, id := range ev.BrokerIDs {
			delete(g.Members, id)
			g.SyncStateSet = slices.DeleteFunc(g.SyncStateSet, func(x int64) bool { return x == id })
			if g.MasterID == id {
				g.MasterID = 0
			}
		}
		if len(g.Members) == 0 {
			delete(s.Groups, ev.BrokerName)
		}
	}
}

// sortedIDs returns ids sorted with duplicates removed, in a new slice.
func sortedIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
