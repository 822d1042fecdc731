package remoting

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// RocketMQ's Java side writes bodies with fastjson, which writes a map whose
// keys are objects (Map<MessageQueue, V> in TopicStatsTable, ConsumeStats,
// ResetOffsetBody...) with the key object itself in the key's place:
//
//	{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"maxOffset":5}}}
//
// That is not JSON, but it is what RocketMQ's clients, tools and dashboards
// parse (rocketmq-client-go reads ResetOffsetBody this way). The helpers
// here write such keys, and turn such text into JSON for decoding.

// MessageQueue is RocketMQ's MessageQueue, with its JSON field names.
type MessageQueue struct {
	Topic      string `json:"topic"`
	BrokerName string `json:"brokerName"`
	QueueID    int32  `json:"queueId"`
}

// AppendQueueKey appends mq as fastjson writes it as a map key: an object
// with its fields in alphabetical order, followed by the colon.
func AppendQueueKey(dst []byte, mq MessageQueue) []byte {
	dst = append(dst, `{"brokerName":`...)
	dst = appendJSONString(dst, mq.BrokerName)
	dst = append(dst, `,"queueId":`...)
	dst = strconv.AppendInt(dst, int64(mq.QueueID), 10)
	dst = append(dst, `,"topic":`...)
	dst = appendJSONString(dst, mq.Topic)
	return append(dst, "}:"...)
}

// ErrFastJSON reports text that is neither JSON nor fastjson's object-keyed
// maps.
var ErrFastJSON = errors.New("remoting: malformed fastjson body")

// ParseQueueKey decodes a key NormalizeFastJSON produced from a MessageQueue.
func ParseQueueKey(key string) (MessageQueue, error) {
	var mq MessageQueue
	d := json.NewDecoder(bytes.NewReader([]byte(key)))
	d.DisallowUnknownFields()
	if err := d.Decode(&mq); err != nil {
		return mq, fmt.Errorf("%w: queue key %q: %v", ErrFastJSON, key, err)
	}
	return mq, nil
}
