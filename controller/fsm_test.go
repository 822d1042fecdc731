package controller

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hashicorp/raft"
)

// randomEvents builds a reproducible mix of every event kind over a few
// groups, valid or not (apply must take both the same way everywhere).
func randomEvents(seed uint64, n int) []event {
	r := rand.New(rand.NewPCG(seed, seed))
	names := []string{"a", "b", "c"}
	kinds := []string{eventApplyBrokerID, eventUpdateAddress, eventElectMaster, eventAlterSyncStateSet, eventCleanBrokerData}
	var evs []event
	for range n {
		ev := event{Type: kinds[r.IntN(len(kinds))], ClusterName: "c", BrokerName: names[r.IntN(len(names))],
			BrokerID: int64(r.IntN(4) + 1), Address: "addr", RegisterCheckCode: "code"}
		switch ev.Type {
		case eventElectMaster:
			ev.NewMasterID = int64(r.IntN(4))
		case eventAlterSyncStateSet:
			ev.SyncStateSet = []int64{int64(r.IntN(4) + 1), int64(r.IntN(4) + 1)}
		case eventCleanBrokerData:
			if r.IntN(3) > 0 {
				ev.BrokerIDs = []int64{int64(r.IntN(4) + 1)}
			}
		}
		evs = append(evs, ev)
	}
	return evs
}

func applyAll(t *testing.T, f *fsm, evs []event) {
	t.Helper()
	for i, ev := range evs {
		data, err := json.Marshal(logEntry{Events: []event{ev}})
		if err != nil {
			t.Fatal(err)
		}
		if resp := f.Apply(&raft.Log{Index: uint64(i + 1), Type: raft.LogCommand, Data: data}); resp != nil {
			t.Fatalf("apply %d: %v", i, resp)
		}
	}
}

func TestFSMApplyIsDeterministicAndSnapshotRoundTrips(t *testing.T) {
	const seed = 42
	t.Logf("seed %d", seed)
	evs := randomEvents(seed, 500)
	a, b := newFSM(testLogger()), newFSM(testLogger())
	applyAll(t, a, evs[:250])
	snap, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	if err := b.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	applyAll(t, a, evs[250:])
	applyAll(t, b, evs[250:])
	if !groupsEqual(a.groups(), b.groups()) {
		t.Fatalf("restored state diverged:\n%v\n%v", a.groups(), b.groups())
	}
	for name, g := range a.groups() {
		if !slices.IsSorted(g.SyncStateSet) || len(g.Members) == 0 {
			t.Errorf("group %s: unsorted set or no members: %+v", name, g)
		}
	}
}

func TestFSMSkipsUndecodableEntry(t *testing.T) {
	f := newFSM(testLogger())
	if resp := f.Apply(&raft.Log{Index: 1, Type: raft.LogCommand, Data: []byte("{not json")}); resp == nil {
		t.Fatal("undecodable entry applied without error")
	}
	if len(f.groups()) != 0 {
		t.Fatal("state changed")
	}
}

func TestElectMasterEpochsAndSets(t *testing.T) {
	s := newState()
	for id := int64(1); id <= 3; id++ {
		s.apply(&event{Type: eventApplyBrokerID, BrokerName: "g", BrokerID: id, Address: "a"})
	}
	g := s.group("g")
	if g.NextBrokerID != 4 || g.MasterEpoch != 0 {
		t.Fatalf("after register: %+v", g)
	}
	s.apply(&event{Type: eventElectMaster, BrokerName: "g", NewMasterID: 1})
	s.apply(&event{Type: eventAlterSyncStateSet, BrokerName: "g", SyncStateSet: []int64{3, 1, 3}})
	if g.MasterID != 1 || g.MasterEpoch != 1 || g.SyncStateSetEpoch != 2 || !slices.Equal(g.SyncStateSet, []int64{1, 3}) {
		t.Fatalf("after elect and alter: %+v", g)
	}
	s.apply(&event{Type: eventElectMaster, BrokerName: "g"}) // master lost, none elected
	if g.MasterID != 0 || g.MasterEpoch != 2 || !slices.Equal(g.SyncStateSet, []int64{1, 3}) {
		t.Fatalf("after failed election the set must stay: %+v", g)
	}
}

type memSink struct{ bytes.Buffer }

func (s *memSink) ID() string    { return "mem" }
func (s *memSink) Cancel() error { return nil }
func (s *memSink) Close() error  { return nil }

// fakeLive is a liveness from a table.
type fakeLive map[int64]liveBroker

func (l fakeLive) alive(_ string, id int64) bool { _, ok := l[id]; return ok }
func (l fakeLive) info(_ string, id int64) (liveBroker, bool) {
	b, ok := l[id]
	return b, ok
}

func TestElectionPrefersEpochThenOffsetThenPriority(t *testing.T) {
	g := &Group{BrokerName: "g", Members: map[int64]Member{1: {}, 2: {}, 3: {}, 4: {}}, SyncStateSet: []int64{1, 2, 3, 4}}
	cases := []struct {
		name string
		live fakeLive
		p    electParams
		want int64
	}{
		{"higher epoch beats more data", fakeLive{2: {epoch: 3, maxOffset: 10}, 3: {epoch: 2, maxOffset: 99}}, electParams{}, 2},
		{"same epoch: more data", fakeLive{2: {epoch: 3, maxOffset: 10}, 3: {epoch: 3, maxOffset: 99}}, electParams{}, 3},
		{"tie: lower priority number", fakeLive{2: {epoch: 3, maxOffset: 10, priority: 5}, 3: {epoch: 3, maxOffset: 10, priority: 1}}, electParams{}, 3},
		{"tie: a priority beats none", fakeLive{2: {epoch: 3, maxOffset: 10}, 3: {epoch: 3, maxOffset: 10, priority: 7}}, electParams{}, 3},
		{"full tie: lowest id", fakeLive{3: {}, 2: {}}, electParams{}, 2},
		{"old master kept", fakeLive{1: {}, 2: {epoch: 9}}, electParams{oldMaster: 1}, 1},
		{"preferred dead: nobody", fakeLive{1: {}}, electParams{prefer: 4}, 0},
		{"excluded master", fakeLive{1: {epoch: 9}, 2: {}}, electParams{exclude: 1}, 2},
		{"nobody alive", fakeLive{}, electParams{}, 0},
	}
	for _, tc := range cases {
		if got := electMaster(g, tc.live, tc.p); got != tc.want {
			t.Errorf("%s: elected %d, want %d", tc.name, got, tc.want)
		}
	}
}
