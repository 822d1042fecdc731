package broker

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// SubscriptionGroupConfig is a consumer group's configuration, in RocketMQ's
// JSON shape (SubscriptionGroupConfig). The broker honours ConsumeEnable
// (pulls of a disabled group are refused with NO_PERMISSION) and
// RetryMaxTimes (the retries before CONSUMER_SEND_MSG_BACK moves a message
// to the group's dead-letter topic); the other fields are kept and
// reported.
type SubscriptionGroupConfig struct {
	GroupName                      string            `json:"groupName"`
	ConsumeEnable                  bool              `json:"consumeEnable"`
	ConsumeFromMinEnable           bool              `json:"consumeFromMinEnable"`
	ConsumeBroadcastEnable         bool              `json:"consumeBroadcastEnable"`
	ConsumeMessageOrderly          bool              `json:"consumeMessageOrderly"`
	RetryQueueNums                 int               `json:"retryQueueNums"`
	RetryMaxTimes                  int               `json:"retryMaxTimes"`
	GroupRetryPolicy               json.RawMessage   `json:"groupRetryPolicy,omitempty"`
	BrokerID                       int64             `json:"brokerId"`
	WhichBrokerWhenConsumeSlowly   int64             `json:"whichBrokerWhenConsumeSlowly"`
	NotifyConsumerIdsChangedEnable bool              `json:"notifyConsumerIdsChangedEnable"`
	GroupSysFlag                   int               `json:"groupSysFlag"`
	ConsumeTimeoutMinute           int               `json:"consumeTimeoutMinute"`
	SubscriptionDataSet            json.RawMessage   `json:"subscriptionDataSet,omitempty"`
	Attributes                     map[string]string `json:"attributes"`
}

// NewSubscriptionGroupConfig returns group's config with RocketMQ's
// defaults: consumption on, 16 retries, one retry queue.
func NewSubscriptionGroupConfig(group string) SubscriptionGroupConfig {
	return SubscriptionGroupConfig{
		GroupName: group, ConsumeEnable: true, ConsumeFromMinEnable: true, ConsumeBroadcastEnable: true,
		RetryQueueNums: 1, RetryMaxTimes: defaultMaxReconsumeTimes, WhichBrokerWhenConsumeSlowly: 1,
		NotifyConsumerIdsChangedEnable: true, ConsumeTimeoutMinute: 15, Attributes: map[string]string{},
	}
}

// subGroupFile is config/subscriptionGroup.json, RocketMQ's
// SubscriptionGroupWrapper.
type subGroupFile struct {
	SubscriptionGroupTable map[string]SubscriptionGroupConfig `json:"subscriptionGroupTable"`
	ForbiddenTable         map[string]map[string]int          `json:"forbiddenTable"`
	DataVersion            DataVersion                        `json:"dataVersion"`
}

// subGroupTable holds the subscription group configs, persisted in
// config/subscriptionGroup.json. Groups are created with defaults when they
// first send a heartbeat (RocketMQ's autoCreateSubscriptionGroup) or by
// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP.
type subGroupTable struct {
	path  string
	saver *lazySave // configs auto-created by heartbeats are written lazily

	mu      sync.RWMutex
	groups  map[string]SubscriptionGroupConfig
	version DataVersion
}

func openSubGroupTable(dir string, log *slog.Logger) (*subGroupTable, error) {
	t := &subGroupTable{path: filepath.Join(dir, "subscriptionGroup.json"), groups: map[string]SubscriptionGroupConfig{}}
	t.saver = newLazySave(t.path, func() error { return saveJSON(t.path, t.snapshot()) }, log)
	var f subGroupFile
	if err := loadJSON(t.path, &f); err != nil {
		return nil, err
	}
	if f.SubscriptionGroupTable != nil {
		t.groups = f.SubscriptionGroupTable
	}
	t.version = f.DataVersion
	return t, nil
}

// get returns group's config.
func (t *subGroupTable) get(group string) (SubscriptionGroupConfig, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	c, ok := t.groups[group]
	return c, ok
}

// consumeDisabled reports whether group exists with consumption off. It is
// on the pull path: one read-locked map lookup.
func (t *subGroupTable) consumeDisabled(group string) bool {
	t.mu.RLock()
	c, ok := t.groups[group]
	t.mu.RUnlock()
	return ok && !c.ConsumeEnable
}

