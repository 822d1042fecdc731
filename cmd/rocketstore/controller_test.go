package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/controller"
)

func TestControllerPropertiesUseRocketMQKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "controller.conf")
	conf := "controllerDLegerGroup = group1\n" +
		"controllerDLegerPeers = n0-127.0.0.1:9878/127.0.0.1:9888;n1-127.0.0.1:9868/127.0.0.1:9858\n" +
		"controllerDLegerSelfId = n1\ncontrollerStorePath = /tmp/c1\nscanNotActiveBrokerInterval = 1500\n" +
		"enableElectUncleanMaster = true\nnotifyBrokerRoleChanged = false\ncontrollerType = jRaft\n"
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	props, err := loadProperties(path)
	if err != nil {
		t.Fatal(err)
	}
	var o controller.Options
	if err := applyControllerProperties(&o, props); err != nil {
		t.Fatal(err)
	}
	want := controller.Options{ID: "n1", Group: "group1", DataDir: "/tmp/c1", ScanNotActiveBrokerInterval: 1500 * time.Millisecond,
		EnableElectUncleanMaster: true, DisableNotifyBrokerRoleChanged: true,
		Peers: []controller.Peer{{ID: "n0", Addr: "127.0.0.1:9878", RaftAddr: "127.0.0.1:9888"}, {ID: "n1", Addr: "127.0.0.1:9868", RaftAddr: "127.0.0.1:9858"}}}
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("got %+v\nwant %+v", o, want)
	}
	for _, bad := range []map[string]string{
		{"controllerDLegerPeers": "n0-127.0.0.1:9878"}, // no raft address
		{"enableElectUncleanMaster": "yes"},
		{"controllerTypo": "1"},
	} {
		if err := applyControllerProperties(&controller.Options{}, bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
