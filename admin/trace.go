package admin

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rocketstore/rocketstore/remoting"
)

// DefaultTraceTopic is where RocketMQ clients write message traces when
// no trace topic is configured.
const DefaultTraceTopic = "RMQ_SYS_TRACE_TOPIC"

// Trace records are text: records end with fieldSplitter, a record's
// fields are separated by contentSplitter (RocketMQ's TraceConstants).
const (
	contentSplitter = "\x01"
	fieldSplitter   = "\x02"
)

// TraceEvent is one step in a message's life as a client traced it: its
// send (Pub), a consumer receiving it (SubBefore) and finishing with it
// (SubAfter), a transaction's end (EndTransaction).
type TraceEvent struct {
	Type        string `json:"type"`
	Timestamp   int64  `json:"timestamp,omitempty"` // ms
	RegionID    string `json:"regionId,omitempty"`
	GroupName   string `json:"groupName,omitempty"`
	RequestID   string `json:"requestId,omitempty"`
	MsgID       string `json:"msgId"`
	OffsetMsgID string `json:"offsetMsgId,omitempty"`
	Topic       string `json:"topic,omitempty"`
	Tags        string `json:"tags,omitempty"`
	Keys        string `json:"keys,omitempty"`
	StoreHost   string `json:"storeHost,omitempty"`
	// ClientHost is the host the trace names, or else the host that sent
	// the trace record.
	ClientHost       string `json:"clientHost,omitempty"`
	BodyLength       int    `json:"bodyLength,omitempty"`
	CostTime         int64  `json:"costTime"` // ms
	Success          bool   `json:"success"`
	RetryTimes       int    `json:"retryTimes,omitempty"`
	ContextCode      int    `json:"contextCode,omitempty"`
	TransactionID    string `json:"transactionId,omitempty"`
	TransactionState string `json:"transactionState,omitempty"`
}

// Status is "success" or "failed", as mqadmin prints it.
func (e TraceEvent) Status() string {
	if e.Success {
		return "success"
	}
	return "failed"
}

// decodeTraces reads the records of a trace message's body, keeping those
// about msgID. bornHost fills ClientHost when a record names none. Records
// it cannot read (a type it does not know, too few fields) are skipped, as
// RocketMQ's decoder does.
func decodeTraces(body, msgID, bornHost string) []TraceEvent {
	var out []TraceEvent
	for _, rec := range strings.Split(body, fieldSplitter) {
		f := strings.Split(rec, contentSplitter)
		e, ok := decodeTrace(f)
		if !ok || e.MsgID != msgID {
			continue
		}
		if e.ClientHost == "" {
			e.ClientHost = bornHost
		}
		out = append(out, e)
	}
	return out
}

func decodeTrace(f []string) (TraceEvent, bool) {
	at := func(i int) string {
		if i < len(f) {
			return f[i]
		}
		return ""
	}
	num := func(i int) int64 { n, _ := strconv.ParseInt(at(i), 10, 64); return n }
	e := TraceEvent{Type: f[0]}
	switch f[0] {
	case "Pub":
		if len(f) < 12 {
			return e, false
		}
		e.Timestamp, e.RegionID, e.GroupName = num(1), f[2], f[3]
		e.Topic, e.MsgID, e.Tags, e.Keys, e.StoreHost = f[4], f[5], f[6], f[7], f[8]
		e.BodyLength, e.CostTime = int(num(9)), num(10)
		switch len(f) {
		case 13:
			e.Success = f[12] == "true"
		default:
			e.OffsetMsgID, e.Success, e.ClientHost = at(12), at(13) == "true", at(14)
		}
	case "SubBefore":
		if len(f) < 8 {
			return e, false
		}
		e.Timestamp, e.RegionID, e.GroupName, e.RequestID = num(1), f[2], f[3], f[4]
		e.MsgID, e.RetryTimes, e.Keys, e.ClientHost = f[5], int(num(6)), f[7], at(8)
		e.Success = true
	case "SubAfter":
		if len(f) < 6 {
			return e, false
		}
		e.RequestID, e.MsgID, e.CostTime, e.Success, e.Keys = f[1], f[2], num(3), f[4] == "true", f[5]
		e.ContextCode, e.Timestamp, e.GroupName = int(num(6)), num(7), at(8)
	case "EndTransaction":
		if len(f) < 13 {
			return e, false
		}
		e.Timestamp, e.RegionID, e.GroupName = num(1), f[2], f[3]
		e.Topic, e.MsgID, e.Tags, e.Keys, e.StoreHost = f[4], f[5], f[6], f[7], f[8]
		e.TransactionID, e.TransactionState = f[10], f[11]
		e.Success = true
	default:
		return e, false
	}
	if e.Keys == "null" {
		e.Keys = ""
	}
	return e, true
}

// QueryTrace finds the trace of a message by its id in a trace topic
// (DefaultTraceTopic when ""): the trace records are indexed by the traced
// message's id. Events are ordered by time, sends first.
func (c *Client) QueryTrace(ctx context.Context, traceTopic, msgID string, opts QueryOptions) ([]TraceEvent, error) {
	if traceTopic == "" {
		traceTopic = DefaultTraceTopic
	}
	msgs, err := c.QueryMessageByKey(ctx, traceTopic, msgID, opts)
	if IsCode(err, remoting.ResponseTopicNotExist) {
		return nil, fmt.Errorf("%w: the trace topic %s does not exist: no client has sent traces (enable tracing in the clients)", ErrNotFound, traceTopic)
	}
	if err != nil {
		return nil, err
	}
	var out []TraceEvent
	for _, m := range msgs {
		out = append(out, decodeTraces(string(m.Body), msgID, hostOnly(m.BornHost))...)
	}
	slices.SortStableFunc(out, func(a, b TraceEvent) int {
		return cmp.Or(cmp.Compare(traceOrder(a.Type), traceOrder(b.Type)), cmp.Compare(a.Timestamp, b.Timestamp))
	})
	return out, nil
}

func traceOrder(t string) int {
	switch t {
	case "Pub":
		return 0
	case "EndTransaction":
		return 1
	case "SubBefore":
		return 2
	}
	return 3
}

// hostOnly drops the port of a "host:port".
func hostOnly(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		return strings.Trim(addr[:i], "[]")
	}
	return addr
}
