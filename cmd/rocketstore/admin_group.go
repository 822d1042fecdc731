package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rocketstore/rocketstore/admin"
)

func runUpdateSubGroup(e *adminEnv, args []string) error {
	var addr, cluster, group string
	var consumeEnable, fromMin, broadcast, orderly, retryQueues, retryMax, brokerID, slowly, notify, attrs string
	e.str(&addr, "b", "brokerAddr", "", "create the group on this broker")
	e.str(&cluster, "c", "clusterName", "", "create the group on every master of this cluster")
	e.str(&group, "g", "groupName", "", "consumer group name")
	e.str(&consumeEnable, "s", "consumeEnable", "", "consuming allowed (default true)")
	e.str(&fromMin, "m", "consumeFromMinEnable", "", "a new group starts from the min offset (default true)")
	e.str(&broadcast, "d", "consumeBroadcastEnable", "", "broadcast consuming allowed (default true)")
	e.fs.StringVar(&orderly, "consumeMessageOrderly", "", "orderly consuming (mqadmin -o; default false)")
	e.str(&retryQueues, "q", "retryQueueNums", "", "retry queues (default 1)")
	e.str(&retryMax, "r", "retryMaxTimes", "", "retries before the dead-letter queue (default 16)")
	e.str(&brokerID, "i", "brokerId", "", "broker id to consume from (default 0, the master)")
	e.str(&slowly, "w", "whichBrokerWhenConsumeSlowly", "", "broker id when consuming slowly (default 1)")
	e.str(&notify, "a", "notifyConsumerIdsChanged", "", "tell members when the group changes (default true)")
	e.fs.StringVar(&attrs, "attributes", "", "attributes, +key=value,+key=value")
	if err := e.parse(args, "g"); err != nil {
		return err
	}
	cfg := admin.NewSubscriptionGroupConfig(group)
	var err error
	for _, f := range []struct {
		name, v string
		dst     *bool
	}{{"s", consumeEnable, &cfg.ConsumeEnable}, {"m", fromMin, &cfg.ConsumeFromMinEnable}, {"d", broadcast, &cfg.ConsumeBroadcastEnable},
		{"consumeMessageOrderly", orderly, &cfg.ConsumeMessageOrderly}, {"a", notify, &cfg.NotifyConsumerIdsChangedEnable}} {
		if *f.dst, err = parseBoolFlag(f.name, f.v, *f.dst); err != nil {
			return err
		}
	}
	ints := []struct {
		name, v string
		def     int64
		set     func(int64)
	}{
		{"q", retryQueues, int64(cfg.RetryQueueNums), func(n int64) { cfg.RetryQueueNums = int32(n) }},
		{"r", retryMax, int64(cfg.RetryMaxTimes), func(n int64) { cfg.RetryMaxTimes = int32(n) }},
		{"i", brokerID, cfg.BrokerID, func(n int64) { cfg.BrokerID = n }},
		{"w", slowly, cfg.WhichBrokerWhenConsumeSlowly, func(n int64) { cfg.WhichBrokerWhenConsumeSlowly = n }},
	}
	for _, f := range ints {
		n, err := parseIntFlag(f.name, f.v, f.def)
		if err != nil {
			return err
		}
		f.set(n)
	}
	if cfg.Attributes, err = parseAttributes(attrs); err != nil {
		return err
	}
	targets, err := e.brokerTargets(addr, cluster, false)
	if err != nil {
		return err
	}
	return e.applyToBrokers(targets, "create subscription group to %s success.", func(a string) error {
		return e.client.UpdateSubscriptionGroup(e.ctx, a, cfg)
	})
}

func runDeleteSubGroup(e *adminEnv, args []string) error {
	var addr, cluster, group, removeOffset string
	e.str(&addr, "b", "brokerAddr", "", "delete the group from this broker")
	e.str(&cluster, "c", "clusterName", "", "delete the group from every master of this cluster")
	e.str(&group, "g", "groupName", "", "consumer group name")
	e.str(&removeOffset, "r", "removeOffset", "", "delete the group's offsets too (default false)")
	if err := e.parse(args, "g"); err != nil {
		return err
	}
	clean, err := parseBoolFlag("r", removeOffset, false)
	if err != nil {
		return err
	}
	targets, err := e.brokerTargets(addr, cluster, false)
	if err != nil {
		return err
	}
	return e.applyToBrokers(targets, "delete subscription group ["+group+"] from broker [%s] success.", func(a string) error {
		return e.client.DeleteSubscriptionGroup(e.ctx, a, group, clean)
	})
}

