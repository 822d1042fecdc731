package broker

import (
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// handleGetRuntimeInfo answers GET_BROKER_RUNTIME_INFO: a KVTable
// ({"table": {...}}) with the keys RocketMQ's AdminBrokerProcessor and
// DefaultMessageStore report, as far as the broker has them.
func (b *Broker) handleGetRuntimeInfo(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	log := b.store.CommitLog()
	now := time.Now()
	t := map[string]string{}
	i64 := func(k string, v int64) { t[k] = strconv.FormatInt(v, 10) }
	t["brokerVersionDesc"] = brokerVersionDesc
	t["brokerVersion"] = strconv.Itoa(int(remoting.DefaultVersion))
	t["brokerActive"] = strconv.FormatBool(b.isMaster())
	if b.stats != nil {
		putNow, putMorning, putYester, getNow, getMorning, getYester := b.stats.totals()
		i64("msgPutTotalTodayNow", putNow)
		i64("msgPutTotalTodayMorning", putMorning)
		i64("msgPutTotalYesterdayMorning", putYester)
		i64("msgGetTotalTodayNow", getNow)
		i64("msgGetTotalTodayMorning", getMorning)
		i64("msgGetTotalYesterdayMorning", getYester)
		t["putTps"], t["getTotalTps"], t["getTransferredTps"] = b.stats.rates()
		i64("putMessageTimesTotal", putNow)
		i64("bootTimestamp", b.stats.started.UnixMilli())
	}
	i64("dispatchBehindBytes", b.store.DispatchBehindBytes())
	i64("pageCacheLockTimeMills", log.LockHeldFor(now).Milliseconds())
	i64("commitLogMinOffset", log.MinOffset())
	i64("commitLogMaxOffset", log.MaxOffset())
	i64("remainHowManyDataToFlush", max(log.MaxOffset()-log.FlushedOffset(), 0))
	i64("remainHowManyDataToCommit", max(log.MaxOffset()-log.CommittedOffset(), 0))
	if free, on := log.TransientPoolAvailable(); on {
		i64("remainTransientStoreBufferNumbs", int64(free))
	} else {
		i64("remainTransientStoreBufferNumbs", 2147483647) // Integer.MAX_VALUE without a pool, as RocketMQ
	}
	if free, total, err := diskSpace(b.store.Root()); err == nil && total > 0 {
		ratio := float64(total-free) / float64(total)
		t["commitLogDiskRatio"] = strconv.FormatFloat(ratio, 'f', -1, 64)
		t["consumeQueueDiskRatio"] = t["commitLogDiskRatio"]
		t["commitLogDirCapacity"] = fmt.Sprintf("Total : %s, Free : %s.", humanBytes(total), humanBytes(free))
	}
	if rec, err := b.store.LookMessageByOffset(log.MinOffset()); err == nil {
		i64("earliestMessageTimeStamp", rec.StoreTimestamp)
	}
	i64("startAcceptSendRequestTimeStamp", 0)
	for name, p := range b.namedPools {
		i64(name+"ThreadPoolQueueSize", int64(p.Queued()))
		i64(name+"ThreadPoolQueueCapacity", int64(p.Capacity()))
	}
	if m := b.haMaster.Load(); m != nil {
		i64("haConnectionNum", int64(len(m.Slaves())))
	}
	t["brokerPermission"] = strconv.Itoa(b.brokerPermission())
	return jsonResponse(req, struct {
		Table map[string]string `json:"table"`
	}{t})
}

// brokerVersionDesc is what GET_BROKER_RUNTIME_INFO reports as the version:
// RocketMQ's description of the protocol version the broker speaks, and the
// module's build version.
var brokerVersionDesc = func() string {
	v := "V4_9_4"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v += " (rocketstore " + bi.Main.Version + ")"
	}
	return v
}()

