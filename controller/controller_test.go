package controller

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

func TestThreeControllersElectOneLeaderFollowersRedirect(t *testing.T) {
	cl := newCluster(t, 3, nil)
	l := cl.leader()
	rc := remoting.NewClient(remoting.ClientOptions{})
	defer rc.Close()
	for i := range cl.peers {
		req := remoting.NewRequest(remoting.RequestControllerGetReplicaInfo, nil, nil)
		req.Set(keyBrokerName, "none")
		resp, err := rc.InvokeSync(testCtx(t), cl.peers[i].Addr, req)
		if err != nil {
			t.Fatal(err)
		}
		if i == l {
			if resp.Code != remoting.ResponseControllerBrokerMetadataNotExist {
				t.Errorf("leader answered %d %q, want BROKER_METADATA_NOT_EXIST", resp.Code, resp.Remark)
			}
			continue
		}
		if resp.Code != remoting.ResponseControllerNotLeader || resp.ExtFields[keyLeaderAddress] != cl.peers[l].Addr {
			t.Errorf("follower %d answered %d %v, want NOT_LEADER naming %s", i, resp.Code, resp.ExtFields, cl.peers[l].Addr)
		}
		md, err := NewClient(ClientOptions{}).Metadata(testCtx(t), cl.peers[i].Addr)
		if err != nil || md.LeaderAddr != cl.peers[l].Addr || md.IsLeader {
			t.Errorf("metadata from follower %d: %+v %v", i, md, err)
		}
	}
}

func TestGroupRegistersOneMasterOthersSlaves(t *testing.T) {
	cl := newCluster(t, 3, nil)
	bs := newGroup(t, cl, "broker-a", 100, 100, 100)
	if !bs[0].isMaster() || bs[0].id != 1 || bs[1].id != 2 || bs[2].id != 3 {
		t.Fatalf("ids %d %d %d, master %+v", bs[0].id, bs[1].id, bs[2].id, bs[0].master())
	}
	for _, b := range bs[1:] {
		mi := b.master()
		if mi.MasterBrokerID != 1 || mi.MasterAddress != bs[0].addr || mi.MasterHAAddress != "ha-"+bs[0].addr || mi.MasterEpoch != 1 {
			t.Errorf("slave %d sees master %+v", b.id, mi)
		}
	}
	set := expand(t, bs[0], 2, 3)
	if !slices.Equal(set.SyncStateSet, []int64{1, 2, 3}) || set.SyncStateSetEpoch != 2 {
		t.Fatalf("expanded set %+v", set)
	}
	info, err := bs[1].client.GetSyncStateData(testCtx(t), []string{"broker-a", "unknown"})
	if err != nil {
		t.Fatal(err)
	}
	ri, ok := info.ReplicasInfoTable["broker-a"]
	if !ok || len(info.ReplicasInfoTable) != 1 || ri.MasterBrokerID != 1 || len(ri.InSyncReplicas) != 3 || !ri.InSyncReplicas[0].Alive {
		t.Fatalf("sync state data %+v", info)
	}
}

func TestMasterHeartbeatStopsNewMasterFromSyncStateSet(t *testing.T) {
	cl := newCluster(t, 3, nil)
	// Broker 3 has the most data but is outside the SyncStateSet: it must
	// not be elected.
	bs := newGroup(t, cl, "broker-a", 100, 90, 500)
	expand(t, bs[0], 2)
	bs[0].kill()
	waitFor(t, "broker 2 elected", func() bool { return bs[1].isMaster() && bs[2].master().MasterBrokerID == 2 })
	mi := bs[1].master()
	if mi.MasterEpoch != 2 || !slices.Equal(mi.SyncStateSet.SyncStateSet, []int64{2}) || mi.MasterAddress != bs[1].addr {
		t.Fatalf("new master info %+v", mi)
	}
	waitFor(t, "role change pushed to both live brokers", func() bool { return bs[1].pushed(2, 2) && bs[2].pushed(2, 2) })
	if g := cl.group("broker-a"); g.MasterID != 2 || g.MasterEpoch != 2 || g.SyncStateSetEpoch != 3 {
		t.Fatalf("group %+v", g)
	}
}

