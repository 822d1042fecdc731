package admin

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rocketstore/rocketstore/remoting"
)

// RuntimeInfo asks a broker for its runtime statistics
// (GET_BROKER_RUNTIME_INFO): mqadmin brokerStatus's table.
func (c *Client) RuntimeInfo(ctx context.Context, addr string) (map[string]string, error) {
	kv, err := brokerJSON[KVTable](ctx, c, addr, remoting.RequestGetBrokerRuntimeInfo, nil)
	if err != nil {
		return nil, err
	}
	if kv.Table == nil {
		kv.Table = map[string]string{}
	}
	return kv.Table, nil
}

// BrokerConfig asks a broker for its configuration (GET_BROKER_CONFIG): a
// properties text, returned as a map.
func (c *Client) BrokerConfig(ctx context.Context, addr string) (map[string]string, error) {
	resp, err := c.call(ctx, RoleBroker, addr, remoting.RequestGetBrokerConfig, nil, nil)
	if err != nil {
		return nil, err
	}
	props, err := remoting.ParseProperties(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %s: %w", RoleBroker, addr, RequestName(remoting.RequestGetBrokerConfig), err)
	}
	return props, nil
}

// UpdateBrokerConfig changes a broker's configuration at run time
// (UPDATE_BROKER_CONFIG); the broker refuses keys it cannot change live.
func (c *Client) UpdateBrokerConfig(ctx context.Context, addr string, props map[string]string) error {
	if len(props) == 0 {
		return fmt.Errorf("%w: no key to update", ErrInvalidArgument)
	}
	_, err := c.call(ctx, RoleBroker, addr, remoting.RequestUpdateBrokerConfig, nil, []byte(formatProperties(props)))
	return err
}

// formatProperties writes props as sorted key=value lines.
func formatProperties(props map[string]string) string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + props[k] + "\n")
	}
	return b.String()
}

// CreateTopic creates or updates a topic on one broker
// (UPDATE_AND_CREATE_TOPIC). Zero queue counts mean 8 and a zero perm
// means read and write, as mqadmin updateTopic's defaults.
func (c *Client) CreateTopic(ctx context.Context, addr string, tc TopicConfig) error {
	if tc.TopicName == "" {
		return fmt.Errorf("%w: a topic name is required", ErrInvalidArgument)
	}
	if tc.ReadQueueNums == 0 {
		tc.ReadQueueNums = 8
	}
	if tc.WriteQueueNums == 0 {
		tc.WriteQueueNums = 8
	}
	if tc.Perm == 0 {
		tc.Perm = PermRead | PermWrite
	}
	if tc.TopicFilterType == "" {
		tc.TopicFilterType = "SINGLE_TAG"
	}
	ext := map[string]string{
		"topic":           tc.TopicName,
		"defaultTopic":    "TBW102",
		"readQueueNums":   strconv.Itoa(int(tc.ReadQueueNums)),
		"writeQueueNums":  strconv.Itoa(int(tc.WriteQueueNums)),
		"perm":            strconv.Itoa(int(tc.Perm)),
		"topicFilterType": tc.TopicFilterType,
		"topicSysFlag":    strconv.Itoa(int(tc.TopicSysFlag)),
		"order":           strconv.FormatBool(tc.Order),
	}
	if len(tc.Attributes) > 0 {
		ext["attributes"] = formatAttributes(tc.Attributes)
	}
	_, err := c.call(ctx, RoleBroker, addr, remoting.RequestUpdateAndCreateTopic, ext, nil)
	return err
}

// formatAttributes writes attributes in mqadmin's "+a=b,+c=d" form.
func formatAttributes(attrs map[string]string) string {
	keys := slices.Sorted(maps.Keys(attrs))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = "+" + k + "=" + attrs[k]
	}
	return strings.Join(parts, ",")
}

// DeleteTopicInBroker deletes a topic, its queues and offsets on one broker
// (DELETE_TOPIC_IN_BROKER).
func (c *Client) DeleteTopicInBroker(ctx context.Context, addr, topic string) error {
	_, err := c.call(ctx, RoleBroker, addr, remoting.RequestDeleteTopicInBroker, map[string]string{"topic": topic}, nil)
	return err
}

// DeleteTopic deletes a topic from every master of a cluster and then from
// every name server, as mqadmin deleteTopic does.
func (c *Client) DeleteTopic(ctx context.Context, cluster, topic string) error {
	masters, err := c.Masters(ctx, cluster)
	if err != nil {
		return err
	}
	for _, m := range masters {
		if err := c.DeleteTopicInBroker(ctx, m.Addr, topic); err != nil {
			return err
		}
	}
	return c.DeleteTopicInNameServers(ctx, topic, cluster)
}

