package broker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

// Broker config keys (RocketMQ's BrokerConfig and MessageStoreConfig names)
// that UPDATE_BROKER_CONFIG changes while the broker runs. Every other key
// GET_BROKER_CONFIG reports is fixed at start (broker.conf) and refused.
const (
	keyBrokerPermission = "brokerPermission"
	keyWaitInSendQueue  = "waitTimeMillsInSendQueue"
	keyPageCacheBusy    = "osPageCacheBusyTimeOutMills"
	keyFastFailure      = "brokerFastFailureEnable"
	keyTopicRateLimit   = "topicRateLimit." // + topic: "<messages/s>,<bytes/s>"
	keyGroupRateLimit   = "groupRateLimit." // + producer group
)

// configState is the broker config's data version, which GET_BROKER_CONFIG
// answers in its header and every update moves on.
type configState struct {
	mu      sync.Mutex // one update at a time, as RocketMQ's synchronized updateBrokerConfig
	version DataVersion
}

// brokerConfig returns the broker's configuration as RocketMQ's key=value
// properties, sorted by key.
func (b *Broker) brokerConfig() map[string]string {
	o, f := &b.opts, b.flow
	s := &o.Store
	cfg := map[string]string{
		"brokerName":                  o.BrokerName,
		"brokerClusterName":           o.ClusterName,
		"brokerId":                    strconv.FormatInt(o.BrokerID, 10),
		"brokerRole":                  string(o.Role),
		"listenPort":                  listenPort(b.Addr()),
		"namesrvAddr":                 strings.Join(o.NameServers, ";"),
		"storePathRootDir":            o.DataDir,
		"autoCreateTopicEnable":       strconv.FormatBool(!o.DisableAutoCreateTopic),
		"defaultTopicQueueNums":       strconv.Itoa(o.DefaultTopicQueueNums),
		"enablePropertyFilter":        strconv.FormatBool(o.EnablePropertyFilter),
		"flushDiskType":               o.Store.CommitLog.FlushMode.String(),
		"mappedFileSizeCommitLog":     strconv.Itoa(b.store.CommitLog().FileSize()),
		"fileReservedTime":            strconv.FormatInt(int64(s.FileReservedTime/time.Hour), 10),
		"deleteWhen":                  s.DeleteWhen,
		"diskMaxUsedSpaceRatio":       strconv.Itoa(s.DiskMaxUsedSpaceRatio),
		"transientStorePoolEnable":    strconv.FormatBool(s.CommitLog.TransientStorePool),
		"messageDelayLevel":           s.DelayLevels,
		keyBrokerPermission:           strconv.Itoa(b.brokerPermission()),
		keyWaitInSendQueue:            strconv.FormatInt(time.Duration(f.waitInQueue.Load()).Milliseconds(), 10),
		keyPageCacheBusy:              strconv.FormatInt(time.Duration(f.pageCacheBusy.Load()).Milliseconds(), 10),
		keyFastFailure:                strconv.FormatBool(f.fastFailure.Load()),
		"metricsEnable":               strconv.FormatBool(b.metrics != nil),
		"consumerExpiryMillis":        strconv.FormatInt(o.ConsumerExpiry.Milliseconds(), 10),
		"flushConsumerOffsetInterval": strconv.FormatInt(o.OffsetPersistInterval.Milliseconds(), 10),
	}
	limits := f.limits.Load()
	for t, p := range limits.topics {
		cfg[keyTopicRateLimit+t] = p.limit.String()
	}
	for g, p := range limits.groups {
		cfg[keyGroupRateLimit+g] = p.limit.String()
	}
	return cfg
}

func listenPort(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}

