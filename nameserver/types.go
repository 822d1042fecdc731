package nameserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// The JSON shapes the name server reads and writes. Field order and names
// follow RocketMQ's classes of the same names; Go's encoder keeps struct
// field order and sorts map keys, so every body is deterministic.

// MasterID is the broker id of a broker name's master; slaves use other ids.
const MasterID int64 = 0

// QueueData is one broker's queues of a topic, as a route lists them.
type QueueData struct {
	BrokerName     string `json:"brokerName"`
	ReadQueueNums  int32  `json:"readQueueNums"`
	WriteQueueNums int32  `json:"writeQueueNums"`
	// Perm is the topic's permission on this broker: 4 read, 2 write,
	// 1 inherit.
	Perm int32 `json:"perm"`
	// TopicSysFlag carries RocketMQ's unit flags. RocketMQ 5 names the
	// member topicSysFlag; 4.x wrote topicSynFlag.
	TopicSysFlag int32 `json:"topicSysFlag"`
}

// BrokerData is a broker name's cluster and addresses by broker id.
type BrokerData struct {
	Cluster    string `json:"cluster"`
	BrokerName string `json:"brokerName"`
	// BrokerAddrs maps broker id to "host:port"; MasterID is the master.
	BrokerAddrs map[int64]string `json:"brokerAddrs"`
}

// TopicRouteData is the answer to GET_ROUTEINFO_BY_TOPIC: which brokers
// hold the topic's queues, and where those brokers are.
type TopicRouteData struct {
	// OrderTopicConf is RocketMQ's "brokerName:queueNums;..." override for
	// globally ordered topics; always empty here.
	OrderTopicConf string       `json:"orderTopicConf"`
	QueueDatas     []QueueData  `json:"queueDatas"`
	BrokerDatas    []BrokerData `json:"brokerDatas"`
	// FilterServerTable lists class-filter servers by broker address;
	// always empty (filter servers were removed from RocketMQ).
	FilterServerTable map[string][]string `json:"filterServerTable"`
}

// ClusterInfo is the answer to GET_BROKER_CLUSTER_INFO.
type ClusterInfo struct {
	BrokerAddrTable  map[string]BrokerData `json:"brokerAddrTable"`
	ClusterAddrTable map[string][]string   `json:"clusterAddrTable"`
}

// TopicList is the answer to GET_ALL_TOPIC_LIST_FROM_NAMESERVER and the
// other topic lists.
type TopicList struct {
	TopicList []string `json:"topicList"`
	// BrokerAddr names a broker to read the topics from; only the system
	// topic list sets it.
	BrokerAddr string `json:"brokerAddr,omitempty"`
}

// newTopicList wraps topics, writing [] rather than null: clients range
// over it.
func newTopicList(topics []string, brokerAddr string) TopicList {
	if topics == nil {
		topics = []string{}
	}
	return TopicList{TopicList: topics, BrokerAddr: brokerAddr}
}

// kvList is RocketMQ's KVTable: the answer to GET_KVLIST_BY_NAMESPACE and
// the body of a register response.
type kvList struct {
	Table map[string]string `json:"table"`
}

// newKVList wraps table, writing {} rather than null.
func newKVList(table map[string]string) kvList {
	if table == nil {
		table = map[string]string{}
	}
	return kvList{Table: table}
}

// wireQueueData reads a QueueData from a broker or admin tool, accepting
// RocketMQ 4.x's topicSynFlag spelling as well as topicSysFlag.
type wireQueueData struct {
	QueueData
	TopicSynFlag *int32 `json:"topicSynFlag"`
}

func (w wireQueueData) queueData() QueueData {
	qd := w.QueueData
	if w.TopicSynFlag != nil && qd.TopicSysFlag == 0 {
		qd.TopicSysFlag = *w.TopicSynFlag
	}
	return qd
}

// DataVersion identifies one state of a broker's topic configuration. The
// broker changes it whenever a topic changes; equal versions mean equal
// configurations.
type DataVersion struct {
	Timestamp int64 `json:"timestamp"`
	Counter   int64 `json:"counter"`
	// StateVersion is RocketMQ 5's addition; 4.x brokers leave it out.
	StateVersion int64 `json:"stateVersion,omitempty"`
}

// TopicConfig is one topic's configuration on a broker, as a broker
// registers it. Members the name server does not use (attributes, ...)
// are ignored when decoding.
type TopicConfig struct {
	TopicName       string `json:"topicName"`
	ReadQueueNums   int32  `json:"readQueueNums"`
	WriteQueueNums  int32  `json:"writeQueueNums"`
	Perm            int32  `json:"perm"`
	TopicFilterType string `json:"topicFilterType,omitempty"`
	TopicSysFlag    int32  `json:"topicSysFlag"`
	Order           bool   `json:"order"`
}

// TopicConfigWrapper is RocketMQ's TopicConfigSerializeWrapper: a broker's
// whole topic configuration and its version.
type TopicConfigWrapper struct {
	TopicConfigTable map[string]TopicConfig `json:"topicConfigTable"`
	DataVersion      DataVersion            `json:"dataVersion"`
}

// registerBody accepts both register bodies RocketMQ brokers send: the
// bare TopicConfigWrapper (brokers older than 3.0.11) and RegisterBrokerBody,
// which nests it under topicConfigSerializeWrapper next to a filter server
// list.
type registerBody struct {
	Nested           *TopicConfigWrapper    `json:"topicConfigSerializeWrapper"`
	TopicConfigTable map[string]TopicConfig `json:"topicConfigTable"`
	DataVersion      *DataVersion           `json:"dataVersion"`
}

// errNoDataVersion rejects a body that names no data version: without one
// the name server cannot tell whether the topics changed.
var errNoDataVersion = errors.New("body has no dataVersion")

// decodeRegisterBody reads a REGISTER_BROKER body. The topics it returns
// are keyed by topic name and are nil when the body carries no topic table.
func decodeRegisterBody(body []byte) (DataVersion, map[string]TopicConfig, error) {
	var b registerBody
	if err := json.Unmarshal(body, &b); err != nil {
		return DataVersion{}, nil, err
	}
	table, version := b.TopicConfigTable, b.DataVersion
	if b.Nested != nil {
		table, version = b.Nested.TopicConfigTable, &b.Nested.DataVersion
	}
	if version == nil {
		return DataVersion{}, nil, errNoDataVersion
	}
	if table == nil {
		return *version, nil, nil
	}
	topics := make(map[string]TopicConfig, len(table))
	for key, tc := range table {
		// The route table is keyed by topicName, as RocketMQ's is; the map
		// key only stands in for a missing name.
		if tc.TopicName == "" {
			tc.TopicName = key
		}
		if tc.TopicName == "" {
			return DataVersion{}, nil, errors.New("topic config with no topic name")
		}
		topics[tc.TopicName] = tc
	}
	return *version, topics, nil
}

// encodeJSON writes v compactly without HTML escaping, as fastjson does, so
// names with '<', '>' or '&' travel unchanged.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("nameserver: encode %T: %w", v, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
