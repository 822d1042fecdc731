package admin

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/rocketstore/rocketstore/remoting"
)

// BrokerRef names one broker process: its cluster, broker name, id (0 is
// the master) and address.
type BrokerRef struct {
	Cluster    string `json:"cluster"`
	BrokerName string `json:"brokerName"`
	BrokerID   int64  `json:"brokerId"`
	Addr       string `json:"addr"`
}

// ClusterInfo asks a name server for its clusters and brokers
// (GET_BROKER_CLUSTER_INFO).
func (c *Client) ClusterInfo(ctx context.Context) (ClusterInfo, error) {
	var ci ClusterInfo
	err := c.nameServerJSON(ctx, remoting.RequestGetBrokerClusterInfo, nil, &ci)
	return ci, err
}

// Brokers lists every broker the name server knows, of one cluster when
// cluster is not "", sorted by cluster, broker name and id.
func (c *Client) Brokers(ctx context.Context, cluster string) ([]BrokerRef, error) {
	ci, err := c.ClusterInfo(ctx)
	if err != nil {
		return nil, err
	}
	if cluster != "" {
		if _, ok := ci.ClusterAddrTable[cluster]; !ok {
			return nil, fmt.Errorf("%w: cluster %q (the name servers know %v)", ErrNotFound, cluster, slices.Sorted(maps.Keys(ci.ClusterAddrTable)))
		}
	}
	var refs []BrokerRef
	for clusterName, names := range ci.ClusterAddrTable {
		if cluster != "" && clusterName != cluster {
			continue
		}
		for _, name := range names {
			bd, ok := ci.BrokerAddrTable[name]
			if !ok {
				continue
			}
			for id, addr := range bd.BrokerAddrs {
				refs = append(refs, BrokerRef{Cluster: clusterName, BrokerName: name, BrokerID: id, Addr: addr})
			}
		}
	}
	slices.SortFunc(refs, compareBrokerRefs)
	return refs, nil
}

// Masters is Brokers without the slaves: where writes go.
func (c *Client) Masters(ctx context.Context, cluster string) ([]BrokerRef, error) {
	refs, err := c.Brokers(ctx, cluster)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(refs, func(r BrokerRef) bool { return r.BrokerID != MasterID }), nil
}

func compareBrokerRefs(a, b BrokerRef) int {
	if a.Cluster != b.Cluster {
		return cmp.Compare(a.Cluster, b.Cluster)
	}
	if a.BrokerName != b.BrokerName {
		return cmp.Compare(a.BrokerName, b.BrokerName)
	}
	return cmp.Compare(a.BrokerID, b.BrokerID)
}

// TopicRoute asks a name server for a topic's route
// (GET_ROUTEINFO_BY_TOPIC).
func (c *Client) TopicRoute(ctx context.Context, topic string) (TopicRouteData, error) {
	var rd TopicRouteData
	err := c.nameServerJSON(ctx, remoting.RequestGetRouteInfoByTopic, map[string]string{"topic": topic}, &rd)
	return rd, err
}

// routeMasters are the master addresses of a route by broker name, in
// broker name order, with the route's queue data.
func routeMasters(rd TopicRouteData) []routeBroker {
	addrs := make(map[string]string, len(rd.BrokerDatas))
	for _, bd := range rd.BrokerDatas {
		if a := bd.MasterAddr(); a != "" {
			addrs[bd.BrokerName] = a
		}
	}
	var out []routeBroker
	for _, qd := range rd.QueueDatas {
		if a, ok := addrs[qd.BrokerName]; ok {
			out = append(out, routeBroker{name: qd.BrokerName, addr: a, queues: qd})
		}
	}
	slices.SortFunc(out, func(a, b routeBroker) int { return cmp.Compare(a.name, b.name) })
	return out
}

type routeBroker struct {
	name, addr string
	queues     QueueData
}

// TopicList lists every topic the name server knows, sorted
// (GET_ALL_TOPIC_LIST_FROM_NAMESERVER).
func (c *Client) TopicList(ctx context.Context) ([]string, error) {
	var tl TopicList
	if err := c.nameServerJSON(ctx, remoting.RequestGetAllTopicListFromNameServer, nil, &tl); err != nil {
		return nil, err
	}
	slices.Sort(tl.TopicList)
	return tl.TopicList, nil
}

// NameServerResult is one name server's answer to a request sent to all of
// them.
type NameServerResult struct {
	Addr string `json:"addr"`
	// Count is the number of topics the request changed there.
	Count int   `json:"count"`
	Err   error `json:"-"`
	// Error is Err's text, for JSON output.
	Error string `json:"error,omitempty"`
}

// WipeWritePerm takes write permission away from a broker name's topics on
// every name server (WIPE_WRITE_PERM_OF_BROKER): producers stop sending
// there while consumers drain it.
func (c *Client) WipeWritePerm(ctx context.Context, brokerName string) ([]NameServerResult, error) {
	return c.writePermOnAll(ctx, remoting.RequestWipeWritePermOfBroker, "wipeTopicCount", brokerName)
}

// AddWritePerm gives write permission back (ADD_WRITE_PERM_OF_BROKER).
func (c *Client) AddWritePerm(ctx context.Context, brokerName string) ([]NameServerResult, error) {
	return c.writePermOnAll(ctx, remoting.RequestAddWritePermOfBroker, "addTopicCount", brokerName)
}

func (c *Client) writePermOnAll(ctx context.Context, code int16, countField, brokerName string) ([]NameServerResult, error) {
	if brokerName == "" {
		return nil, fmt.Errorf("%w: a broker name is required", ErrInvalidArgument)
	}
	if len(c.opts.NameServers) == 0 {
		return nil, ErrNoNameServer
	}
	var out []NameServerResult
	for _, addr := range c.opts.NameServers {
		r := NameServerResult{Addr: addr}
		resp, err := c.call(ctx, RoleNameServer, addr, code, map[string]string{"brokerName": brokerName}, nil)
		if err == nil {
			r.Count, err = strconv.Atoi(resp.ExtFields[countField])
			if err != nil {
				err = fmt.Errorf("%s %s: %s: bad %s %q", RoleNameServer, addr, RequestName(code), countField, resp.ExtFields[countField])
			}
		}
		if err != nil {
			r.Err, r.Error = err, err.Error()
		}
		out = append(out, r)
	}
	return out, nil
}

// DeleteTopicInNameServers removes a topic's route from every name server
// (DELETE_TOPIC_IN_NAMESRV); the first refusal or failure is returned after
// all were asked.
func (c *Client) DeleteTopicInNameServers(ctx context.Context, topic, cluster string) error {
	if len(c.opts.NameServers) == 0 {
		return ErrNoNameServer
	}
	ext := map[string]string{"topic": topic}
	if cluster != "" {
		ext["clusterName"] = cluster
	}
	var first error
	for _, addr := range c.opts.NameServers {
		if _, err := c.call(ctx, RoleNameServer, addr, remoting.RequestDeleteTopicInNameServer, ext, nil); err != nil && first == nil {
			first = err
		}
	}
	return first
}
