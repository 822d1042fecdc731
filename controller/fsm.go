package controller

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/hashicorp/raft"
)

// Event types: RocketMQ's EventType, one per kind of state change.
const (
	eventApplyBrokerID     = "APPLY_BROKER_ID"
	eventUpdateAddress     = "UPDATE_BROKER_ADDRESS"
	eventElectMaster       = "ELECT_MASTER"
	eventAlterSyncStateSet = "ALTER_SYNC_STATE_SET"
	eventCleanBrokerData   = "CLEAN_BROKER_DATA"
)

// event is one change of the replicated state, as it travels in the raft
// log. Which fields matter depends on Type.
type event struct {
	Type              string  `json:"type"`
	ClusterName       string  `json:"clusterName,omitempty"`
	BrokerName        string  `json:"brokerName"`
	BrokerID          int64   `json:"brokerId,omitempty"`
	Address           string  `json:"brokerAddress,omitempty"`
	HAAddress         string  `json:"haAddress,omitempty"`
	RegisterCheckCode string  `json:"registerCheckCode,omitempty"`
	NewMasterID       int64   `json:"newMasterBrokerId,omitempty"` // 0: the master is gone and none was elected
	SyncStateSet      []int64 `json:"syncStateSet,omitempty"`
	BrokerIDs         []int64 `json:"brokerIds,omitempty"` // clean: these members, or the whole group when empty
}

// logEntry is one raft log entry: the events one request produced, applied
// together.
type logEntry struct {
	Events []event `json:"events"`
}

// fsm is the raft state machine over state. Readers take a copy under mu.
type fsm struct {
	log *slog.Logger

	mu sync.RWMutex
	st *state
}

func newFSM(log *slog.Logger) *fsm { return &fsm{log: log, st: newState()} }

// Apply applies one committed log entry. An entry that does not decode is
// the same on every controller, so every one of them skips it the same
// way; the error is logged and returned to the proposer.
func (f *fsm) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	var e logEntry
	if err := json.Unmarshal(l.Data, &e); err != nil {
		err = fmt.Errorf("controller: raft log entry %d does not decode: %w", l.Index, err)
		f.log.Error("skip undecodable raft entry", "index", l.Index, "err", err)
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range e.Events {
		f.st.apply(&e.Events[i])
	}
	return nil
}

// read runs fn on the current state under the read lock. fn must not keep
// references into the state.
func (f *fsm) read(fn func(*state)) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	fn(f.st)
}

// groups returns a deep copy of every group.
func (f *fsm) groups() map[string]*Group {
	out := make(map[string]*Group)
	f.read(func(s *state) {
		for name, g := range s.Groups {
			out[name] = g.clone()
		}
	})
	return out
}

// Snapshot captures the state as JSON; Persist writes it later, off the
// apply path.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.RLock()
	data, err := json.Marshal(f.st)
	f.mu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("controller: encode snapshot: %w", err)
	}
	return snapshot(data), nil
}

// Restore replaces the state with a snapshot's.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	st := newState()
	if err := json.NewDecoder(rc).Decode(st); err != nil {
		return fmt.Errorf("controller: decode snapshot: %w", err)
	}
	if st.Groups == nil {
		st.Groups = make(map[string]*Group)
	}
	f.mu.Lock()
	f.st = st
	f.mu.Unlock()
	return nil
}

// snapshot is the encoded state, written by Persist.
type snapshot []byte

func (s snapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := sink.Write(s); err != nil {
		if cerr := sink.Cancel(); cerr != nil {
			return fmt.Errorf("controller: write snapshot: %w (cancel: %v)", err, cerr)
		}
		return fmt.Errorf("controller: write snapshot: %w", err)
	}
	return sink.Close()
}

func (s snapshot) Release() {}
