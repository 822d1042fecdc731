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

// QuoteObjectKeys turns fastjson text into JSON: every object used as a map
// key becomes a string holding that object's JSON, so that
// {{"brokerName":"b","queueId":0,"topic":"T"}:5} becomes
// {"{\"brokerName\":\"b\",\"queueId\":0,\"topic\":\"T\"}":5}. Decode the
// result with encoding/json, and each key with ParseQueueKey. JSON input
// comes back unchanged.
func QuoteObjectKeys(body []byte) ([]byte, error) {
	out := make([]byte, 0, len(body)+len(body)/4)
	// expectKey[depth] is true inside an object where a key comes next.
	var expectKey []bool
	for i := 0; i < len(body); i++ {
		ch := body[i]
		switch {
		case ch == '"':
			j, err := stringEnd(body, i)
			if err != nil {
				return nil, err
			}
			out = append(out, body[i:j]...)
			i = j - 1
			continue
		case ch == '{' && len(expectKey) > 0 && expectKey[len(expectKey)-1]:
			j, err := valueEnd(body, i)
			if err != nil {
				return nil, err
			}
			key := body[i:j]
			if !json.Valid(key) {
				return nil, fmt.Errorf("%w: key %q", ErrFastJSON, key)
			}
			out = appendJSONString(out, string(key))
			expectKey[len(expectKey)-1] = false
			i = j - 1
			continue
		case ch == '{':
			expectKey = append(expectKey, true)
		case ch == '[':
			expectKey = append(expectKey, false)
		case ch == '}' || ch == ']':
			if len(expectKey) == 0 {
				return nil, fmt.Errorf("%w: unbalanced %q at %d", ErrFastJSON, ch, i)
			}
			expectKey = expectKey[:len(expectKey)-1]
		case ch == ':' && len(expectKey) > 0:
			expectKey[len(expectKey)-1] = false
		case ch == ',' && len(expectKey) > 0:
			// In an object the next item is a key; in an array a value.
			if isObject(out) {
				expectKey[len(expectKey)-1] = true
			}
		}
		out = append(out, ch)
	}
	if !json.Valid(out) {
		return nil, ErrFastJSON
	}
	return out, nil
}

// isObject reports whether the innermost open bracket of out is an object.
func isObject(out []byte) bool {
	depth := 0
	inString := false
	for i := len(out) - 1; i >= 0; i-- {
		ch := out[i]
		if ch == '"' && !escaped(out, i) {
			inString = !inString
			continue
		}
		if inString {
			continue
		}
		switch ch {
		case '}', ']':
			depth++
		case '{', '[':
			if depth == 0 {
				return ch == '{'
			}
			depth--
		}
	}
	return false
}

// escaped reports whether the quote at i is preceded by an odd number of
// backslashes.
func escaped(b []byte, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// stringEnd returns the index just past the string starting at i.
func stringEnd(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("%w: unterminated string at %d", ErrFastJSON, i)
}

// valueEnd returns the index just past the object or array starting at i.
func valueEnd(b []byte, i int) (int, error) {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			k, err := stringEnd(b, j)
			if err != nil {
				return 0, err
			}
			j = k - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: unterminated key at %d", ErrFastJSON, i)
}

// ParseQueueKey decodes a key QuoteObjectKeys produced from a MessageQueue.
func ParseQueueKey(key string) (MessageQueue, error) {
	var mq MessageQueue
	d := json.NewDecoder(bytes.NewReader([]byte(key)))
	d.DisallowUnknownFields()
	if err := d.Decode(&mq); err != nil {
		return mq, fmt.Errorf("%w: queue key %q: %v", ErrFastJSON, key, err)
	}
	return mq, nil
}