// groupSummary is one group of consumerProgress without -g.
type groupSummary struct {
	Group     string  `json:"group"`
	Count     int     `json:"count"`
	Version   string  `json:"version"`
	Type      string  `json:"type"`
	Model     string  `json:"model"`
	TPS       float64 `json:"tps"`
	DiffTotal int64   `json:"diffTotal"`
	Error     string  `json:"error,omitempty"`
}

func runConsumerProgress(e *adminEnv, args []string) error {
	var group, topic string
	e.str(&group, "g", "groupName", "", "consumer group (all groups when unset)")
	e.str(&topic, "t", "topicName", "", "only this topic")
	if err := e.parse(args, "n"); err != nil {
		return err
	}
	if group == "" {
		return runAllGroupsProgress(e)
	}
	p, err := e.client.ConsumerProgress(e.ctx, group, topic)
	if err != nil {
		return err
	}
	return e.emit(p, func(t *tableWriter) {
		t.row("#Topic", "#Broker Name", "#QID", "#Broker Offset", "#Consumer Offset", "#Diff", "#Inflight", "#LastTime")
		for _, q := range p.Queues {
			t.row(q.Queue.Topic, q.Queue.BrokerName, q.Queue.QueueID, q.BrokerOffset, q.ConsumerOffset, q.Diff, q.Inflight, formatMillis(q.LastTimestamp))
		}
		t.line("")
		t.line("Consume TPS: %.2f", p.ConsumeTps)
		t.line("Consume Diff Total: %d", p.DiffTotal)
		t.line("Consume Inflight Total: %d", p.InflightTotal)
	})
}

// runAllGroupsProgress lists every group that has a retry topic, as
// mqadmin consumerProgress without -g.
func runAllGroupsProgress(e *adminEnv) error {
	topics, err := e.client.TopicList(e.ctx)
	if err != nil {
		return err
	}
	var rows []groupSummary
	for _, topic := range topics {
		group, ok := strings.CutPrefix(topic, "%RETRY%")
		if !ok {
			continue
		}
		row := groupSummary{Group: group, Version: "OFFLINE"}
		if p, err := e.client.ConsumerProgress(e.ctx, group, ""); err != nil {
			row.Error = err.Error()
		} else {
			row.TPS, row.DiffTotal = p.ConsumeTps, p.DiffTotal
		}
		// A group without live members is OFFLINE, not an error.
		if cc, err := e.client.ConsumerConnection(e.ctx, group); err == nil && len(cc.ConnectionSet) > 0 {
			row.Count, row.Type, row.Model = len(cc.ConnectionSet), consumeTypeDesc(cc.ConsumeType), cc.MessageModel
			row.Version = minVersion(cc.ConnectionSet)
		}
		rows = append(rows, row)
	}
	return e.emit(rows, func(t *tableWriter) {
		t.row("#Group", "#Count", "#Version", "#Type", "#Model", "#TPS", "#Diff Total")
		for _, r := range rows {
			diff := fmt.Sprint(r.DiffTotal)
			if r.Error != "" {
				diff = "error: " + r.Error
			}
			t.row(r.Group, r.Count, r.Version, r.Type, r.Model, fmt.Sprintf("%.0f", r.TPS), diff)
		}
	})
}

// consumeTypeDesc is mqadmin's short form: PUSH or PULL.
func consumeTypeDesc(t string) string {
	switch t {
	case "CONSUME_PASSIVELY":
		return "PUSH"
	case "CONSUME_ACTIVELY":
		return "PULL"
	}
	return t
}

// minVersion is the lowest client version of a group's connections.
func minVersion(conns []admin.Connection) string {
	v := conns[0].Version
	for _, c := range conns[1:] {
		v = min(v, c.Version)
	}
	return fmt.Sprint(v)
}

func runConsumerConnection(e *adminEnv, args []string) error {
	var group, addr string
	e.str(&group, "g", "consumerGroup", "", "consumer group name")
	e.str(&addr, "b", "brokerAddr", "", "ask this broker (default: the group's brokers)")
	if err := e.parse(args, "g"); err != nil {
		return err
	}
	var cc admin.ConsumerConnection
	var err error
	if addr != "" {
		cc, err = e.client.ConsumerConnectionOf(e.ctx, addr, group)
	} else {
		cc, err = e.client.ConsumerConnection(e.ctx, group)
	}
	if err != nil {
		return err
	}
	return e.emit(cc, func(t *tableWriter) {
		t.row("#ClientId", "#ClientAddr", "#Language", "#Version")
		for _, c := range cc.ConnectionSet {
			t.row(c.ClientID, c.ClientAddr, c.Language, c.Version)
		}
		t.line("")
		t.line("Below is subscription:")
		t.row("#Topic", "#SubExpression")
		for _, topic := range slices.Sorted(maps.Keys(cc.SubscriptionTable)) {
			t.row(topic, cc.SubscriptionTable[topic].SubString)
		}
		t.line("")
		t.line("ConsumeType: %s", cc.ConsumeType)
		t.line("MessageModel: %s", cc.MessageModel)
		t.line("ConsumeFromWhere: %s", cc.ConsumeFromWhere)
	})
}

