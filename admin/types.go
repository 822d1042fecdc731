package admin

import (
	"cmp"
	"encoding/json"
	"fmt"
)

// The bodies of RocketMQ's admin responses, with RocketMQ's member names
// (apache/rocketmq remoting/protocol: body/, admin/, route/,
// subscription/). Members RocketMQ adds that nothing here reads are ignored
// when decoding.

// MessageQueue is one queue of a topic on one broker (RocketMQ's
// MessageQueue). As a map key in a fastjson body it is written as an
// object; MarshalText and UnmarshalText read and write that object's text,
// so maps keyed by MessageQueue decode after normalizeJSON.
type MessageQueue struct {
	Topic      string `json:"topic"`
	BrokerName string `json:"brokerName"`
	QueueID    int32  `json:"queueId"`
}

// plainQueue has MessageQueue's members without its methods, so that a
// MessageQueue value encodes as an object and not as a string of its text.
type plainQueue MessageQueue

// MarshalJSON writes a MessageQueue value as an object.
func (q MessageQueue) MarshalJSON() ([]byte, error) { return json.Marshal(plainQueue(q)) }

// UnmarshalJSON reads a MessageQueue value from an object, or from a
// string holding one: encoding/json hands a map key to UnmarshalJSON as a
// string when the type has both methods.
func (q *MessageQueue) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var text string
		if err := json.Unmarshal(b, &text); err != nil {
			return err
		}
		return q.UnmarshalText([]byte(text))
	}
	return json.Unmarshal(b, (*plainQueue)(q))
}

// MarshalText writes the queue as the JSON object text fastjson uses as a
// map key.
func (q MessageQueue) MarshalText() ([]byte, error) { return json.Marshal(plainQueue(q)) }

// UnmarshalText reads a map key written by fastjson (after normalizeJSON).
func (q *MessageQueue) UnmarshalText(b []byte) error {
	if err := json.Unmarshal(b, (*plainQueue)(q)); err != nil {
		return fmt.Errorf("message queue key %q: %w", b, err)
	}
	return nil
}

// String is RocketMQ's MessageQueue.toString.
func (q MessageQueue) String() string {
	return fmt.Sprintf("MessageQueue [topic=%s, brokerName=%s, queueId=%d]", q.Topic, q.BrokerName, q.QueueID)
}

// CompareQueues orders queues as RocketMQ's MessageQueue.compareTo: by
// topic, broker name, then queue id.
func CompareQueues(a, b MessageQueue) int {
	if c := cmp.Compare(a.Topic, b.Topic); c != 0 {
		return c
	}
	if c := cmp.Compare(a.BrokerName, b.BrokerName); c != 0 {
		return c
	}
	return cmp.Compare(a.QueueID, b.QueueID)
}

// BrokerData is a broker name's cluster and addresses by broker id (0 is
// the master).
type BrokerData struct {
	Cluster     string           `json:"cluster"`
	BrokerName  string           `json:"brokerName"`
	BrokerAddrs map[int64]string `json:"brokerAddrs"`
}

// MasterAddr is the master's address, or "" when the master is gone.
func (b BrokerData) MasterAddr() string { return b.BrokerAddrs[MasterID] }

// MasterID is the broker id of a master.
const MasterID int64 = 0

// ClusterInfo is GET_BROKER_CLUSTER_INFO's body.
type ClusterInfo struct {
	BrokerAddrTable  map[string]BrokerData `json:"brokerAddrTable"`
	ClusterAddrTable map[string][]string   `json:"clusterAddrTable"`
}

// QueueData is one broker's queues of a topic in a route.
type QueueData struct {
	BrokerName     string `json:"brokerName"`
	ReadQueueNums  int32  `json:"readQueueNums"`
	WriteQueueNums int32  `json:"writeQueueNums"`
	Perm           int32  `json:"perm"`
	TopicSysFlag   int32  `json:"topicSysFlag"`
}

// TopicRouteData is GET_ROUTEINFO_BY_TOPIC's body.
type TopicRouteData struct {
	OrderTopicConf string       `json:"orderTopicConf,omitempty"`
	QueueDatas     []QueueData  `json:"queueDatas"`
	BrokerDatas    []BrokerData `json:"brokerDatas"`
}

// TopicList is the body of the topic list requests.
type TopicList struct {
	TopicList  []string `json:"topicList"`
	BrokerAddr string   `json:"brokerAddr,omitempty"`
}