// handleGetBrokerConfig answers GET_BROKER_CONFIG: the configuration as
// properties text in the body and the config's data version (JSON) in the
// header's version field.
func (b *Broker) handleGetBrokerConfig(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	cfg := b.brokerConfig()
	var body bytes.Buffer
	for _, k := range slices.Sorted(maps.Keys(cfg)) {
		fmt.Fprintf(&body, "%s=%s\n", k, cfg[k])
	}
	b.config.mu.Lock()
	v, _ := json.Marshal(b.config.version)
	b.config.mu.Unlock()
	resp := bodyResponse(req, body.Bytes())
	resp.ExtFields = map[string]string{"version": string(v)}
	return resp
}

// configUpdate is one validated change, applied once all are valid.
type configUpdate func()

// liveUpdate validates one key's new value and returns how to apply it; a
// key that cannot change while the broker runs, or an unknown one, is an
// error naming it.
func (b *Broker) liveUpdate(key, value string, known map[string]string) (configUpdate, error) {
	f := b.flow
	millis := func() (time.Duration, error) {
		v, err := strconv.ParseInt(value, 10, 64)
		if err != nil || v <= 0 {
			return 0, fmt.Errorf("%s=%q: want a positive number of milliseconds", key, value)
		}
		return time.Duration(v) * time.Millisecond, nil
	}
	switch {
	case key == keyBrokerPermission:
		v, err := strconv.Atoi(value)
		if err != nil || v < 0 || v > PermRead|PermWrite|PermInherit {
			return nil, fmt.Errorf("%s=%q: want a permission 0..7 (6 read-write, 4 read-only)", key, value)
		}
		return func() { f.permission.Store(int32(v)); b.registerSoon() }, nil
	case key == keyWaitInSendQueue:
		d, err := millis()
		return func() { f.waitInQueue.Store(int64(d)) }, err
	case key == keyPageCacheBusy:
		d, err := millis()
		return func() { f.pageCacheBusy.Store(int64(d)) }, err
	case key == keyFastFailure:
		v, err := strconv.ParseBool(value)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: want true or false", key, value)
		}
		return func() { f.fastFailure.Store(v) }, nil
	case strings.HasPrefix(key, keyTopicRateLimit), strings.HasPrefix(key, keyGroupRateLimit):
		topic := strings.HasPrefix(key, keyTopicRateLimit)
		name := strings.TrimPrefix(strings.TrimPrefix(key, keyTopicRateLimit), keyGroupRateLimit)
		if name == "" {
			return nil, fmt.Errorf("%s: the key needs a topic or group name after the dot", key)
		}
		var r RateLimit
		if value != "" {
			var err error
			if r, err = ParseRateLimit(value); err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
		}
		return func() {
			for {
				old := f.limits.Load()
				if f.limits.CompareAndSwap(old, old.with(topic, name, r)) {
					return
				}
			}
		}, nil
	}
	if _, ok := known[key]; ok {
		return nil, fmt.Errorf("%s cannot be changed while the broker runs; set it in broker.conf and restart", key)
	}
	return nil, fmt.Errorf("%s is not a broker config key", key)
}

