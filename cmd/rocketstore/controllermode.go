package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rocketstore/rocketstore/broker"
	"github.com/rocketstore/rocketstore/controller"
	"github.com/rocketstore/rocketstore/nameserver"
	"github.com/rocketstore/rocketstore/remoting"
)

// controllerModeKeys applies the broker.conf keys of controller mode
// (RocketMQ 5's BrokerConfig and MessageStoreConfig names). It reports
// whether k is one of them. inSyncReplicas and allAckInSyncStateSet are
// settled by settleInSyncReplicas once every key is read.
func controllerModeKey(o *broker.Options, ack *ackKeys, k, v string) (bool, error) {
	c := &o.Controller
	var err error
	switch k {
	case "enableControllerMode":
		c.Enable, err = strconv.ParseBool(v)
	case "controllerAddr":
		c.Addrs = splitAddrs(v)
	case "brokerHeartbeatInterval":
		c.HeartbeatInterval, err = parseMillis(v)
	case "controllerHeartBeatTimeoutMills":
		c.HeartbeatTimeout, err = parseMillis(v)
	case "checkSyncStateSetPeriod":
		c.CheckSyncStateSetInterval, err = parseMillis(v)
	case "haMaxTimeSlaveNotCatchup":
		c.MaxTimeSlaveNotCatchup, err = parseMillis(v)
	case "brokerElectionPriority":
		var p int64
		p, err = strconv.ParseInt(v, 10, 32)
		c.ElectionPriority = int32(p)
	case "minInSyncReplicas":
		c.MinInSyncReplicas, err = strconv.Atoi(v)
	case "inSyncReplicas":
		ack.replicas, err = strconv.Atoi(v)
	case "allAckInSyncStateSet":
		var all bool
		all, err = strconv.ParseBool(v)
		ack.all = &all
	default:
		return false, nil
	}
	return true, err
}

// ackKeys are inSyncReplicas and allAckInSyncStateSet as read.
type ackKeys struct {
	replicas int
	all      *bool
}

// settle sets InSyncReplicas: all of the SyncStateSet unless
// allAckInSyncStateSet=false, then inSyncReplicas counting the master;
// RocketMQ's default inSyncReplicas=1 waits for one slave, which is two
// replicas here.
func (a ackKeys) settle(o *broker.Options) {
	switch {
	case a.all == nil || *a.all:
		o.Controller.InSyncReplicas = 0
	case a.replicas <= 1:
		o.Controller.InSyncReplicas = 2
	default:
		o.Controller.InSyncReplicas = a.replicas
	}
}

// embeddedController starts a controller on the nameserver's port when the
// namesrv config asks for it (enableControllerInNamesrv), with the
// controller.conf keys of the same file; nil when it does not.
func embeddedController(ns *nameserver.NameServer, props map[string]string) (*controller.Controller, error) {
	on, err := strconv.ParseBool(cmpOr(props["enableControllerInNamesrv"], "false"))
	if err != nil {
		return nil, fmt.Errorf("enableControllerInNamesrv=%q: %w", props["enableControllerInNamesrv"], err)
	}
	if !on {
		return nil, nil
	}
	rest := map[string]string{}
	for k, v := range props {
		if !namesrvKeys[k] {
			rest[k] = v
		}
	}
	o := controller.Options{DataDir: "controller-data"}
	if err := applyControllerProperties(&o, rest); err != nil {
		return nil, err
	}
	if len(o.Peers) == 0 {
		o.ID = cmpOr(o.ID, "n0")
		o.Peers = []controller.Peer{{ID: o.ID, Addr: ns.Addr(), RaftAddr: props["controllerRaftAddr"]}}
	}
	for _, p := range o.Peers {
		if p.ID == o.ID && p.Addr != ns.Addr() {
			return nil, fmt.Errorf("controller %s is at %s in controllerDLegerPeers, but the nameserver embedding it listens on %s", p.ID, p.Addr, ns.Addr())
		}
	}
	o.Server = ns.Server()
	return controller.New(o)
}

