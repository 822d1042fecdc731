package ha

import (
	"context"
	"math"
	"slices"
	"sync"
)

// syncSet is an epoch-mode master's SyncStateSet: the replicas (the master
// and the slaves the controller counts as in sync) that must hold a record
// before it is confirmed, the confirm offset that follows from their
// reports, and the waits of synchronous puts for them.
type syncSet struct {
	mu      sync.Mutex
	members []int64 // the slaves in the set (never the master)
	// confirm is the offset every member holds; -1 while the master is
	// alone in the set (what it writes is confirmed at once). base is the
	// confirm offset when the set last changed: members that have not
	// reported yet hold at least that much.
	confirm, base int64
	acked         int64 // the offset enough members hold for a synchronous put
	transfer      transfer
}

func (s *syncSet) init() { s.confirm, s.base, s.acked = -1, -1, -1 }

// SetSyncStateSet sets the replicas a record must reach before it counts
// as confirmed (the master's own id, MasterOptions.BrokerID, may be among
// them). While a change is being agreed with the controller the caller
// passes the union of the old and the new set, as RocketMQ does. Only in
// epoch mode (MasterOptions.Epochs).
func (m *Master) SetSyncStateSet(ids []int64) {
	s := &m.sync
	s.mu.Lock()
	members := slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id == m.opts.BrokerID })
	slices.Sort(members)
	members = slices.Compact(members)
	if !slices.Equal(members, s.members) {
		if s.confirm < 0 {
			// Alone until now: everything written so far was confirmed.
			s.base = m.src.MaxOffset()
		} else {
			s.base = s.confirm
		}
		s.members = members
	}
	s.mu.Unlock()
	s.reported(m)
}

// SyncStateSet is the set SetSyncStateSet last gave, the master included.
func (m *Master) SyncStateSet() []int64 {
	m.sync.mu.Lock()
	defer m.sync.mu.Unlock()
	return append([]int64{m.opts.BrokerID}, m.sync.members...)
}

// ConfirmOffset is the offset every member of the SyncStateSet holds, or
// -1 while the master is alone in it (everything it writes is confirmed).
func (m *Master) ConfirmOffset() int64 {
	m.sync.mu.Lock()
	defer m.sync.mu.Unlock()
	return m.sync.confirm
}

// wireConfirm is the confirm offset frames carry: the master's end while it
// is alone in its set.
func (m *Master) wireConfirm() int64 {
	if c := m.ConfirmOffset(); c >= 0 {
		return c
	}
	return m.src.MaxOffset()
}

// reported recomputes the confirm offset and the synchronous puts' point
// from the members' reports, and tells OnConfirm and the waits when they
// move. A member that is not connected holds the set's base.
func (s *syncSet) reported(m *Master) {
	conns := *m.conns.Load()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.members) == 0 {
		s.setConfirm(m, -1)
		return
	}
	acks := make([]int64, len(s.members))
	confirm := int64(math.MaxInt64)
	for i, id := range s.members {
		acks[i] = s.base
		for _, c := range conns {
			if c.brokerID.Load() == id {
				acks[i] = max(acks[i], c.ack.Load())
			}
		}
		confirm = min(confirm, acks[i])
	}
	s.setConfirm(m, max(confirm, s.base, s.confirm))
	slices.Sort(acks)
	need := len(s.members)
	if r := m.opts.AckReplicas; r > 0 {
		need = min(need, r-1)
	}
	if need > 0 {
		if acked := acks[len(acks)-need]; acked > s.acked {
			s.acked = acked
			s.transfer.ack(-1, acked)
		}
	}
}

func (s *syncSet) setConfirm(m *Master, c int64) {
	if c == s.confirm {
		return
	}
	s.confirm = c
	if m.opts.OnConfirm != nil {
		m.opts.OnConfirm(c)
	}
	m.Notify() // the senders carry it to the slaves
}

// syncNeed is how many slaves of the set must hold a put.
func (s *syncSet) syncNeed(m *Master) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	need := len(s.members)
	if r := m.opts.AckReplicas; r > 0 {
		need = min(need, r-1)
	}
	return need
}

// WaitInSync waits until the put ending at offset is held by the members
// of the SyncStateSet a synchronous put needs (all of them, or
// MasterOptions.AckReplicas counting the master), as a SYNC_MASTER in
// controller mode does. It returns at once while the master is alone in
// the set; ErrFlushSlaveTimeout after SyncTimeout or at ctx's deadline,
// ctx's error when it is cancelled, and ErrClosed when the master closes.
func (m *Master) WaitInSync(ctx context.Context, offset int64) error {
	if m.sync.syncNeed(m) == 0 {
		return nil
	}
	return m.wait(ctx, &m.sync.transfer, offset)
}