func runProducerConnection(e *adminEnv, args []string) error {
	var group, topic string
	e.str(&group, "g", "producerGroup", "", "producer group name")
	e.str(&topic, "t", "topic", "", "a topic the group sends to (its route names the brokers)")
	if err := e.parse(args, "n", "g", "t"); err != nil {
		return err
	}
	pc, err := e.client.ProducerConnection(e.ctx, group, topic)
	if err != nil {
		return err
	}
	return e.emit(pc, func(t *tableWriter) {
		for i, c := range pc.ConnectionSet {
			t.row(fmt.Sprintf("%04d", i+1), c.ClientID, c.ClientAddr, c.Language, c.Version)
		}
	})
}

func runResetOffsetByTime(e *adminEnv, args []string) error {
	var group, topic, stamp, force, addr, queue, offset string
	e.str(&group, "g", "group", "", "consumer group")
	e.str(&topic, "t", "topic", "", "topic")
	e.str(&stamp, "s", "timestamp", "", "now, milliseconds since the epoch, or yyyy-MM-dd#HH:mm:ss:SSS")
	e.str(&force, "f", "force", "", "also move offsets forward (default true)")
	e.str(&addr, "b", "broker", "", "with -q: only this broker's queue")
	e.str(&queue, "q", "queue", "", "with -b: only this queue id")
	e.fs.StringVar(&offset, "offset", "", "with -b and -q: this offset instead of the time's (mqadmin -o)")
	if err := e.parse(args, "g", "t"); err != nil {
		return err
	}
	if addr != "" || queue != "" {
		return resetOneQueue(e, group, topic, stamp, addr, queue, offset)
	}
	if stamp == "" {
		return usageError("-s is required")
	}
	ts, err := parseTimestamp(stamp, time.Now())
	if err != nil {
		return err
	}
	isForce, err := parseBoolFlag("f", force, true)
	if err != nil {
		return err
	}
	return e.resetOffsets(group, topic, ts, isForce)
}

func runSkipAccumulated(e *adminEnv, args []string) error {
	var group, topic, force string
	e.str(&group, "g", "group", "", "consumer group")
	e.str(&topic, "t", "topic", "", "topic")
	e.str(&force, "f", "force", "", "kept for mqadmin; skipping always moves forward")
	if err := e.parse(args, "n", "g", "t"); err != nil {
		return err
	}
	return e.resetOffsets(group, topic, admin.SkipToEnd, true)
}

func (e *adminEnv) resetOffsets(group, topic string, ts int64, force bool) error {
	if e.namesrv == "" {
		return usageError("-n is required")
	}
	resets, err := e.client.ResetOffsetByTime(e.ctx, group, topic, ts, force)
	if err != nil {
		return err
	}
	return e.emit(resets, func(t *tableWriter) {
		t.row("#brokerName", "#queueId", "#offset", "#how")
		for _, r := range resets {
			how := "reset by the broker"
			if r.Direct {
				how = "committed directly (no consumer online)"
			}
			for _, q := range r.Queues {
				t.row(q.Queue.BrokerName, q.Queue.QueueID, q.Offset, how)
			}
		}
	})
}

// resetOneQueue is resetOffsetByTime -b -q: one queue to an offset or to
// the offset of a time.
func resetOneQueue(e *adminEnv, group, topic, stamp, addr, queue, offsetFlag string) error {
	if addr == "" || queue == "" {
		return usageError("-b and -q go together")
	}
	q, err := parseIntFlag("q", queue, 0)
	if err != nil {
		return err
	}
	off, err := parseIntFlag("offset", offsetFlag, -1)
	if err != nil {
		return err
	}
	if off < 0 {
		if stamp == "" {
			return usageError("-s or -offset is required")
		}
		ts, err := parseTimestamp(stamp, time.Now())
		if err != nil {
			return err
		}
		if off, err = e.client.SearchOffset(e.ctx, addr, topic, int32(q), ts); err != nil {
			return err
		}
	}
	if err := e.client.ResetQueueOffset(e.ctx, addr, group, topic, int32(q), off); err != nil {
		return err
	}
	res := admin.QueueOffsetRef{Queue: admin.MessageQueue{Topic: topic, QueueID: int32(q)}, Offset: off}
	return e.emit(res, func(t *tableWriter) {
		t.line("reset consumer offset to %d", off)
	})
}