// humanBytes writes n as RocketMQ's UtilAll.humanReadableByteCount does
// (binary units).
func humanBytes(n uint64) string {
	if n < 1024 {
		return strconv.FormatUint(n, 10) + " B"
	}
	exp, div := 0, uint64(1024)
	for m := n / 1024; m >= 1024 && exp < 5; m /= 1024 {
		div *= 1024
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// topicOffset is RocketMQ's TopicOffset.
type topicOffset struct {
	MinOffset           int64 `json:"minOffset"`
	MaxOffset           int64 `json:"maxOffset"`
	LastUpdateTimestamp int64 `json:"lastUpdateTimestamp"`
}

// handleGetTopicStats answers GET_TOPIC_STATS_INFO: each queue's offsets and
// last store time, as a TopicStatsTable (offsetTable keyed by MessageQueue,
// in fastjson's shape).
func (b *Broker) handleGetTopicStats(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	topic, err := req.Field("topic")
	if err != nil {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, err)
	}
	tc, ok := b.topics.get(topic)
	if !ok {
		return b.refuse(c, req, remoting.ResponseTopicNotExist, fmt.Errorf("topic[%s] not exist", topic))
	}
	body := []byte(`{"offsetTable":{`)
	for q := range int32(max(tc.ReadQueueNums, tc.WriteQueueNums)) {
		o := topicOffset{MinOffset: max(b.store.GetMinOffsetInQueue(topic, q), 0), MaxOffset: max(b.store.GetMaxOffsetInQueue(topic, q), 0)}
		if o.MaxOffset > 0 {
			// 0 when the last record cannot be read, as RocketMQ reports it.
			o.LastUpdateTimestamp, _ = b.store.GetMessageStoreTimestamp(topic, q, o.MaxOffset-1)
		}
		body = b.appendQueueEntry(body, q > 0, topic, q, o)
	}
	body = append(body, `},"topicPutTps":`...)
	body = strconv.AppendFloat(body, b.topicPutTps(topic), 'f', -1, 64)
	body = append(body, '}')
	return bodyResponse(req, body)
}

// topicPutTps is a topic's sends per second over the last minute.
func (b *Broker) topicPutTps(topic string) float64 {
	if b.stats == nil {
		return 0
	}
	d, _ := b.stats.view(statsTopicPutNums, topic)
	return d.StatsMinute.Tps
}

// appendQueueEntry appends one entry of a Map<MessageQueue, V> in fastjson's
// shape: the queue object as key, then v's JSON.
func (b *Broker) appendQueueEntry(dst []byte, comma bool, topic string, queue int32, v any) []byte {
	if comma {
		dst = append(dst, ',')
	}
	dst = remoting.AppendQueueKey(dst, remoting.MessageQueue{Topic: topic, BrokerName: b.opts.BrokerName, QueueID: queue})
	return appendJSON(dst, v)
}

// offsetWrapper is RocketMQ's OffsetWrapper: a group's position in a queue.
type offsetWrapper struct {
	BrokerOffset   int64 `json:"brokerOffset"`
	ConsumerOffset int64 `json:"consumerOffset"`
	PullOffset     int64 `json:"pullOffset"`
	LastTimestamp  int64 `json:"lastTimestamp"`
}

// consumeStats computes group's ConsumeStats over topics: per queue the
// broker's max offset and the group's committed offset (the lag is their
// difference), as RocketMQ's getConsumeStats. It returns the body and the
// total lag.
func (b *Broker) consumeStats(group string, topics []string) ([]byte, int64) {
	slices.Sort(topics)
	body := []byte(`{"consumeTps":`)
	tps := 0.0
	if b.stats != nil {
		for _, t := range topics {
			d, _ := b.stats.view(statsGroupGetNums, t+"@"+group)
			tps += d.StatsMinute.Tps
		}
	}
	body = strconv.AppendFloat(body, tps, 'f', -1, 64)
	body = append(body, `,"offsetTable":{`...)
	var diff int64
	n := 0
	for _, topic := range topics {
		tc, ok := b.topics.get(topic)
		if !ok {
			continue
		}
		for q := range int32(tc.ReadQueueNums) {
			w := offsetWrapper{BrokerOffset: max(b.store.GetMaxOffsetInQueue(topic, q), 0)}
			if off, ok := b.offsets.query(group, topic, q); ok && off > 0 {
				w.ConsumerOffset = off
			}
			w.PullOffset = w.ConsumerOffset
			if w.ConsumerOffset > 0 {
				if ts, err := b.store.GetMessageStoreTimestamp(topic, q, w.ConsumerOffset-1); err == nil {
					w.LastTimestamp = ts
				}
			}
			diff += max(w.BrokerOffset-w.ConsumerOffset, 0)
			body = b.appendQueueEntry(body, n > 0, topic, q, w)
			n++
		}
	}
	return append(body, "}}"...), diff
}

// consumeTopics is the topics GET_CONSUME_STATS reports for group: the
// topicList or topic asked for, else every topic the group has offsets in;
// without a topic list, only topics the group subscribes to when it has
// live subscriptions (RocketMQ's getTopicsForCollectingConsumeStats).
func (b *Broker) consumeTopics(group, topic, topicList string) []string {
	if topicList != "" {
		return strings.Split(topicList, ";")
	}
	var topics []string
	if topic != "" {
		topics = []string{topic}
	} else {
		topics = b.offsets.topicsOf(group)
	}
	out := topics[:0]
	for _, t := range topics {
		if s, known := b.consumers.subs.find(group, t); known && s == nil {
			continue // the group's live consumers do not subscribe to it
		}
		out = append(out, t)
	}
	return out
}

// handleGetConsumeStats answers GET_CONSUME_STATS: a group's offsets and
// lag per queue, as RocketMQ's ConsumeStats.
func (b *Broker) handleGetConsumeStats(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	group, err := req.Field("consumerGroup")
	if err != nil {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, err)
	}
	body, _ := b.consumeStats(group, b.consumeTopics(group, req.ExtFields["topic"], req.ExtFields["topicList"]))
	return bodyResponse(req, body)
}

