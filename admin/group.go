package admin

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/rocketstore/rocketstore/remoting"
)

// RetryTopic is the retry topic of a consumer group (%RETRY%<group>); its
// route leads to the brokers the group consumes from.
func RetryTopic(group string) string { return "%RETRY%" + group }

// UpdateSubscriptionGroup creates or updates a consumer group's
// configuration on one broker (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP).
func (c *Client) UpdateSubscriptionGroup(ctx context.Context, addr string, cfg SubscriptionGroupConfig) error {
	if cfg.GroupName == "" {
		return fmt.Errorf("%w: a group name is required", ErrInvalidArgument)
	}
	body, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	_, err = c.call(ctx, RoleBroker, addr, remoting.RequestUpdateAndCreateSubscriptionGroup, nil, body)
	return err
}

// DeleteSubscriptionGroup deletes a consumer group's configuration on one
// broker (DELETE_SUBSCRIPTIONGROUP), and its offsets when cleanOffset.
func (c *Client) DeleteSubscriptionGroup(ctx context.Context, addr, group string, cleanOffset bool) error {
	ext := map[string]string{"groupName": group, "cleanOffset": strconv.FormatBool(cleanOffset)}
	_, err := c.call(ctx, RoleBroker, addr, remoting.RequestDeleteSubscriptionGroup, ext, nil)
	return err
}

// SubscriptionGroups asks a broker for every consumer group configuration
// (GET_ALL_SUBSCRIPTIONGROUP_CONFIG).
func (c *Client) SubscriptionGroups(ctx context.Context, addr string) (SubscriptionGroupWrapper, error) {
	return brokerJSON[SubscriptionGroupWrapper](ctx, c, addr, remoting.RequestGetAllSubscriptionGroupConfig, nil)
}

// ConsumeStats asks one broker for a group's progress (GET_CONSUME_STATS),
// on one topic or, when topic is "", on every topic the group consumes
// there.
func (c *Client) ConsumeStats(ctx context.Context, addr, group, topic string) (ConsumeStats, error) {
	ext := map[string]string{"consumerGroup": group}
	if topic != "" {
		ext["topic"] = topic
	}
	cs, err := brokerJSON[ConsumeStats](ctx, c, addr, remoting.RequestGetConsumeStats, ext)
	if cs.OffsetTable == nil {
		cs.OffsetTable = map[MessageQueue]OffsetWrapper{}
	}
	return cs, err
}

// BrokerConsumeStats asks a broker for the progress of every group on
// every topic (GET_BROKER_CONSUME_STATS).
func (c *Client) BrokerConsumeStats(ctx context.Context, addr string) (ConsumeStatsList, error) {
	return brokerJSON[ConsumeStatsList](ctx, c, addr, remoting.RequestGetBrokerConsumeStats, map[string]string{"isOrder": "false"})
}

// QueueProgress is one row of mqadmin consumerProgress: a queue's end, the
// group's committed offset and their difference (the lag).
type QueueProgress struct {
	Queue          MessageQueue `json:"queue"`
	BrokerOffset   int64        `json:"brokerOffset"`
	ConsumerOffset int64        `json:"consumerOffset"`
	PullOffset     int64        `json:"pullOffset"`
	Diff           int64        `json:"diff"`
	Inflight       int64        `json:"inflight"`
	LastTimestamp  int64        `json:"lastTimestamp"`
}

// Progress is a group's progress over all brokers (mqadmin
// consumerProgress -g).
type Progress struct {
	Group      string          `json:"group"`
	Topic      string          `json:"topic,omitempty"`
	Queues     []QueueProgress `json:"queues"`
	ConsumeTps float64         `json:"consumeTps"`
	DiffTotal  int64           `json:"diffTotal"`
	// InflightTotal is pulled but not yet committed.
	InflightTotal int64 `json:"inflightTotal"`
}

// ConsumerProgress gathers a group's progress from every master that holds
// topic (or, when topic is "", the group's retry topic, whose route names
// the brokers the group consumes from), as mqadmin's examineConsumeStats.
func (c *Client) ConsumerProgress(ctx context.Context, group, topic string) (Progress, error) {
	routeTopic := topic
	if routeTopic == "" {
		routeTopic = RetryTopic(group)
	}
	rd, err := c.TopicRoute(ctx, routeTopic)
	if err != nil {
		return Progress{}, err
	}
	var addrs []string
	for _, b := range routeMasters(rd) {
		addrs = append(addrs, b.addr)
	}
	return c.progressOn(ctx, addrs, group, topic)
}