// ensure creates group with defaults unless it exists.
func (t *subGroupTable) ensure(group string) error {
	t.mu.RLock()
	_, ok := t.groups[group]
	t.mu.RUnlock()
	if ok {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.groups[group]; ok {
		return nil
	}
	t.groups[group] = NewSubscriptionGroupConfig(group)
	t.touchLocked()
	// Made again by the group's next heartbeat if a crash loses it.
	t.saver.later()
	return nil
}

// put creates or replaces a group's config and persists the table.
func (t *subGroupTable) put(c SubscriptionGroupConfig) error {
	t.mu.Lock()
	t.groups[c.GroupName] = c
	t.touchLocked()
	t.mu.Unlock()
	return t.saver.now()
}

// remove deletes a group's config; it reports whether the group existed.
func (t *subGroupTable) remove(group string) (bool, error) {
	t.mu.Lock()
	if _, ok := t.groups[group]; !ok {
		t.mu.Unlock()
		return false, nil
	}
	delete(t.groups, group)
	t.touchLocked()
	t.mu.Unlock()
	return true, t.saver.now()
}

func (t *subGroupTable) touchLocked() {
	t.version.Timestamp = time.Now().UnixMilli()
	t.version.Counter++
}

// close writes what is pending.
func (t *subGroupTable) close() error { return t.saver.close() }

func (t *subGroupTable) fileLocked() subGroupFile {
	return subGroupFile{SubscriptionGroupTable: maps.Clone(t.groups), ForbiddenTable: map[string]map[string]int{}, DataVersion: t.version}
}

// snapshot returns the table in its file shape.
func (t *subGroupTable) snapshot() subGroupFile {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.fileLocked()
}

// names lists the groups.
func (t *subGroupTable) names() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return slices.Sorted(maps.Keys(t.groups))
}

// handleUpdateSubscriptionGroup creates or replaces a group's config from
// the request body (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP). Fields the body
// leaves out take RocketMQ's defaults.
func (b *Broker) handleUpdateSubscriptionGroup(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	var probe struct {
		GroupName string `json:"groupName"`
	}
	if err := json.Unmarshal(req.Body, &probe); err != nil || probe.GroupName == "" {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, fmt.Errorf("subscription group body needs a groupName: %v", err))
	}
	cfg := NewSubscriptionGroupConfig(probe.GroupName)
	if err := json.Unmarshal(req.Body, &cfg); err != nil {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, fmt.Errorf("subscription group body: %w", err))
	}
	if cfg.RetryMaxTimes < -1 || cfg.RetryQueueNums < 0 {
		return b.refuse(c, req, remoting.ResponseInvalidParameter,
			fmt.Errorf("retryMaxTimes %d and retryQueueNums %d must not be negative", cfg.RetryMaxTimes, cfg.RetryQueueNums))
	}
	if cfg.Attributes == nil {
		cfg.Attributes = map[string]string{}
	}
	if err := b.groups.put(cfg); err != nil {
		return b.refuse(c, req, remoting.ResponseSystemError, err)
	}
	b.log.Info("subscription group updated", "group", cfg.GroupName, "consumeEnable", cfg.ConsumeEnable,
		"retryMaxTimes", cfg.RetryMaxTimes, "addr", c.RemoteAddr())
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// handleDeleteSubscriptionGroup deletes a group's config
// (DELETE_SUBSCRIPTIONGROUP), and its offsets when cleanOffset is true.
func (b *Broker) handleDeleteSubscriptionGroup(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	group, err := req.Field("groupName")
	if err != nil {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, err)
	}
	if _, err := b.groups.remove(group); err != nil {
		return b.refuse(c, req, remoting.ResponseSystemError, err)
	}
	if req.ExtFields["cleanOffset"] == "true" {
		b.offsets.removeGroup(group)
	}
	b.log.Info("subscription group deleted", "group", group, "addr", c.RemoteAddr())
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// handleGetAllSubscriptionGroups answers every group's config
// (GET_ALL_SUBSCRIPTIONGROUP_CONFIG), as a SubscriptionGroupWrapper.
func (b *Broker) handleGetAllSubscriptionGroups(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	return jsonResponse(req, b.groups.snapshot())
}

// handleGetSubscriptionGroup answers one group's config
// (GET_SUBSCRIPTIONGROUP_CONFIG).
func (b *Broker) handleGetSubscriptionGroup(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	group, err := req.Field("group")
	if err != nil {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, err)
	}
	cfg, ok := b.groups.get(group)
	if !ok {
		return b.refuse(c, req, remoting.ResponseSubscriptionGroupNotExist, fmt.Errorf("subscription group %s does not exist", group))
	}
	return jsonResponse(req, cfg)
}

// versionV3_4_9 is MQVersion V3_4_9's ordinal: clients from it on send
// their own maxReconsumeTimes with CONSUMER_SEND_MSG_BACK, which overrides
// the group's retryMaxTimes (as RocketMQ's AbstractSendMessageProcessor).
const versionV3_4_9 = 121

// retryMaxTimes is how many times group's messages are retried before they
// go to its dead-letter topic: its config's retryMaxTimes, or RocketMQ's
// default 16.
func (b *Broker) retryMaxTimes(group string) int {
	if cfg, ok := b.groups.get(group); ok {
		return cfg.RetryMaxTimes
	}
	return defaultMaxReconsumeTimes
}