// Permission bits of topics and brokers.
const (
	PermInherit int32 = 1
	PermWrite   int32 = 2
	PermRead    int32 = 4
)

// PermString is RocketMQ's PermName.perm2String: "RW-", "R--", ...
func PermString(perm int32) string {
	b := []byte("---")
	if perm&PermRead != 0 {
		b[0] = 'R'
	}
	if perm&PermWrite != 0 {
		b[1] = 'W'
	}
	if perm&PermInherit != 0 {
		b[2] = 'X'
	}
	return string(b)
}

// TopicConfig is a topic's configuration on a broker.
type TopicConfig struct {
	TopicName       string            `json:"topicName"`
	ReadQueueNums   int32             `json:"readQueueNums"`
	WriteQueueNums  int32             `json:"writeQueueNums"`
	Perm            int32             `json:"perm"`
	TopicFilterType string            `json:"topicFilterType,omitempty"`
	TopicSysFlag    int32             `json:"topicSysFlag"`
	Order           bool              `json:"order"`
	Attributes      map[string]string `json:"attributes,omitempty"`
}

// DataVersion identifies one state of a broker's configuration tables.
type DataVersion struct {
	Timestamp    int64 `json:"timestamp"`
	Counter      int64 `json:"counter"`
	StateVersion int64 `json:"stateVersion,omitempty"`
}

// TopicConfigWrapper is GET_ALL_TOPIC_CONFIG's body
// (TopicConfigSerializeWrapper).
type TopicConfigWrapper struct {
	TopicConfigTable map[string]TopicConfig `json:"topicConfigTable"`
	DataVersion      DataVersion            `json:"dataVersion"`
}

// TopicOffset is one queue's offsets in a TopicStatsTable.
type TopicOffset struct {
	MinOffset           int64 `json:"minOffset"`
	MaxOffset           int64 `json:"maxOffset"`
	LastUpdateTimestamp int64 `json:"lastUpdateTimestamp"`
}

// TopicStatsTable is GET_TOPIC_STATS_INFO's body.
type TopicStatsTable struct {
	OffsetTable map[MessageQueue]TopicOffset `json:"offsetTable"`
	TopicPutTps float64                      `json:"topicPutTps"`
}

// OffsetWrapper is one queue's progress in a ConsumeStats: the queue's end
// (brokerOffset), the group's committed offset (consumerOffset), how far
// its consumers pulled (pullOffset) and the store time of the last
// consumed message.
type OffsetWrapper struct {
	BrokerOffset   int64 `json:"brokerOffset"`
	ConsumerOffset int64 `json:"consumerOffset"`
	PullOffset     int64 `json:"pullOffset"`
	LastTimestamp  int64 `json:"lastTimestamp"`
}

// ConsumeStats is GET_CONSUME_STATS's body: a group's progress per queue.
type ConsumeStats struct {
	OffsetTable map[MessageQueue]OffsetWrapper `json:"offsetTable"`
	ConsumeTps  float64                        `json:"consumeTps"`
}

// TotalDiff is RocketMQ's computeTotalDiff: the group's lag in messages.
func (s ConsumeStats) TotalDiff() int64 {
	var d int64
	for _, w := range s.OffsetTable {
		d += w.BrokerOffset - w.ConsumerOffset
	}
	return d
}

// ConsumeStatsList is GET_BROKER_CONSUME_STATS's body: every group's
// ConsumeStats per subscribed topic.
type ConsumeStatsList struct {
	ConsumeStatsList  []map[string][]ConsumeStats `json:"consumeStatsList"`
	BrokerAddr        string                      `json:"brokerAddr"`
	TotalDiff         int64                       `json:"totalDiff"`
	TotalInflightDiff int64                       `json:"totalInflightDiff"`
}

// Connection is one client connection of a group.
type Connection struct {
	ClientID   string `json:"clientId"`
	ClientAddr string `json:"clientAddr"`
	Language   string `json:"language"`
	Version    int32  `json:"version"`
}

// SubscriptionData is one topic subscription of a consumer group.
type SubscriptionData struct {
	ClassFilterMode bool     `json:"classFilterMode"`
	Topic           string   `json:"topic"`
	SubString       string   `json:"subString"`
	TagsSet         []string `json:"tagsSet"`
	CodeSet         []int32  `json:"codeSet"`
	SubVersion      int64    `json:"subVersion"`
	ExpressionType  string   `json:"expressionType"`
}