// handleGetBrokerConsumeStats answers GET_BROKER_CONSUME_STATS: the
// ConsumeStats of every group with offsets on the broker, as RocketMQ's
// ConsumeStatsList ({"consumeStatsList":[{group:[stats, ...]}], ...}).
func (b *Broker) handleGetBrokerConsumeStats(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	byGroup := map[string][]string{}
	for key := range b.offsets.snapshot().OffsetTable {
		if topic, group, ok := strings.Cut(key, "@"); ok {
			byGroup[group] = append(byGroup[group], topic)
		}
	}
	body := []byte(`{"brokerAddr":`)
	body = appendJSON(body, b.Addr())
	body = append(body, `,"consumeStatsList":[`...)
	var total int64
	for i, group := range slices.Sorted(maps.Keys(byGroup)) {
		if i > 0 {
			body = append(body, ',')
		}
		stats, diff := b.consumeStats(group, byGroup[group])
		total += diff
		body = append(body, '{')
		body = appendJSON(body, group)
		body = append(body, ":["...)
		body = append(body, stats...)
		body = append(body, "]}"...)
	}
	body = append(body, `],"totalDiff":`...)
	body = strconv.AppendInt(body, total, 10)
	body = append(body, `,"totalInflightDiff":0}`...)
	return bodyResponse(req, body)
}

// handleQueryTopicConsumeByWho answers QUERY_TOPIC_CONSUME_BY_WHO: the
// groups subscribed to a topic or holding offsets in it, as a GroupList.
func (b *Broker) handleQueryTopicConsumeByWho(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	topic, err := req.Field("topic")
	if err != nil {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, err)
	}
	groups := map[string]bool{}
	for _, g := range b.offsets.groupsOf(topic) {
		groups[g] = true
	}
	for _, g := range b.consumers.groupsSubscribedTo(topic) {
		groups[g] = true
	}
	return jsonResponse(req, struct {
		GroupList []string `json:"groupList"`
	}{slices.Sorted(maps.Keys(groups))})
}

// handleViewBrokerStats answers VIEW_BROKER_STATS_DATA: a counter's sum,
// rate and mean per request over the last minute, hour and day
// (BrokerStatsData). Names: TOPIC_PUT_NUMS and TOPIC_PUT_SIZE (key: topic),
// GROUP_GET_NUMS and GROUP_GET_SIZE (key: topic@group), BROKER_PUT_NUMS and
// BROKER_GET_NUMS (key: the cluster name).
func (b *Broker) handleViewBrokerStats(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	name, key := req.ExtFields["statsName"], req.ExtFields["statsKey"]
	if b.stats == nil {
		return b.refuse(c, req, remoting.ResponseSystemError, fmt.Errorf("the broker runs without metrics (DisableMetrics): no stats <%s> <%s>", name, key))
	}
	d, ok := b.stats.view(name, key)
	if !ok {
		return b.refuse(c, req, remoting.ResponseSystemError, fmt.Errorf("The stats <%s> <%s> not exist", name, key))
	}
	return jsonResponse(req, d)
}