func TestSlaveOutsideSyncStateSetNeverElected(t *testing.T) {
	cl := newCluster(t, 3, nil)
	bs := newGroup(t, cl, "broker-a", 100, 500, 500)
	bs[0].kill()
	// The controller records that the group lost its master and elected
	// nobody: the master epoch rises and no master is set.
	waitFor(t, "master recorded down", func() bool {
		g := cl.group("broker-a")
		return g.MasterID == 0 && g.MasterEpoch == 2
	})
	for _, b := range bs[1:] {
		if _, err := b.client.ElectMaster(testCtx(t), ElectRequest{ClusterName: b.cluster, BrokerName: b.name, BrokerID: b.id}); !errors.Is(err, ErrElectMasterFailed) {
			t.Fatalf("broker %d asked to be elected: %v, want ErrElectMasterFailed", b.id, err)
		}
	}
	if g := cl.group("broker-a"); g.MasterID != 0 || g.MasterEpoch != 2 {
		t.Fatalf("group changed: %+v", g)
	}
}

func TestUncleanElectionPicksMostData(t *testing.T) {
	cl := newCluster(t, 3, func(o *Options) { o.EnableElectUncleanMaster = true })
	bs := newGroup(t, cl, "broker-a", 100, 300, 500)
	bs[0].kill()
	waitFor(t, "broker 3 elected uncleanly", func() bool { return bs[2].isMaster() && bs[1].master().MasterBrokerID == 3 })
}