// ConsumerConnection is GET_CONSUMER_CONNECTION_LIST's body.
type ConsumerConnection struct {
	ConnectionSet     []Connection                `json:"connectionSet"`
	SubscriptionTable map[string]SubscriptionData `json:"subscriptionTable"`
	ConsumeType       string                      `json:"consumeType"`
	MessageModel      string                      `json:"messageModel"`
	ConsumeFromWhere  string                      `json:"consumeFromWhere"`
}

// ProducerConnection is GET_PRODUCER_CONNECTION_LIST's body.
type ProducerConnection struct {
	ConnectionSet []Connection `json:"connectionSet"`
}

// KVTable is GET_BROKER_RUNTIME_INFO's body: the broker's runtime
// statistics as strings (putTps, getTransferredTps, commitLogDiskRatio,
// msgPutTotalTodayNow, ...).
type KVTable struct {
	Table map[string]string `json:"table"`
}

// GroupList is QUERY_TOPIC_CONSUME_BY_WHO's body.
type GroupList struct {
	GroupList []string `json:"groupList"`
}

// SubscriptionGroupConfig is a consumer group's configuration on a broker.
// NewSubscriptionGroupConfig gives RocketMQ's defaults.
type SubscriptionGroupConfig struct {
	GroupName                      string            `json:"groupName"`
	ConsumeEnable                  bool              `json:"consumeEnable"`
	ConsumeFromMinEnable           bool              `json:"consumeFromMinEnable"`
	ConsumeBroadcastEnable         bool              `json:"consumeBroadcastEnable"`
	ConsumeMessageOrderly          bool              `json:"consumeMessageOrderly"`
	RetryQueueNums                 int32             `json:"retryQueueNums"`
	RetryMaxTimes                  int32             `json:"retryMaxTimes"`
	BrokerID                       int64             `json:"brokerId"`
	WhichBrokerWhenConsumeSlowly   int64             `json:"whichBrokerWhenConsumeSlowly"`
	NotifyConsumerIdsChangedEnable bool              `json:"notifyConsumerIdsChangedEnable"`
	GroupSysFlag                   int32             `json:"groupSysFlag"`
	ConsumeTimeoutMinute           int32             `json:"consumeTimeoutMinute"`
	Attributes                     map[string]string `json:"attributes,omitempty"`
}

// NewSubscriptionGroupConfig returns group's configuration with RocketMQ's
// defaults: consuming enabled, 1 retry queue, 16 retries, read from the
// master.
func NewSubscriptionGroupConfig(group string) SubscriptionGroupConfig {
	return SubscriptionGroupConfig{
		GroupName: group, ConsumeEnable: true, ConsumeFromMinEnable: true, ConsumeBroadcastEnable: true,
		RetryQueueNums: 1, RetryMaxTimes: 16, BrokerID: MasterID, WhichBrokerWhenConsumeSlowly: 1,
		NotifyConsumerIdsChangedEnable: true, ConsumeTimeoutMinute: 15,
	}
}

// SubscriptionGroupWrapper is GET_ALL_SUBSCRIPTIONGROUP_CONFIG's body.
type SubscriptionGroupWrapper struct {
	SubscriptionGroupTable map[string]SubscriptionGroupConfig `json:"subscriptionGroupTable"`
	DataVersion            DataVersion                        `json:"dataVersion"`
}

// ResetOffsetBody is INVOKE_BROKER_TO_RESET_OFFSET's body: the offset each
// queue was reset to.
type ResetOffsetBody struct {
	OffsetTable map[MessageQueue]int64 `json:"offsetTable"`
}

// BrokerStatsItem is one window of a BrokerStatsData.
type BrokerStatsItem struct {
	Sum   int64   `json:"sum"`
	Tps   float64 `json:"tps"`
	Avgpt float64 `json:"avgpt"`
}

// BrokerStatsData is VIEW_BROKER_STATS_DATA's body.
type BrokerStatsData struct {
	StatsMinute BrokerStatsItem `json:"statsMinute"`
	StatsHour   BrokerStatsItem `json:"statsHour"`
	StatsDay    BrokerStatsItem `json:"statsDay"`
}