// GroupProgress gathers a group's progress on every topic from every
// master the name servers know, without a route: a group whose consumers
// never connected has no retry topic, yet may have offsets.
func (c *Client) GroupProgress(ctx context.Context, group string) (Progress, error) {
	masters, err := c.Masters(ctx, "")
	if err != nil {
		return Progress{}, err
	}
	addrs := make([]string, len(masters))
	for i, m := range masters {
		addrs[i] = m.Addr
	}
	return c.progressOn(ctx, addrs, group, "")
}

func (c *Client) progressOn(ctx context.Context, addrs []string, group, topic string) (Progress, error) {
	p := Progress{Group: group, Topic: topic, Queues: []QueueProgress{}}
	for _, addr := range addrs {
		cs, err := c.ConsumeStats(ctx, addr, group, topic)
		if err != nil {
			return p, err
		}
		p.ConsumeTps += cs.ConsumeTps
		for q, w := range cs.OffsetTable {
			row := QueueProgress{
				Queue: q, BrokerOffset: w.BrokerOffset, ConsumerOffset: w.ConsumerOffset,
				PullOffset: w.PullOffset, LastTimestamp: w.LastTimestamp,
				Diff: w.BrokerOffset - w.ConsumerOffset, Inflight: w.PullOffset - w.ConsumerOffset,
			}
			p.Queues = append(p.Queues, row)
			p.DiffTotal += row.Diff
			p.InflightTotal += row.Inflight
		}
	}
	slices.SortFunc(p.Queues, func(a, b QueueProgress) int { return CompareQueues(a.Queue, b.Queue) })
	return p, nil
}

// ConsumerConnectionOf asks one broker for a group's connections
// (GET_CONSUMER_CONNECTION_LIST).
func (c *Client) ConsumerConnectionOf(ctx context.Context, addr, group string) (ConsumerConnection, error) {
	return brokerJSON[ConsumerConnection](ctx, c, addr, remoting.RequestGetConsumerConnectionList, map[string]string{"consumerGroup": group})
}

// ConsumerConnection finds a group's connections on the brokers of its
// retry topic's route (mqadmin consumerConnection): the first master that
// knows the group answers.
func (c *Client) ConsumerConnection(ctx context.Context, group string) (ConsumerConnection, error) {
	rd, err := c.TopicRoute(ctx, RetryTopic(group))
	if err != nil {
		return ConsumerConnection{}, err
	}
	var last error = fmt.Errorf("%w: no broker serves the group %q", ErrNotFound, group)
	for _, b := range routeMasters(rd) {
		cc, err := c.ConsumerConnectionOf(ctx, b.addr, group)
		if err == nil && len(cc.ConnectionSet) > 0 {
			return cc, nil
		}
		if err != nil {
			last = err
		}
	}
	return ConsumerConnection{}, last
}

// ProducerConnectionOf asks one broker for a producer group's connections
// (GET_PRODUCER_CONNECTION_LIST).
func (c *Client) ProducerConnectionOf(ctx context.Context, addr, group string) (ProducerConnection, error) {
	return brokerJSON[ProducerConnection](ctx, c, addr, remoting.RequestGetProducerConnectionList, map[string]string{"producerGroup": group})
}

// ProducerConnection gathers a producer group's connections on the masters
// of a topic's route (mqadmin producerConnection -g -t), one entry per
// client id.
func (c *Client) ProducerConnection(ctx context.Context, group, topic string) (ProducerConnection, error) {
	rd, err := c.TopicRoute(ctx, topic)
	if err != nil {
		return ProducerConnection{}, err
	}
	var all ProducerConnection
	seen := map[string]bool{}
	var errs []error
	for _, b := range routeMasters(rd) {
		pc, err := c.ProducerConnectionOf(ctx, b.addr, group)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, conn := range pc.ConnectionSet {
			if !seen[conn.ClientID] {
				seen[conn.ClientID] = true
				all.ConnectionSet = append(all.ConnectionSet, conn)
			}
		}
	}
	if len(all.ConnectionSet) == 0 && len(errs) > 0 {
		return all, errors.Join(errs...)
	}
	slices.SortFunc(all.ConnectionSet, func(a, b Connection) int { return cmp.Compare(a.ClientID, b.ClientID) })
	return all, nil
}