// handleUpdateBrokerConfig answers UPDATE_BROKER_CONFIG: the properties in
// the body are applied at once if every key can change live; otherwise
// nothing changes and the answer names the first key refused.
func (b *Broker) handleUpdateBrokerConfig(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	props, err := remoting.ParseProperties(req.Body)
	if err != nil {
		return b.refuse(c, req, remoting.ResponseSystemError, fmt.Errorf("string2Properties error: %w", err))
	}
	known := b.brokerConfig()
	var updates []configUpdate
	for _, k := range slices.Sorted(maps.Keys(props)) {
		u, err := b.liveUpdate(k, props[k], known)
		if err != nil {
			return b.refuse(c, req, remoting.ResponseNoPermission, err)
		}
		updates = append(updates, u)
	}
	b.config.mu.Lock()
	for _, u := range updates {
		u()
	}
	b.config.version.Timestamp = time.Now().UnixMilli()
	b.config.version.Counter++
	b.config.mu.Unlock()
	b.log.Info("broker config updated", "config", props, "addr", c.RemoteAddr())
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// handleTriggerDeleteFiles answers TRIGGER_DELETE_FILES: one cleanup round
// now, deleting expired files whatever the hour (RocketMQ's
// executeDeleteFilesManually).
func (b *Broker) handleTriggerDeleteFiles(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	if b.opts.Store.CleanResourceInterval < 0 {
		return b.refuse(c, req, remoting.ResponseSystemError, errors.New("the store's cleanup service is off (cleanResourceInterval < 0): no files are deleted"))
	}
	r, err := b.store.DeleteExpiredFiles()
	if err != nil {
		return b.refuse(c, req, remoting.ResponseSystemError, err)
	}
	b.log.Info("files deleted on request", "commitlog", r.CommitLogFiles, "consumequeue", r.ConsumeQueueFile,
		"index", r.IndexFiles, "addr", c.RemoteAddr())
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// consumeQueueData is RocketMQ's ConsumeQueueData: one consume-queue unit.
type consumeQueueData struct {
	PhysicOffset   int64  `json:"physicOffset"`
	PhysicSize     int    `json:"physicSize"`
	TagsCode       int64  `json:"tagsCode"`
	ExtendDataJSON string `json:"extendDataJson,omitempty"`
	BitMap         string `json:"bitMap,omitempty"`
	Eval           bool   `json:"eval"`
	Msg            string `json:"msg,omitempty"`
}

// queryConsumeQueueMax bounds the units one QUERY_CONSUME_QUEUE returns.
const queryConsumeQueueMax = 1000

// handleQueryConsumeQueue answers QUERY_CONSUME_QUEUE: count units of a
// consume queue from index, as RocketMQ's QueryConsumeQueueResponseBody;
// with a consumerGroup, its subscription and whether each unit matches it.
func (b *Broker) handleQueryConsumeQueue(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	e := req.ExtFields
	topic := e["topic"]
	queueID, err1 := strconv.Atoi(e["queueId"])
	index, err2 := strconv.ParseInt(e["index"], 10, 64)
	count, err3 := strconv.Atoi(e["count"])
	if topic == "" || err1 != nil || err2 != nil || err3 != nil {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, fmt.Errorf("query consume queue needs topic, queueId, index and count"))
	}
	q := int32(queueID)
	if _, ok := b.topics.get(topic); !ok || q < 0 {
		return b.refuse(c, req, remoting.ResponseSystemError, fmt.Errorf("%d@%s is not exist!", queueID, topic))
	}
	body := struct {
		SubscriptionData *subscriptionData  `json:"subscriptionData"`
		FilterData       string             `json:"filterData,omitempty"`
		QueueData        []consumeQueueData `json:"queueData"`
		MaxQueueIndex    int64              `json:"maxQueueIndex"`
		MinQueueIndex    int64              `json:"minQueueIndex"`
	}{MaxQueueIndex: b.store.GetMaxOffsetInQueue(topic, q), MinQueueIndex: b.store.GetMinOffsetInQueue(topic, q)}
	var sub *subscription
	if group := e["consumerGroup"]; group != "" {
		if sub, _ = b.consumers.subs.find(group, topic); sub == nil {
			body.FilterData = fmt.Sprintf("%s@%s is not online!", group, topic)
		} else {
			body.SubscriptionData = &sub.subscriptionData
		}
	}
	count = min(max(count, 0), queryConsumeQueueMax)
	for next := index; next < index+int64(count) && next < body.MaxQueueIndex; {
		r, err := b.store.GetMessage("", topic, q, next, int(index+int64(count)-next), nil)
		if err != nil {
			return b.refuse(c, req, remoting.ResponseSystemError, err)
		}
		for i, entry := range r.Messages {
			d := consumeQueueData{PhysicOffset: entry.Offset, PhysicSize: len(entry.Bytes)}
			if rec, err := entry.Decode(false); err == nil {
				d.TagsCode = message.TagsCode(rec.Properties.Get(message.PropertyTags))
				if sub != nil {
					d.Eval = sub.filter == nil || (sub.filter.MatchTagsCode(d.TagsCode) && sub.filter.MatchRecord(entry.Bytes))
				}
			} else {
				d.Msg = "record unreadable: " + err.Error()
			}
			body.QueueData = append(body.QueueData, d)
			next = r.QueueOffsets[i] + 1
		}
		moved := r.NextBeginOffset > next
		if moved {
			next = r.NextBeginOffset
		}
		r.Release()
		if len(r.Messages) == 0 && !moved {
			break
		}
	}
	return jsonResponse(req, body)
}

// handleGetTopicConfig answers GET_TOPIC_CONFIG: one topic's config, in
// RocketMQ's TopicConfigAndQueueMapping shape (a TopicConfig; the broker
// has no static topics, so no mapping).
func (b *Broker) handleGetTopicConfig(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	topic, err := req.Field("topic")
	if err != nil {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, err)
	}
	tc, ok := b.topics.get(topic)
	if !ok {
		return b.refuse(c, req, remoting.ResponseTopicNotExist, fmt.Errorf("No topic in this broker. topic: %s", topic))
	}
	return jsonResponse(req, tc)
}