func TestStaleAlterSyncStateSetRefused(t *testing.T) {
	cl := newCluster(t, 3, nil)
	bs := newGroup(t, cl, "broker-a", 100, 100, 100)
	expand(t, bs[0], 2)
	old := bs[0].master()
	bs[0].kill()
	waitFor(t, "broker 2 elected", func() bool { return bs[1].isMaster() })
	ctx := testCtx(t)
	cases := []struct {
		name string
		from *fakeBroker
		req  AlterSyncStateSetRequest
		want error
	}{
		{"deposed master", bs[1], AlterSyncStateSetRequest{BrokerName: "broker-a", MasterBrokerID: 1, MasterEpoch: old.MasterEpoch,
			NewSet: SyncStateSet{SyncStateSet: []int64{1, 2, 3}, SyncStateSetEpoch: 2}}, ErrInvalidMaster},
		{"old master epoch", bs[1], AlterSyncStateSetRequest{BrokerName: "broker-a", MasterBrokerID: 2, MasterEpoch: old.MasterEpoch,
			NewSet: SyncStateSet{SyncStateSet: []int64{2, 3}, SyncStateSetEpoch: 3}}, ErrFencedMasterEpoch},
		{"old set epoch", bs[1], AlterSyncStateSetRequest{BrokerName: "broker-a", MasterBrokerID: 2, MasterEpoch: 2,
			NewSet: SyncStateSet{SyncStateSet: []int64{2, 3}, SyncStateSetEpoch: 2}}, ErrFencedSyncStateSetEpoch},
		{"not a member", bs[1], AlterSyncStateSetRequest{BrokerName: "broker-a", MasterBrokerID: 2, MasterEpoch: 2,
			NewSet: SyncStateSet{SyncStateSet: []int64{2, 9}, SyncStateSetEpoch: 3}}, ErrInvalidReplicas},
		{"dead member", bs[1], AlterSyncStateSetRequest{BrokerName: "broker-a", MasterBrokerID: 2, MasterEpoch: 2,
			NewSet: SyncStateSet{SyncStateSet: []int64{1, 2}, SyncStateSetEpoch: 3}}, ErrBrokerNotAlive},
		{"unchanged", bs[1], AlterSyncStateSetRequest{BrokerName: "broker-a", MasterBrokerID: 2, MasterEpoch: 2,
			NewSet: SyncStateSet{SyncStateSet: []int64{2}, SyncStateSetEpoch: 3}}, ErrAlterSyncStateSetFailed},
		{"master left out", bs[1], AlterSyncStateSetRequest{BrokerName: "broker-a", MasterBrokerID: 2, MasterEpoch: 2,
			NewSet: SyncStateSet{SyncStateSet: []int64{3}, SyncStateSetEpoch: 3}}, ErrAlterSyncStateSetFailed},
	}
	for _, tc := range cases {
		if _, err := tc.from.client.AlterSyncStateSet(ctx, tc.req); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if g := cl.group("broker-a"); !slices.Equal(g.SyncStateSet, []int64{2}) || g.SyncStateSetEpoch != 3 {
		t.Fatalf("a refused request changed the set: %+v", g)
	}
	set := expand(t, bs[1], 3)
	if !slices.Equal(set.SyncStateSet, []int64{2, 3}) || set.SyncStateSetEpoch != 4 {
		t.Fatalf("valid expand: %+v", set)
	}
}

func TestControllerLeaderKilledDuringFailover(t *testing.T) {
	cl := newCluster(t, 3, nil)
	bs := newGroup(t, cl, "broker-a", 100, 100, 100)
	expand(t, bs[0], 2, 3)
	l := cl.leader()
	bs[0].kill()
	cl.stop(l) // before the master's heartbeat expires: the next leader must finish the failover
	waitFor(t, "new master elected by the next leader", func() bool {
		m2, m3 := bs[1].master(), bs[2].master()
		return m2.MasterBrokerID != 1 && m2.MasterBrokerID != 0 && m2.MasterBrokerID == m3.MasterBrokerID && m2.MasterEpoch == 2 && m3.MasterEpoch == 2
	})
	if nl := cl.leader(); nl == l {
		t.Fatalf("leader %d was stopped", l)
	}
}

func TestControllerRestartRecoversState(t *testing.T) {
	cl := newCluster(t, 3, func(o *Options) { o.SnapshotThreshold = 2 })
	bs := newGroup(t, cl, "broker-a", 100, 100)
	expand(t, bs[0], 2)
	l := cl.leader()
	if err := cl.ctrl(l).Snapshot(); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	newGroup(t, cl, "broker-b", 10) // entries after the snapshot, replayed from the log
	want := cl.ctrl(l).Groups()
	for i := range cl.peers {
		cl.stop(i)
	}
	for i := range cl.peers {
		cl.start(i)
	}
	l = cl.leader()
	for i := range cl.peers {
		waitFor(t, "restarted peer caught up", func() bool { return groupsEqual(cl.ctrl(i).Groups(), want) })
	}
	// The group keeps working: its master is still master after restart.
	mi, err := bs[1].client.GetReplicaInfo(testCtx(t), "broker-a")
	if err != nil || mi.MasterBrokerID != 1 || !slices.Equal(mi.SyncStateSet.SyncStateSet, []int64{1, 2}) {
		t.Fatalf("replica info after restart: %+v %v", mi, err)
	}
}

func groupsEqual(a, b map[string]*Group) bool {
	if len(a) != len(b) {
		return false
	}
	for name, g := range a {
		h, ok := b[name]
		if !ok || g.MasterID != h.MasterID || g.MasterEpoch != h.MasterEpoch || g.SyncStateSetEpoch != h.SyncStateSetEpoch ||
			!slices.Equal(g.SyncStateSet, h.SyncStateSet) || len(g.Members) != len(h.Members) || g.NextBrokerID != h.NextBrokerID {
			return false
		}
		for id, m := range g.Members {
			if h.Members[id] != m {
				return false
			}
		}
	}
	return true
}

func TestManualElectMaster(t *testing.T) {
	cl := newCluster(t, 3, nil)
	bs := newGroup(t, cl, "broker-a", 100, 100, 100)
	expand(t, bs[0], 2, 3)
	admin := NewClient(ClientOptions{Controllers: cl.addrs()})
	defer admin.Close()
	ctx := testCtx(t)
	mi, err := admin.ElectMaster(ctx, ElectRequest{ClusterName: "DefaultCluster", BrokerName: "broker-a", BrokerID: 3, Designate: true})
	if err != nil || mi.MasterBrokerID != 3 || mi.MasterEpoch != 2 {
		t.Fatalf("designated election: %+v %v", mi, err)
	}
	waitFor(t, "every broker follows broker 3", func() bool {
		return bs[0].master().MasterBrokerID == 3 && bs[1].master().MasterBrokerID == 3 && bs[2].isMaster()
	})
	if !bs[0].pushed(3, 2) {
		t.Errorf("old master got no push")
	}
	// Designating the current master changes nothing.
	if mi, err := admin.ElectMaster(ctx, ElectRequest{BrokerName: "broker-a", BrokerID: 3, Designate: true}); !errors.Is(err, ErrMasterStillExist) || mi.MasterBrokerID != 3 {
		t.Fatalf("re-designate: %+v %v", mi, err)
	}
	// A broker outside the SyncStateSet (which the election reset to {3})
	// cannot be designated without unclean elections.
	if _, err := admin.ElectMaster(ctx, ElectRequest{BrokerName: "broker-a", BrokerID: 1, Designate: true}); !errors.Is(err, ErrElectMasterFailed) {
		t.Fatalf("designate out-of-sync broker: %v", err)
	}
}

func TestMasterStepsDown(t *testing.T) {
	cl := newCluster(t, 3, nil)
	bs := newGroup(t, cl, "broker-a", 100, 100)
	ctx := testCtx(t)
	if _, err := bs[0].client.ElectMaster(ctx, ElectRequest{BrokerName: "broker-a", BrokerID: 1, StepDown: true}); !errors.Is(err, ErrElectMasterFailed) {
		t.Fatalf("step down with nobody in sync: %v", err)
	}
	expand(t, bs[0], 2)
	if _, err := bs[1].client.ElectMaster(ctx, ElectRequest{BrokerName: "broker-a", BrokerID: 2, StepDown: true}); !errors.Is(err, ErrInvalidMaster) {
		t.Fatalf("a slave stepped down: %v", err)
	}
	mi, err := bs[0].client.ElectMaster(ctx, ElectRequest{BrokerName: "broker-a", BrokerID: 1, StepDown: true})
	if err != nil || mi.MasterBrokerID != 2 {
		t.Fatalf("step down: %+v %v", mi, err)
	}
	waitFor(t, "old master follows broker 2", func() bool { return bs[0].master().MasterBrokerID == 2 })
}

func TestBrokerIDsAppliedOnce(t *testing.T) {
	cl := newCluster(t, 1, nil)
	cl.leader()
	c := NewClient(ClientOptions{Controllers: cl.addrs()})
	defer c.Close()
	ctx := testCtx(t)
	apply := func(id int64, code string) error {
		return c.ApplyBrokerID(ctx, ApplyBrokerIDRequest{ClusterName: "c", BrokerName: "g", BrokerID: id, RegisterCheckCode: code})
	}
	if err := apply(2, "a;1"); !errors.Is(err, ErrBrokerIDInvalid) {
		t.Fatalf("first id of a new group must be 1: %v", err)
	}
	if err := apply(1, "a;1"); err != nil {
		t.Fatal(err)
	}
	if err := apply(1, "a;1"); err != nil {
		t.Fatalf("same broker re-applying: %v", err)
	}
	if err := apply(1, "b;2"); !errors.Is(err, ErrBrokerIDInvalid) {
		t.Fatalf("another broker took id 1: %v", err)
	}
	if next, err := c.GetNextBrokerID(ctx, "c", "g"); err != nil || next != 2 {
		t.Fatalf("next id %d %v", next, err)
	}
	if _, err := c.RegisterBroker(ctx, RegisterRequest{BrokerName: "g", BrokerID: 5, BrokerAddress: "x"}); !errors.Is(err, ErrNeedToBeRegistered) {
		t.Fatalf("register without applying: %v", err)
	}
}

func TestRequestsFailWithoutLeader(t *testing.T) {
	cl := newCluster(t, 3, nil)
	cl.leader()
	for i := 1; i < 3; i++ {
		cl.stop(i)
	}
	c := NewClient(ClientOptions{Controllers: cl.addrs()})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// One controller out of three has no quorum: it must not acknowledge.
	if err := c.ApplyBrokerID(ctx, ApplyBrokerIDRequest{BrokerName: "g", BrokerID: 1, RegisterCheckCode: "a;1"}); err == nil {
		t.Fatal("a controller without quorum answered")
	}
}
