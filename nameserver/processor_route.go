package nameserver

import (
	"github.com/rocketstore/rocketstore/remoting"
)

// Handlers for the requests clients and admin tools send:
// GET_ROUTEINFO_BY_TOPIC, GET_BROKER_CLUSTER_INFO,
// GET_ALL_TOPIC_LIST_FROM_NAMESERVER and DELETE_TOPIC_IN_NAMESRV.

// getRouteInfoByTopic handles GET_ROUTEINFO_BY_TOPIC. A topic no broker
// holds is TOPIC_NOT_EXIST, which the Go client maps to ErrTopicNotExist
// and producers answer by falling back to the default topic TBW102.
func (ns *NameServer) getRouteInfoByTopic(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	topic, err := req.Field("topic")
	if err != nil {
		return failure(req, remoting.ResponseSystemError, "get route info: %v", err)
	}
	route, ok := ns.routes.TopicRoute(topic)
	if !ok {
		return failure(req, remoting.ResponseTopicNotExist, "No topic route info in name server for the topic: %s", topic)
	}
	return jsonResponse(req, route)
}

// getBrokerClusterInfo handles GET_BROKER_CLUSTER_INFO.
func (ns *NameServer) getBrokerClusterInfo(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	return jsonResponse(req, ns.routes.ClusterInfo())
}

// getAllTopicList handles GET_ALL_TOPIC_LIST_FROM_NAMESERVER.
func (ns *NameServer) getAllTopicList(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	topics := ns.routes.Topics()
	if topics == nil {
		topics = []string{} // [] rather than null: clients range over it
	}
	return jsonResponse(req, TopicList{TopicList: topics})
}

// deleteTopic handles DELETE_TOPIC_IN_NAMESRV. RocketMQ 5 adds an optional
// clusterName that limits the deletion to that cluster's brokers. Deleting
// an unknown topic succeeds, as in RocketMQ: the admin tool deletes from
// every name server whether or not it knew the topic.
func (ns *NameServer) deleteTopic(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	topic, err := req.Field("topic")
	if err != nil {
		return failure(req, remoting.ResponseSystemError, "delete topic: %v", err)
	}
	if topic == "" {
		return failure(req, remoting.ResponseInvalidParameter, "delete topic: topic is empty")
	}
	cluster, _ := req.Lookup("clusterName")
	ns.routes.DeleteTopic(topic, cluster)
	return success(req, nil)
}
