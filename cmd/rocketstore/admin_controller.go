package main

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/rocketstore/rocketstore/controller"
	"github.com/rocketstore/rocketstore/remoting"
)

// The controller-mode commands of mqadmin: getControllerMetaData,
// getSyncStateSet and getBrokerEpoch.
func init() {
	adminCommands = append(adminCommands,
		adminCommand{"getControllerMetaData", "print the controller group: its peers and leader", runGetControllerMetaData},
		adminCommand{"getSyncStateSet", "print broker groups' master, master epoch and SyncStateSet (controller mode)", runGetSyncStateSet},
		adminCommand{"getBrokerEpoch", "print brokers' epoch histories (controller mode)", runGetBrokerEpoch},
	)
}

// controllerClient reads -a, the controller addresses.
func controllerClient(e *adminEnv, addrs string) (*controller.Client, []string, error) {
	list := splitAddrs(addrs)
	if len(list) == 0 {
		return nil, nil, usageError("-a is required")
	}
	return controller.NewClient(controller.ClientOptions{Controllers: list, Logger: quietLogger(e.errOut)}), list, nil
}

func runGetControllerMetaData(e *adminEnv, args []string) error {
	var addrs string
	e.str(&addrs, "a", "controllerAddress", "", "controller addresses, ';'-separated")
	if err := e.parse(args); err != nil {
		return err
	}
	cl, list, err := controllerClient(e, addrs)
	if err != nil {
		return err
	}
	defer cl.Close()
	type row struct {
		Addr string `json:"addr"`
		controller.Metadata
		Error string `json:"error,omitempty"`
	}
	var rows []row
	for _, a := range list {
		md, err := cl.Metadata(e.ctx, a)
		r := row{Addr: a, Metadata: md}
		if err != nil {
			r.Error = err.Error()
		}
		rows = append(rows, r)
	}
	return e.emit(rows, func(t *tableWriter) {
		t.row("#Controller", "#Group", "#LeaderId", "#LeaderAddr", "#IsLeader", "#Peers")
		for _, r := range rows {
			if r.Error != "" {
				t.row(r.Addr, "-", "-", "-", "-", r.Error)
				continue
			}
			t.row(r.Addr, r.Group, r.LeaderID, r.LeaderAddr, r.IsLeader, r.Peers)
		}
	})
}

// groupNames are the broker names of -b, or of cluster -c's brokers.
func groupNames(e *adminEnv, brokerNames, cluster string) ([]string, error) {
	if names := splitList(brokerNames); len(names) > 0 {
		return names, nil
	}
	if cluster == "" {
		return nil, usageError("-b or -c is required")
	}
	refs, err := e.client.Brokers(e.ctx, cluster)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, r := range refs {
		if !slices.Contains(names, r.BrokerName) {
			names = append(names, r.BrokerName)
		}
	}
	slices.Sort(names)
	return names, nil
}

func runGetSyncStateSet(e *adminEnv, args []string) error {
	var addrs, brokerNames, cluster string
	e.str(&addrs, "a", "controllerAddress", "", "controller addresses, ';'-separated")
	e.str(&brokerNames, "b", "brokerName", "", "broker names, comma-separated")
	e.str(&cluster, "c", "clusterName", "", "every broker group of this cluster (needs -n)")
	if err := e.parse(args); err != nil {
		return err
	}
	cl, _, err := controllerClient(e, addrs)
	if err != nil {
		return err
	}
	defer cl.Close()
	names, err := groupNames(e, brokerNames, cluster)
	if err != nil {
		return err
	}
	info, err := cl.GetSyncStateData(e.ctx, names)
	if err != nil {
		return err
	}
	return e.emit(info, func(t *tableWriter) {
		t.row("#BrokerName", "#MasterId", "#MasterAddr", "#MasterEpoch", "#SyncStateSetEpoch", "#InSyncReplicas", "#NotInSyncReplicas")
		for _, name := range names {
			g, ok := info.ReplicasInfoTable[name]
			if !ok {
				t.row(name, "-", "-", "-", "-", "-", "-")
				continue
			}
			t.row(name, g.MasterBrokerID, orDash(g.MasterAddress), g.MasterEpoch, g.SyncStateSetEpoch,
				replicas(g.InSyncReplicas), replicas(g.NotInSyncReplicas))
		}
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// epochCache is a broker's GET_BROKER_EPOCH_CACHE answer.
type epochCache struct {
	Addr        string `json:"addr"`
	ClusterName string `json:"clusterName"`
	BrokerName  string `json:"brokerName"`
	BrokerID    int64  `json:"brokerId"`
	EpochList   []struct {
		Epoch       int32 `json:"epoch"`
		StartOffset int64 `json:"startOffset"`
		EndOffset   int64 `json:"endOffset"`
	} `json:"epochList"`
	MaxOffset int64  `json:"maxOffset"`
	Error     string `json:"error,omitempty"`
}

func runGetBrokerEpoch(e *adminEnv, args []string) error {
	var brokerNames, cluster string
	e.str(&brokerNames, "b", "brokerName", "", "broker names, comma-separated")
	e.str(&cluster, "c", "clusterName", "", "every broker of this cluster")
	if err := e.parse(args, "n"); err != nil {
		return err
	}
	names := splitList(brokerNames)
	if len(names) == 0 && cluster == "" {
		return usageError("-b or -c is required")
	}
	refs, err := e.client.Brokers(e.ctx, cluster)
	if err != nil {
		return err
	}
	rc := remoting.NewClient(remoting.ClientOptions{})
	defer rc.Close()
	var caches []epochCache
	for _, ref := range refs {
		if len(names) > 0 && !slices.Contains(names, ref.BrokerName) {
			continue
		}
		c := epochCache{Addr: ref.Addr, BrokerName: ref.BrokerName, BrokerID: ref.BrokerID}
		resp, err := rc.InvokeSync(e.ctx, ref.Addr, remoting.NewRequest(remoting.RequestGetBrokerEpochCache, nil, nil))
		switch {
		case err != nil:
			c.Error = err.Error()
		case resp.Code != remoting.ResponseSuccess:
			c.Error = fmt.Sprintf("code %d: %s", resp.Code, resp.Remark)
		default:
			if err := json.Unmarshal(resp.Body, &c); err != nil {
				c.Error = err.Error()
			}
			c.Addr = ref.Addr
		}
		caches = append(caches, c)
	}
	return e.emit(caches, func(t *tableWriter) {
		t.row("#Broker", "#Addr", "#Epoch", "#StartOffset", "#EndOffset")
		for _, c := range caches {
			name := fmt.Sprintf("%s/%d", c.BrokerName, c.BrokerID)
			if c.Error != "" {
				t.row(name, c.Addr, "-", "-", c.Error)
				continue
			}
			for _, ep := range c.EpochList {
				end := fmt.Sprint(ep.EndOffset)
				if ep.EndOffset == math.MaxInt64 {
					end = fmt.Sprintf("(open; log ends at %d)", c.MaxOffset)
				}
				t.row(name, c.Addr, ep.Epoch, ep.StartOffset, end)
			}
		}
	})
}