// namesrvKeys are the namesrv.conf keys that are not the controller's.
var namesrvKeys = map[string]bool{"enableControllerInNamesrv": true, "listenPort": true, "controllerRaftAddr": true}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// runControllerStatus is `rocketstore controller status`: the controller
// group's leader and, for each broker group, its master, master epoch and
// SyncStateSet (mqadmin getControllerMetaData and getSyncStateSet).
//
//	rocketstore controller status -controllers a:9878;b:9878 [-groups broker-a,broker-b | -namesrv host:9876] [-json]
func runControllerStatus(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("controller status", flag.ExitOnError)
	addrs := fs.String("controllers", "127.0.0.1:9878", "controller addresses, ';'-separated")
	groups := fs.String("groups", "", "broker group names (brokerName), comma-separated")
	namesrv := fs.String("namesrv", "", "a nameserver to list the broker groups from, when -groups is not given")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	fs.Parse(args)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl := controller.NewClient(controller.ClientOptions{Controllers: splitAddrs(*addrs)})
	defer cl.Close()
	var metas []controller.Metadata
	for _, a := range splitAddrs(*addrs) {
		md, err := cl.Metadata(ctx, a)
		if err != nil {
			md = controller.Metadata{LeaderID: "?", Peers: "unreachable: " + err.Error()}
		}
		metas = append(metas, md)
	}
	names := splitList(*groups)
	if len(names) == 0 && *namesrv != "" {
		var err error
		if names, err = brokerNames(ctx, *namesrv); err != nil {
			return err
		}
	}
	if len(names) == 0 {
		return errors.New("name the broker groups (-groups) or a nameserver to list them (-namesrv)")
	}
	info, err := cl.GetSyncStateData(ctx, names)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Controllers []controller.Metadata         `json:"controllers"`
			Groups      controller.BrokerReplicasInfo `json:"groups"`
		}{metas, info})
	}
	printStatus(out, splitAddrs(*addrs), metas, names, info)
	return nil
}

func printStatus(out io.Writer, addrs []string, metas []controller.Metadata, names []string, info controller.BrokerReplicasInfo) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CONTROLLER\tLEADER\tIS LEADER")
	for i, md := range metas {
		fmt.Fprintf(w, "%s\t%s %s\t%v\n", addrs[i], md.LeaderID, md.LeaderAddr, md.IsLeader)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "GROUP\tMASTER\tMASTER EPOCH\tSYNC STATE SET (EPOCH)\tNOT IN SYNC")
	for _, name := range names {
		g, ok := info.ReplicasInfoTable[name]
		if !ok {
			fmt.Fprintf(w, "%s\t(unknown to the controller)\t\t\t\n", name)
			continue
		}
		master := "none"
		if g.MasterBrokerID != 0 {
			master = fmt.Sprintf("%d %s", g.MasterBrokerID, g.MasterAddress)
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s (%d)\t%s\n", name, master, g.MasterEpoch, replicas(g.InSyncReplicas), g.SyncStateSetEpoch, replicas(g.NotInSyncReplicas))
	}
	w.Flush()
}

// replicas lists members as id@address, marking the dead.
func replicas(rs []controller.ReplicaIdentity) string {
	if len(rs) == 0 {
		return "-"
	}
	var parts []string
	for _, r := range rs {
		p := fmt.Sprintf("%d@%s", r.BrokerID, r.BrokerAddress)
		if !r.Alive {
			p += "(dead)"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

// brokerNames lists the broker groups a nameserver knows
// (GET_BROKER_CLUSTER_INFO).
func brokerNames(ctx context.Context, addr string) ([]string, error) {
	rc := remoting.NewClient(remoting.ClientOptions{})
	defer rc.Close()
	resp, err := rc.InvokeSync(ctx, addr, remoting.NewRequest(remoting.RequestGetBrokerClusterInfo, nil, nil))
	if err != nil {
		return nil, err
	}
	if resp.Code != remoting.ResponseSuccess {
		return nil, fmt.Errorf("nameserver %s: code %d: %s", addr, resp.Code, resp.Remark)
	}
	var ci nameserver.ClusterInfo
	if err := json.Unmarshal(resp.Body, &ci); err != nil {
		return nil, fmt.Errorf("nameserver %s: cluster info: %w", addr, err)
	}
	var names []string
	for name := range ci.BrokerAddrTable {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// controllerSubcommand runs `rocketstore controller status`; it reports
// false for the peer itself (`rocketstore controller -id ...`).
func controllerSubcommand(args []string) (bool, error) {
	if len(args) > 0 && args[0] == "status" {
		return true, runControllerStatus(args[1:], os.Stdout)
	}
	return false, nil
}