// AllTopicConfig asks a broker for every topic configuration it holds
// (GET_ALL_TOPIC_CONFIG).
func (c *Client) AllTopicConfig(ctx context.Context, addr string) (TopicConfigWrapper, error) {
	return brokerJSON[TopicConfigWrapper](ctx, c, addr, remoting.RequestGetAllTopicConfig, nil)
}

// TopicStats asks one broker for a topic's offsets per queue
// (GET_TOPIC_STATS_INFO).
func (c *Client) TopicStats(ctx context.Context, addr, topic string) (TopicStatsTable, error) {
	return brokerJSON[TopicStatsTable](ctx, c, addr, remoting.RequestGetTopicStatsInfo, map[string]string{"topic": topic})
}

// TopicStatus is a topic's offsets on every master of its route, merged
// (mqadmin topicStatus).
func (c *Client) TopicStatus(ctx context.Context, topic string) (TopicStatsTable, error) {
	rd, err := c.TopicRoute(ctx, topic)
	if err != nil {
		return TopicStatsTable{}, err
	}
	all := TopicStatsTable{OffsetTable: map[MessageQueue]TopicOffset{}}
	for _, b := range routeMasters(rd) {
		ts, err := c.TopicStats(ctx, b.addr, topic)
		if err != nil {
			return all, err
		}
		for q, off := range ts.OffsetTable {
			all.OffsetTable[q] = off
		}
		all.TopicPutTps += ts.TopicPutTps
	}
	return all, nil
}

// TopicConsumers asks a broker which groups consume a topic
// (QUERY_TOPIC_CONSUME_BY_WHO).
func (c *Client) TopicConsumers(ctx context.Context, addr, topic string) ([]string, error) {
	gl, err := brokerJSON[GroupList](ctx, c, addr, remoting.RequestQueryTopicConsumeByWho, map[string]string{"topic": topic})
	if err != nil {
		return nil, err
	}
	sort.Strings(gl.GroupList)
	return gl.GroupList, nil
}

// BrokerStats asks a broker for one of its statistics items
// (VIEW_BROKER_STATS_DATA), e.g. statsName TOPIC_PUT_NUMS with a topic as
// statsKey.
func (c *Client) BrokerStats(ctx context.Context, addr, statsName, statsKey string) (BrokerStatsData, error) {
	return brokerJSON[BrokerStatsData](ctx, c, addr, remoting.RequestViewBrokerStatsData, map[string]string{"statsName": statsName, "statsKey": statsKey})
}

// RuntimeStats are the figures of GET_BROKER_RUNTIME_INFO that tools show,
// read from RocketMQ's keys; a figure the broker does not report is zero.
type RuntimeStats struct {
	Version string `json:"version"`
	Active  bool   `json:"active"`
	// InTps and OutTps are messages per second over the last minute
	// (putTps; getTransferredTps, or getTotalTps where a broker reports
	// only that).
	InTps  float64 `json:"inTps"`
	OutTps float64 `json:"outTps"`
	// DiskRatio is the commit log disk's used fraction; DiskCapacity is
	// RocketMQ's "Total : x, Free : y." text.
	DiskRatio          float64 `json:"diskRatio"`
	DiskCapacity       string  `json:"diskCapacity,omitempty"`
	CommitLogMaxOffset int64   `json:"commitLogMaxOffset"`
	// PutTotal and GetTotal count messages stored and delivered since the
	// broker started (msgPutTotalTodayNow, msgGetTotalTodayNow).
	PutTotal int64 `json:"msgPutTotal"`
	GetTotal int64 `json:"msgGetTotal"`
	// EarliestMessageTime is the store time of the oldest message, ms.
	EarliestMessageTime int64 `json:"earliestMessageTime"`
	// PageCacheLockTimeMills is how long the append in progress has held
	// the commit log.
	PageCacheLockTimeMills int64 `json:"pageCacheLockTimeMills"`
}

// ParseRuntimeStats reads a runtime info table.
func ParseRuntimeStats(kv map[string]string) RuntimeStats {
	first := func(key string) float64 {
		f, _ := strconv.ParseFloat(strings.Fields(kv[key] + " 0")[0], 64)
		return f
	}
	i64 := func(key string) int64 {
		n, _ := strconv.ParseInt(kv[key], 10, 64)
		return n
	}
	out := "getTransferredTps"
	if _, ok := kv[out]; !ok {
		out = "getTotalTps"
	}
	return RuntimeStats{
		Version: kv["brokerVersionDesc"], Active: kv["brokerActive"] == "true",
		InTps: first("putTps"), OutTps: first(out),
		DiskRatio: first("commitLogDiskRatio"), DiskCapacity: kv["commitLogDirCapacity"],
		CommitLogMaxOffset: i64("commitLogMaxOffset"),
		PutTotal:           i64("msgPutTotalTodayNow"), GetTotal: i64("msgGetTotalTodayNow"),
		EarliestMessageTime: i64("earliestMessageTimeStamp"), PageCacheLockTimeMills: i64("pageCacheLockTimeMills"),
	}
}
