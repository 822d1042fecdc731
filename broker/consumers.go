package broker

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// retryGroupTopicPrefix names a group's retry topic (%RETRY%<group>).
const retryGroupTopicPrefix = "%RETRY%"

// heartbeat is the HEART_BEAT body clients send.
type heartbeat struct {
	ClientID      string `json:"clientID"`
	ConsumerDatas []struct {
		GroupName         string             `json:"groupName"`
		ConsumeType       string             `json:"consumeType"`
		MessageModel      string             `json:"messageModel"`
		ConsumeFromWhere  string             `json:"consumeFromWhere"`
		SubscriptionDatas []subscriptionData `json:"subscriptionDataSet"`
	} `json:"consumerDataSet"`
	ProducerDatas []struct {
		GroupName string `json:"groupName"`
	} `json:"producerDataSet"`
}

// consumerClient is one client of a consumer group.
type consumerClient struct {
	id       string
	conn     *remoting.Conn
	lastSeen time.Time
	model    string
}

// consumerTable holds consumer group membership, as RocketMQ's
// ConsumerManager: a group's members learn of every change through
// NOTIFY_CONSUMER_IDS_CHANGED and rebalance.
type consumerTable struct {
	b    *Broker
	subs *subscriptionTable // the groups' subscriptions, kept in step under mu

	mu     sync.Mutex
	groups map[string]map[string]*consumerClient // group → client id → client
}

func newConsumerTable(b *Broker) *consumerTable {
	return &consumerTable{b: b, subs: newSubscriptionTable(b.filters.Compile),
		groups: make(map[string]map[string]*consumerClient)}
}

// register adds or refreshes a client of group with the subscriptions its
// heartbeat listed; it reports whether the group's membership changed, and
// the subscriptions that changed.
func (t *consumerTable) register(group string, cl *consumerClient, subs []subscriptionData) (bool, []*subscription) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groups[group]
	if g == nil {
		g = make(map[string]*consumerClient)
		t.groups[group] = g
	}
	old, ok := g[cl.id]
	g[cl.id] = cl
	return !ok || old.conn != cl.conn, t.subs.update(group, subs)
}

// ids lists the client ids of group.
func (t *consumerTable) ids(group string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Sorted(maps.Keys(t.groups[group]))
}

// remove drops clients matching pred and returns the groups that changed.
func (t *consumerTable) remove(pred func(group string, c *consumerClient) bool) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var changed []string
	for group, g := range t.groups {
		n := len(g)
		maps.DeleteFunc(g, func(_ string, c *consumerClient) bool { return pred(group, c) })
		if len(g) != n {
			changed = append(changed, group)
		}
		if len(g) == 0 {
			delete(t.groups, group)
			t.subs.drop(group)
		}
	}
	return changed
}

// notify tells every member of group that its membership changed.
func (t *consumerTable) notify(group string) {
	t.mu.Lock()
	var conns []*remoting.Conn
	for _, c := range t.groups[group] {
		conns = append(conns, c.conn)
	}
	t.mu.Unlock()
	for _, c := range conns {
		req := remoting.NewRequest(remoting.RequestNotifyConsumerIDsChanged, map[string]string{"consumerGroup": group}, nil)
		// Best effort, as RocketMQ's: a connection that cannot take the
		// notice is closing (and forgotten with it), and every client
		// rebalances on its own timer anyway.
		_ = c.Oneway(req)
	}
}

func (t *consumerTable) dropConn(conn *remoting.Conn) {
	for _, g := range t.remove(func(_ string, c *consumerClient) bool { return c.conn == conn }) {
		t.notify(g)
	}
}

func (t *consumerTable) expire(before time.Time) {
	for _, g := range t.remove(func(_ string, c *consumerClient) bool { return c.lastSeen.Before(before) }) {
		t.notify(g)
	}
}

// handleHeartbeat records the client's consumer groups (creating their
// retry topics) and tells a group's members when it changed.
func (b *Broker) handleHeartbeat(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	var hb heartbeat
	if err := json.Unmarshal(req.Body, &hb); err != nil {
		return errorResponse(req, remoting.ResponseInvalidParameter, fmt.Errorf("heartbeat body: %w", err))
	}
	if hb.ClientID == "" {
		return remoting.NewResponse(req, remoting.ResponseInvalidParameter, "heartbeat without clientID")
	}
	b.registerProducers(c, &hb)
	b.clients.heartbeat(c, req, &hb)
	for _, cd := range hb.ConsumerDatas {
		if cd.GroupName == "" {
			continue
		}
		cl := &consumerClient{id: hb.ClientID, conn: c, lastSeen: time.Now(), model: cd.MessageModel}
		// A group refused by the auto-creation limit (logged) is still a
		// member here; its config and retry topic come at a later heartbeat.
		if err := b.ensureGroup(cd.GroupName); err != nil && !errors.Is(err, errAutoCreateLimited) {
			return errorResponse(req, remoting.ResponseSystemError, err)
		}
		joined, subs := b.consumers.register(cd.GroupName, cl, cd.SubscriptionDatas)
		if joined {
			b.consumers.notify(cd.GroupName)
		}
		b.reportSubscriptions(c, cd.GroupName, subs)
	}
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// ensureRetryTopic creates %RETRY%<group> (one queue), which push consumers
// subscribe to.
func (b *Broker) ensureRetryTopic(group string) error {
	return b.ensureTopic(retryGroupTopicPrefix + group)
}

// handleUnregisterClient drops a client from the producer group and the
// consumer group it names (either may be absent, as RocketMQ's clients send
// one unregistration per group).
func (b *Broker) handleUnregisterClient(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	id := req.ExtFields["clientID"]
	if pg := req.ExtFields["producerGroup"]; pg != "" {
		b.producers.unregister(pg, id)
	}
	group := req.ExtFields["consumerGroup"]
	if group == "" {
		return remoting.NewResponse(req, remoting.ResponseSuccess, "")
	}
	for _, g := range b.consumers.remove(func(gr string, cl *consumerClient) bool {
		return cl.id == id && gr == group
	}) {
		b.consumers.notify(g)
	}
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// handleGetConsumerList answers the client ids of a group.
func (b *Broker) handleGetConsumerList(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	group := req.ExtFields["consumerGroup"]
	ids := b.consumers.ids(group)
	if len(ids) == 0 {
		return remoting.NewResponse(req, remoting.ResponseSystemError, "no consumer in group "+group)
	}
	body, _ := json.Marshal(map[string][]string{"consumerIdList": ids})
	resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
	resp.Body = body
	return resp
}
