package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/broker"
	"github.com/rocketstore/rocketstore/controller"
	"github.com/rocketstore/rocketstore/internal/testkit"
)

func TestControllerModeBrokerKeys(t *testing.T) {
	for _, tc := range []struct {
		conf     string
		replicas int
	}{
		{"", 0},
		{"allAckInSyncStateSet=true\ninSyncReplicas=2\n", 0},
		{"allAckInSyncStateSet=false\n", 2},
		{"allAckInSyncStateSet=false\ninSyncReplicas=3\n", 3},
	} {
		path := filepath.Join(t.TempDir(), "broker.conf")
		conf := "enableControllerMode=true\ncontrollerAddr=127.0.0.1:9878;127.0.0.1:9868\nbrokerHeartbeatInterval=500\n" +
			"controllerHeartBeatTimeoutMills=4000\ncheckSyncStateSetPeriod=1500\nhaMaxTimeSlaveNotCatchup=9000\n" +
			"brokerElectionPriority=3\nminInSyncReplicas=2\nsyncFlushTimeout=700\n" + tc.conf
		if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		props, err := loadProperties(path)
		if err != nil {
			t.Fatal(err)
		}
		var o broker.Options
		if err := applyBrokerProperties(&o, props); err != nil {
			t.Fatal(err)
		}
		want := broker.ControllerOptions{Enable: true, Addrs: []string{"127.0.0.1:9878", "127.0.0.1:9868"},
			HeartbeatInterval: 500 * time.Millisecond, HeartbeatTimeout: 4 * time.Second, CheckSyncStateSetInterval: 1500 * time.Millisecond,
			MaxTimeSlaveNotCatchup: 9 * time.Second, ElectionPriority: 3, MinInSyncReplicas: 2, InSyncReplicas: tc.replicas}
		if got := o.Controller; got.Enable != want.Enable || strings.Join(got.Addrs, ";") != strings.Join(want.Addrs, ";") ||
			got.HeartbeatInterval != want.HeartbeatInterval || got.HeartbeatTimeout != want.HeartbeatTimeout ||
			got.CheckSyncStateSetInterval != want.CheckSyncStateSetInterval || got.MaxTimeSlaveNotCatchup != want.MaxTimeSlaveNotCatchup ||
			got.ElectionPriority != want.ElectionPriority || got.MinInSyncReplicas != want.MinInSyncReplicas || got.InSyncReplicas != want.InSyncReplicas {
			t.Errorf("%q: got %+v\nwant %+v", tc.conf, got, want)
		}
		if o.SyncReplicationTimeout != 700*time.Millisecond || o.Store.CommitLog.SyncFlushTimeout != 700*time.Millisecond {
			t.Errorf("syncFlushTimeout=700 gave %v and %v", o.SyncReplicationTimeout, o.Store.CommitLog.SyncFlushTimeout)
		}
	}
	for _, bad := range []map[string]string{
		{"enableControllerMode": "maybe"},
		{"minInSyncReplicas": "two"},
		{"haMaxTimeSlaveNotCatchup": "-5"},
	} {
		if err := applyBrokerProperties(&broker.Options{}, bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestNamesrvEmbedsAController starts `rocketstore namesrv` with
// enableControllerInNamesrv: the controller answers on the nameserver's
// port, a broker registers with it there, and `controller status` shows
// the group.
func TestNamesrvEmbedsAController(t *testing.T) {
	addr, raft := testkit.LowPortAddr(t), testkit.LowPortAddr(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "namesrv.conf")
	body := "enableControllerInNamesrv=true\ncontrollerDLegerSelfId=n0\ncontrollerDLegerPeers=n0-" + addr + "/" + raft +
		"\ncontrollerStorePath=" + filepath.Join(dir, "controller") + "\nscanNotActiveBrokerInterval=200\n"
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ns := startChild(t, "namesrv", "namesrv -listen "+addr+" -config "+conf, "rocketstore: nameserver")
	defer ns.kill()
	cl := controller.NewClient(controller.ClientOptions{Controllers: []string{addr}})
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	await(t, 30*time.Second, "the embedded controller to lead", func() bool {
		md, err := cl.Metadata(ctx, addr)
		return err == nil && md.IsLeader
	})
	id, _, err := cl.Register(ctx, controller.RegisterRequest{ClusterName: "C", BrokerName: "broker-z", BrokerAddress: "127.0.0.1:30911", HAAddress: "127.0.0.1:30912"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.ElectMaster(ctx, controller.ElectRequest{ClusterName: "C", BrokerName: "broker-z", BrokerID: id}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runControllerStatus([]string{"-controllers", addr, "-groups", "broker-z"}, &out); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "broker-z") || !strings.Contains(s, "1 127.0.0.1:30911") || !strings.Contains(s, "true") {
		t.Fatalf("status:\n%s", s)
	}
	out.Reset()
	if err := runControllerStatus([]string{"-controllers", addr, "-groups", "broker-z", "-json"}, &out); err != nil {
		t.Fatal(err)
	}
	var st struct {
		Controllers []controller.Metadata
		Groups      controller.BrokerReplicasInfo
	}
	if err := json.Unmarshal(out.Bytes(), &st); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if g := st.Groups.ReplicasInfoTable["broker-z"]; g.MasterBrokerID != id || g.MasterEpoch != 1 || len(g.InSyncReplicas) != 1 {
		t.Fatalf("status JSON: %+v", st)
	}
}

// TestControllerStatusListsGroupsFromANameserver: without -groups, the
// nameserver's cluster info names them; mqadmin's getControllerMetaData,
// getSyncStateSet and getBrokerEpoch show the same cluster.
func TestControllerStatusListsGroupsFromANameserver(t *testing.T) {
	pc := newProcCluster(t, failoverBrokerConf)
	await(t, time.Minute, "a routed master", func() bool { return pc.master() != "" })
	await(t, time.Minute, "a SyncStateSet of 3", func() bool { return pc.syncStateSetSize() == 3 })
	var out bytes.Buffer
	if err := runControllerStatus([]string{"-controllers", strings.Join(pc.ctrlA, ";"), "-namesrv", pc.ns.Addr()}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "broker-a") || !strings.Contains(s, pc.master()) || strings.Count(s, "@") != 3 {
		t.Fatalf("status:\n%s", s)
	}
	t.Logf("\n%s", s)

	ctrls := strings.Join(pc.ctrlA, ";")
	admin := func(args ...string) string {
		var out, errOut bytes.Buffer
		if code := runAdmin(args, &out, &errOut); code != 0 {
			t.Fatalf("admin %v: exit %d: %s", args, code, errOut.String())
		}
		return out.String()
	}
	if out := admin("getControllerMetaData", "-a", ctrls); strings.Count(out, "true") != 1 || !strings.Contains(out, "#LeaderAddr") {
		t.Fatalf("getControllerMetaData:\n%s", out)
	}
	if out := admin("getSyncStateSet", "-a", ctrls, "-n", pc.ns.Addr(), "-c", "ProcCluster"); !strings.Contains(out, pc.master()) || strings.Count(out, "@") != 3 {
		t.Fatalf("getSyncStateSet:\n%s", out)
	}
	var caches []epochCache
	if err := json.Unmarshal([]byte(admin("getBrokerEpoch", "-n", pc.ns.Addr(), "-b", "broker-a", "-o", "json")), &caches); err != nil {
		t.Fatal(err)
	}
	if len(caches) != 3 {
		t.Fatalf("getBrokerEpoch: %+v", caches)
	}
	for _, c := range caches {
		if c.Error != "" || len(c.EpochList) == 0 || c.EpochList[0].Epoch != 1 {
			t.Fatalf("getBrokerEpoch: %+v", c)
		}
	}
}
