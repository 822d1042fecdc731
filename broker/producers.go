package broker

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// producerClient is one client's connection, as its heartbeats report it.
type producerClient struct {
	conn     *remoting.Conn
	lastSeen time.Time
}

// producerTable holds the connections of producer groups, from the
// producerDataSet of heartbeats, as RocketMQ's ProducerManager: the
// transaction check asks a live producer of a half message's group, and a
// reply is pushed to the producer whose client id sent the request.
type producerTable struct {
	mu     sync.Mutex
	groups map[string]map[string]*producerClient // group → client id → client
}

func newProducerTable() *producerTable {
	return &producerTable{groups: make(map[string]map[string]*producerClient)}
}

// register records that clientID produces for group over conn.
func (t *producerTable) register(group, clientID string, conn *remoting.Conn, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groups[group]
	if g == nil {
		g = make(map[string]*producerClient)
		t.groups[group] = g
	}
	g[clientID] = &producerClient{conn: conn, lastSeen: now}
}

// unregister drops clientID from group ("" drops it from every group).
func (t *producerTable) unregister(group, clientID string) {
	t.remove(func(g, id string, _ *producerClient) bool { return id == clientID && (group == "" || g == group) })
}

// dropConn forgets every registration made over conn.
func (t *producerTable) dropConn(conn *remoting.Conn) {
	t.remove(func(_, _ string, c *producerClient) bool { return c.conn == conn })
}

// expire forgets clients silent since before.
func (t *producerTable) expire(before time.Time) {
	t.remove(func(_, _ string, c *producerClient) bool { return c.lastSeen.Before(before) })
}

func (t *producerTable) remove(pred func(group, clientID string, c *producerClient) bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for group, g := range t.groups {
		for id, c := range g {
			if pred(group, id, c) {
				delete(g, id)
			}
		}
		if len(g) == 0 {
			delete(t.groups, group)
		}
	}
}

// anyConn returns a live connection of group, chosen at random so that
// checks spread over the group's producers, or nil.
func (t *producerTable) anyConn(group string) *remoting.Conn {
	t.mu.Lock()
	var live []*remoting.Conn
	for _, c := range t.groups[group] {
		select {
		case <-c.conn.Done():
		default:
			live = append(live, c.conn)
		}
	}
	t.mu.Unlock()
	if len(live) == 0 {
		return nil
	}
	return live[rand.IntN(len(live))]
}

// connOf returns the live connection of the producer client clientID, or
// nil.
func (t *producerTable) connOf(clientID string) *remoting.Conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, g := range t.groups {
		if c, ok := g[clientID]; ok {
			select {
			case <-c.conn.Done():
			default:
				return c.conn
			}
		}
	}
	return nil
}

// registerProducers records the producer groups of a heartbeat.
func (b *Broker) registerProducers(c *remoting.Conn, hb *heartbeat) {
	now := time.Now()
	for _, pd := range hb.ProducerDatas {
		if pd.GroupName != "" {
			b.producers.register(pd.GroupName, hb.ClientID, c, now)
		}
	}
}