// bodyResponse answers req with body.
func bodyResponse(req *remoting.Command, body []byte) *remoting.Command {
	resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
	resp.Body = body
	return resp
}

// appendJSON appends v's JSON (v is always one of the broker's own body
// types, which marshal).
func appendJSON(dst []byte, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("broker: body type does not marshal: %v", err))
	}
	return append(dst, b...)
}

// adminRoutes registers the admin protocol's codes (mqadmin and
// rocketmq-dashboard) on the admin pool.
func (b *Broker) adminRoutes(admin *remoting.Pool) {
	s := b.server
	for code, h := range map[int16]remoting.Handler{
		remoting.RequestGetBrokerRuntimeInfo:             b.handleGetRuntimeInfo,
		remoting.RequestGetTopicStatsInfo:                b.handleGetTopicStats,
		remoting.RequestGetConsumeStats:                  b.handleGetConsumeStats,
		remoting.RequestGetBrokerConsumeStats:            b.handleGetBrokerConsumeStats,
		remoting.RequestQueryTopicConsumeByWho:           b.handleQueryTopicConsumeByWho,
		remoting.RequestGetConsumerConnectionList:        b.handleGetConsumerConnectionList,
		remoting.RequestGetProducerConnectionList:        b.handleGetProducerConnectionList,
		remoting.RequestGetConsumerRunningInfo:           b.handleGetConsumerRunningInfo,
		remoting.RequestUpdateAndCreateSubscriptionGroup: b.handleUpdateSubscriptionGroup,
		remoting.RequestDeleteSubscriptionGroup:          b.handleDeleteSubscriptionGroup,
		remoting.RequestGetAllSubscriptionGroupConfig:    b.handleGetAllSubscriptionGroups,
		remoting.RequestGetSubscriptionGroupConfig:       b.handleGetSubscriptionGroup,
		remoting.RequestInvokeBrokerToResetOffset:        b.handleResetOffset,
		remoting.RequestCloneGroupOffset:                 b.handleCloneGroupOffset,
		remoting.RequestGetBrokerConfig:                  b.handleGetBrokerConfig,
		remoting.RequestUpdateBrokerConfig:               b.handleUpdateBrokerConfig,
		remoting.RequestTriggerDeleteFiles:               b.handleTriggerDeleteFiles,
		remoting.RequestQueryConsumeQueue:                b.handleQueryConsumeQueue,
		remoting.RequestViewBrokerStatsData:              b.handleViewBrokerStats,
		remoting.RequestGetTopicConfig:                   b.handleGetTopicConfig,
	} {
		s.Handle(code, admin, h)
	}
}
