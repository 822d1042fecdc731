package nameserver

import (
	"github.com/rocketstore/rocketstore/remoting"
)

// Handlers for the reads clients and admin tools send:
// GET_ROUTEINFO_BY_TOPIC, GET_BROKER_CLUSTER_INFO and the topic lists.

// getRouteInfoByTopic handles GET_ROUTEINFO_BY_TOPIC. A topic no broker
// holds is TOPIC_NOT_EXIST, which the Go client maps to ErrTopicNotExist
// and producers answer by falling back to the default topic TBW102. With
// OrderMessageEnable, orderTopicConf comes from the KV config.
func (ns *NameServer) getRouteInfoByTopic(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	topic, err := req.Field("topic")
	if err != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "get route info: %v", err)
	}
	route, ok := ns.routes.TopicRoute(topic)
	if !ok {
		// Not logged: producers ask for topics they are about to create.
		return remoting.NewResponse(req, remoting.ResponseTopicNotExist, "No topic route info in name server for the topic: "+topic)
	}
	if ns.settings.orderMessageEnable.Load() {
		route.OrderTopicConf, _ = ns.kv.Get(NamespaceOrderTopicConfig, topic) // absent: no override
	}
	return ns.jsonResponse(c, req, route)
}

// getBrokerClusterInfo handles GET_BROKER_CLUSTER_INFO.
func (ns *NameServer) getBrokerClusterInfo(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	return ns.jsonResponse(c, req, ns.routes.ClusterInfo())
}

// getAllTopicList handles GET_ALL_TOPIC_LIST_FROM_NAMESERVER, refused
// with RocketMQ's "disable" when DisableAllTopicList is set.
func (ns *NameServer) getAllTopicList(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	if ns.settings.disableAllTopicList.Load() {
		return ns.refuse(c, req, remoting.ResponseSystemError, "disable")
	}
	return ns.jsonResponse(c, req, newTopicList(ns.routes.Topics(), ""))
}

// getTopicsByCluster handles GET_TOPICS_BY_CLUSTER (header cluster): the
// topics served by the cluster's brokers, none for an unknown cluster.
func (ns *NameServer) getTopicsByCluster(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	if ns.settings.disableTopicList.Load() {
		return ns.refuse(c, req, remoting.ResponseSystemError, "disable")
	}
	cluster, err := req.Field("cluster")
	if err != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "get topics by cluster: %v", err)
	}
	return ns.jsonResponse(c, req, newTopicList(ns.routes.TopicsByCluster(cluster), ""))
}

// getSystemTopicList handles GET_SYSTEM_TOPIC_LIST_FROM_NS: cluster and
// broker names, with a broker address to read them from.
func (ns *NameServer) getSystemTopicList(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	return ns.jsonResponse(c, req, newTopicList(ns.routes.SystemTopics()))
}

// RocketMQ's TopicSysFlag bits.
const (
	topicSysFlagUnit    int32 = 1 << 0
	topicSysFlagUnitSub int32 = 1 << 1
)

func hasUnitFlag(f int32) bool           { return f&topicSysFlagUnit != 0 }
func hasUnitSubFlag(f int32) bool        { return f&topicSysFlagUnitSub != 0 }
func hasUnitSubNotUnitFlag(f int32) bool { return hasUnitSubFlag(f) && !hasUnitFlag(f) }

// topicListBySysFlag handles GET_UNIT_TOPIC_LIST,
// GET_HAS_UNIT_SUB_TOPIC_LIST and GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST.
func (ns *NameServer) topicListBySysFlag(want func(int32) bool) remoting.Handler {
	return func(c *remoting.Conn, req *remoting.Command) *remoting.Command {
		if ns.settings.disableTopicList.Load() {
			return ns.refuse(c, req, remoting.ResponseSystemError, "disable")
		}
		return ns.jsonResponse(c, req, newTopicList(ns.routes.TopicsWithSysFlag(want), ""))
	}
}
