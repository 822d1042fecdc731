package admin

import (
	"fmt"

	"github.com/rocketstore/rocketstore/remoting"
)

// requestNames names the request codes this package sends, for error
// messages in RocketMQ's vocabulary.
var requestNames = map[int16]string{
	remoting.RequestPullMessage:                      "PULL_MESSAGE",
	remoting.RequestQueryMessage:                     "QUERY_MESSAGE",
	remoting.RequestQueryConsumerOffset:              "QUERY_CONSUMER_OFFSET",
	remoting.RequestUpdateConsumerOffset:             "UPDATE_CONSUMER_OFFSET",
	remoting.RequestUpdateAndCreateTopic:             "UPDATE_AND_CREATE_TOPIC",
	remoting.RequestGetAllTopicConfig:                "GET_ALL_TOPIC_CONFIG",
	remoting.RequestUpdateBrokerConfig:               "UPDATE_BROKER_CONFIG",
	remoting.RequestGetBrokerConfig:                  "GET_BROKER_CONFIG",
	remoting.RequestGetBrokerRuntimeInfo:             "GET_BROKER_RUNTIME_INFO",
	remoting.RequestSearchOffsetByTimestamp:          "SEARCH_OFFSET_BY_TIMESTAMP",
	remoting.RequestGetMaxOffset:                     "GET_MAX_OFFSET",
	remoting.RequestGetMinOffset:                     "GET_MIN_OFFSET",
	remoting.RequestViewMessageByID:                  "VIEW_MESSAGE_BY_ID",
	remoting.RequestGetRouteInfoByTopic:              "GET_ROUTEINFO_BY_TOPIC",
	remoting.RequestGetBrokerClusterInfo:             "GET_BROKER_CLUSTER_INFO",
	remoting.RequestUpdateAndCreateSubscriptionGroup: "UPDATE_AND_CREATE_SUBSCRIPTIONGROUP",
	remoting.RequestGetAllSubscriptionGroupConfig:    "GET_ALL_SUBSCRIPTIONGROUP_CONFIG",
	remoting.RequestGetTopicStatsInfo:                "GET_TOPIC_STATS_INFO",
	remoting.RequestGetConsumerConnectionList:        "GET_CONSUMER_CONNECTION_LIST",
	remoting.RequestGetProducerConnectionList:        "GET_PRODUCER_CONNECTION_LIST",
	remoting.RequestWipeWritePermOfBroker:            "WIPE_WRITE_PERM_OF_BROKER",
	remoting.RequestGetAllTopicListFromNameServer:    "GET_ALL_TOPIC_LIST_FROM_NAMESERVER",
	remoting.RequestDeleteSubscriptionGroup:          "DELETE_SUBSCRIPTIONGROUP",
	remoting.RequestGetConsumeStats:                  "GET_CONSUME_STATS",
	remoting.RequestDeleteTopicInBroker:              "DELETE_TOPIC_IN_BROKER",
	remoting.RequestDeleteTopicInNameServer:          "DELETE_TOPIC_IN_NAMESRV",
	remoting.RequestInvokeBrokerToResetOffset:        "INVOKE_BROKER_TO_RESET_OFFSET",
	remoting.RequestQueryTopicConsumeByWho:           "QUERY_TOPIC_CONSUME_BY_WHO",
	remoting.RequestViewBrokerStatsData:              "VIEW_BROKER_STATS_DATA",
	remoting.RequestGetBrokerConsumeStats:            "GET_BROKER_CONSUME_STATS",
	remoting.RequestAddWritePermOfBroker:             "ADD_WRITE_PERM_OF_BROKER",
}

// responseNames names the response codes, with what the operator can do
// about each.
var responseNames = map[int16]struct{ name, hint string }{
	remoting.ResponseSuccess:                 {"SUCCESS", ""},
	remoting.ResponseSystemError:             {"SYSTEM_ERROR", "see the server's log"},
	remoting.ResponseSystemBusy:              {"SYSTEM_BUSY", "the server is overloaded; retry later"},
	remoting.ResponseRequestCodeNotSupported: {"REQUEST_CODE_NOT_SUPPORTED", "this server does not implement the request; upgrade it"},
	remoting.ResponseServiceNotAvailable:     {"SERVICE_NOT_AVAILABLE", "the server is not serving (starting, shutting down or a slave); try its master"},
	remoting.ResponseNoPermission:            {"NO_PERMISSION", "the server refuses it: check the ACL account and the broker's permissions"},
	remoting.ResponseTopicNotExist:           {"TOPIC_NOT_EXIST", "create the topic with updateTopic, or check its name"},
	remoting.ResponseTopicExistAlready:       {"TOPIC_EXIST_ALREADY", ""},
	remoting.ResponseQueryNotFound:           {"QUERY_NOT_FOUND", "no message matches; check the key, the topic and the time range"},
	remoting.ResponseSubscriptionGroupNotExist: {
		"SUBSCRIPTION_GROUP_NOT_EXIST", "create the group with updateSubGroup, or check its name",
	},
	remoting.ResponseInvalidParameter: {"INVALID_PARAMETER", "check the command's flags"},
	remoting.ResponseConsumerNotOnline: {
		"CONSUMER_NOT_ONLINE", "no consumer of the group is connected to this broker",
	},
}

// RequestName is RocketMQ's name of a request code ("GET_CONSUME_STATS"),
// or "request <code>" for codes this package does not send.
func RequestName(code int16) string {
	if n, ok := requestNames[code]; ok {
		return n
	}
	return fmt.Sprintf("request %d", code)
}

// ResponseName is RocketMQ's name of a response code ("TOPIC_NOT_EXIST"),
// or "code <code>".
func ResponseName(code int16) string {
	if n, ok := responseNames[code]; ok {
		return n.name
	}
	return fmt.Sprintf("code %d", code)
}
