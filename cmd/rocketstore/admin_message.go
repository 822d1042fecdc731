package main

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rocketstore/rocketstore/admin"
)

// bodyText is a body as text, or a note saying why it is not printed.
func bodyText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return fmt.Sprintf("(%d bytes, not UTF-8; -o json carries them in base64)", len(b))
}

func printMessage(t *tableWriter, m admin.Message) {
	t.row("OffsetID:", m.OffsetMsgID)
	t.row("MsgID:", m.MsgID)
	t.row("Topic:", m.Topic)
	t.row("Tags:", "["+m.Tags+"]")
	t.row("Keys:", "["+strings.Join(m.Keys, " ")+"]")
	t.row("Queue ID:", m.QueueID)
	t.row("Queue Offset:", m.QueueOffset)
	t.row("CommitLog Offset:", m.CommitLogOffset)
	t.row("Reconsume Times:", m.ReconsumeTimes)
	t.row("Born Timestamp:", formatMillis(m.BornTimestamp))
	t.row("Store Timestamp:", formatMillis(m.StoreTimestamp))
	t.row("Born Host:", m.BornHost)
	t.row("Store Host:", m.StoreHost)
	t.row("System Flag:", m.SysFlag)
	t.row("Properties:", formatProps(m.Properties))
	t.row("Message Body:", bodyText(m.Body))
}

// formatProps prints properties as {k=v, ...}, sorted.
func formatProps(p map[string]string) string {
	parts := make([]string, 0, len(p))
	for _, k := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, k+"="+p[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func runQueryMsgByID(e *adminEnv, args []string) error {
	var topic, id string
	e.str(&topic, "t", "topic", "", "topic (needed for a unique id)")
	e.str(&id, "i", "msgId", "", "message id: an offset id, or the producer's unique id")
	if err := e.parse(args, "i"); err != nil {
		return err
	}
	if topic != "" && e.namesrv == "" {
		return usageError("-n is required with -t")
	}
	m, err := e.client.QueryMessageByID(e.ctx, topic, id)
	if err != nil {
		return err
	}
	return e.emit(m, func(t *tableWriter) { printMessage(t, m) })
}

// queryOptions reads the shared -b -e -m flags of the look-ups.
func queryOptions(begin, end, maxNum string) (admin.QueryOptions, error) {
	var o admin.QueryOptions
	var err error
	if o.Begin, err = parseIntFlag("b", begin, 0); err != nil {
		return o, err
	}
	if o.End, err = parseIntFlag("e", end, math.MaxInt64); err != nil {
		return o, err
	}
	n, err := parseIntFlag("m", maxNum, 64)
	o.MaxNum = int(n)
	return o, err
}

func runQueryMsgByKey(e *adminEnv, args []string) error {
	var topic, key, begin, end, maxNum string
	e.str(&topic, "t", "topic", "", "topic")
	e.str(&key, "k", "msgKey", "", "message key")
	e.str(&begin, "b", "beginTimestamp", "", "earliest store time, ms (default 0)")
	e.str(&end, "e", "endTimestamp", "", "latest store time, ms (default no bound)")
	e.str(&maxNum, "m", "maxNum", "", "most messages per broker (default 64)")
	if err := e.parse(args, "n", "t", "k"); err != nil {
		return err
	}
	opts, err := queryOptions(begin, end, maxNum)
	if err != nil {
		return err
	}
	msgs, err := e.client.QueryMessageByKey(e.ctx, topic, key, opts)
	if err != nil {
		return err
	}
	return e.emit(msgs, func(t *tableWriter) {
		t.row("#Message ID", "#QID", "#Offset")
		for _, m := range msgs {
			t.row(m.MsgID, m.QueueID, m.QueueOffset)
		}
	})
}

func runQueryMsgTraceByID(e *adminEnv, args []string) error {
	var id, traceTopic, begin, end, maxNum string
	e.str(&id, "i", "msgId", "", "message id (the producer's unique id)")
	e.str(&traceTopic, "t", "traceTopic", admin.DefaultTraceTopic, "trace topic")
	e.str(&begin, "b", "beginTimestamp", "", "earliest store time, ms (default 0)")
	e.str(&end, "e", "endTimestamp", "", "latest store time, ms (default no bound)")
	e.str(&maxNum, "c", "maxNum", "", "most trace messages per broker (default 64)")
	if err := e.parse(args, "n", "i"); err != nil {
		return err
	}
	opts, err := queryOptions(begin, end, maxNum)
	if err != nil {
		return err
	}
	events, err := e.client.QueryTrace(e.ctx, traceTopic, id, opts)
	if err != nil {
		return err
	}
	return e.emit(events, func(t *tableWriter) {
		t.row("#Type", "#Group", "#ClientHost", "#Time", "#CostTimes", "#Status")
		for _, ev := range events {
			t.row(ev.Type, ev.GroupName, ev.ClientHost, formatMillis(ev.Timestamp), fmt.Sprintf("%dms", ev.CostTime), ev.Status())
		}
	})
}

func runPrintMsg(e *adminEnv, args []string) error {
	var topic, sub, begin, end, printBody string
	e.str(&topic, "t", "topic", "", "topic")
	e.str(&sub, "s", "subExpression", "*", "tag expression, e.g. TagA || TagB")
	e.str(&begin, "b", "beginTimestamp", "", "first store time, ms (default: each queue's first message)")
	e.str(&end, "e", "endTimestamp", "", "last store time, ms (default: each queue's end)")
	e.str(&printBody, "d", "printBody", "", "print bodies (default true)")
	if err := e.parse(args, "n", "t"); err != nil {
		return err
	}
	withBody, err := parseBoolFlag("d", printBody, true)
	if err != nil {
		return err
	}
	var r admin.TimeRange
	if r.Begin, err = parseIntFlag("b", begin, 0); err != nil {
		return err
	}
	if r.End, err = parseIntFlag("e", end, 0); err != nil {
		return err
	}
	msgs, err := e.client.ScanTopic(e.ctx, topic, sub, r)
	if err != nil {
		return err
	}
	if !withBody {
		for i := range msgs {
			msgs[i].Body = nil
		}
	}
	return e.emit(msgs, func(t *tableWriter) {
		t.row("#Message ID", "#Broker Name", "#QID", "#Offset", "#Tags", "#Keys", "#Store Time", "#Body")
		for _, m := range msgs {
			body := ""
			if withBody {
				body = bodyText(m.Body)
			}
			t.row(m.MsgID, m.BrokerName, m.QueueID, m.QueueOffset, m.Tags, strings.Join(m.Keys, " "), formatMillis(m.StoreTimestamp), body)
		}
	})
}
