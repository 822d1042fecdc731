package main

import (
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/rocketstore/rocketstore/controller"
)

// runController is `rocketstore controller`: one peer of the controller
// group that elects broker masters (RocketMQ 5's controller mode).
//
//	rocketstore controller -id n0 -peers n0=127.0.0.1:9878/127.0.0.1:9888,n1=...,n2=... -data DIR
func runController(args []string) error {
	fs := flag.NewFlagSet("controller", flag.ExitOnError)
	id := fs.String("id", "n0", "this controller's id among the peers (controllerDLegerSelfId)")
	addr := fs.String("addr", "127.0.0.1:9878", "remoting address of a single controller (when -peers is not given)")
	raftAddr := fs.String("raft-addr", "127.0.0.1:9888", "raft address of a single controller (when -peers is not given)")
	peers := fs.String("peers", "", "every controller as id=addr/raftAddr, comma-separated (controllerDLegerPeers)")
	data := fs.String("data", "controller-data", "directory of the raft log and snapshots (controllerStorePath)")
	unclean := fs.Bool("elect-unclean", false, "elect from members outside the SyncStateSet when none inside lives (enableElectUncleanMaster)")
	scan := fs.Duration("scan-interval", controller.DefaultScanNotActiveBrokerInterval, "period of the scan for dead brokers (scanNotActiveBrokerInterval)")
	hbTimeout := fs.Duration("broker-timeout", controller.DefaultBrokerHeartbeatTimeout, "heartbeat timeout of brokers that give none, and a new leader's grace before it elects")
	config := fs.String("config", "", "controller.conf-style key=value file (applied after the flags)")
	fs.Parse(args)
	o := controller.Options{ID: *id, DataDir: *data, EnableElectUncleanMaster: *unclean, ScanNotActiveBrokerInterval: *scan,
		BrokerHeartbeatTimeout: *hbTimeout}
	if *peers != "" {
		ps, err := controller.ParsePeers(*peers)
		if err != nil {
			return err
		}
		o.Peers = ps
	} else {
		o.Peers = []controller.Peer{{ID: *id, Addr: *addr, RaftAddr: *raftAddr}}
	}
	if *config != "" {
		props, err := loadProperties(*config)
		if err != nil {
			return err
		}
		if err := applyControllerProperties(&o, props); err != nil {
			return err
		}
	}
	sig := notifySignals()
	c, err := controller.New(o)
	if err != nil {
		return err
	}
	fmt.Printf("rocketstore: controller %s on %s, %d peers, data in %s\n", o.ID, c.Addr(), len(o.Peers), o.DataDir)
	waitForSignal(sig)
	return c.Close()
}

// ignoredControllerKeys are RocketMQ controller keys with no meaning here
// (DLedger's file size, JRaft's settings, Java paths): accepted and logged.
var ignoredControllerKeys = map[string]bool{
	"controllerType": true, "mappedFileSize": true, "electMasterMaxRetryCount": true, "isProcessReadEvent": true,
	"rocketmqHome": true, "configStorePath": true, "scanInactiveMasterInterval": true, "metricsExporterType": true,
}

// applyControllerProperties sets controller options from RocketMQ's
// controller.conf keys; other unknown keys are errors, so a typo does not
// pass silently.
func applyControllerProperties(o *controller.Options, props map[string]string) error {
	for k, v := range props {
		var err error
		switch k {
		case "controllerDLegerSelfId":
			o.ID = v
		case "controllerDLegerPeers":
			o.Peers, err = controller.ParsePeers(v)
		case "controllerDLegerGroup":
			o.Group = v
		case "controllerStorePath":
			o.DataDir = v
		case "scanNotActiveBrokerInterval":
			var ms int64
			ms, err = strconv.ParseInt(v, 10, 64)
			o.ScanNotActiveBrokerInterval = time.Duration(ms) * time.Millisecond
		case "enableElectUncleanMaster":
			o.EnableElectUncleanMaster, err = strconv.ParseBool(v)
		case "notifyBrokerRoleChanged":
			var notify bool
			notify, err = strconv.ParseBool(v)
			o.DisableNotifyBrokerRoleChanged = !notify
		case "controllerThreadPoolNums":
			o.Workers, err = strconv.Atoi(v)
		case "controllerRequestThreadPoolQueueCapacity":
			o.Queue, err = strconv.Atoi(v)
		default:
			if !ignoredControllerKeys[k] {
				return fmt.Errorf("controller config: unknown key %q", k)
			}
			slog.Warn("controller config key ignored", "key", k, "value", v)
		}
		if err != nil {
			return fmt.Errorf("controller config: %s=%q: %w", k, v, err)
		}
	}
	return nil
}
