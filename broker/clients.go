package broker

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// clientConn is what a connection's heartbeats said about its client: who
// it is and which roles it plays. GET_CONSUMER_CONNECTION_LIST and
// GET_PRODUCER_CONNECTION_LIST answer from it, and the connection gauges
// count connections by kind with it.
type clientConn struct {
	id       string
	addr     string
	language string
	version  int16
	lastSeen time.Time
	// consumers holds, per consumer group, how the client consumes
	// (consumeType, messageModel, consumeFromWhere).
	consumers map[string]consumerMode
	producers map[string]bool // producer groups
}

// consumerMode is how a client consumes for a group, as its heartbeat said.
type consumerMode struct {
	ConsumeType      string
	MessageModel     string
	ConsumeFromWhere string
}

// clientTable holds a clientConn per connection that sent a heartbeat.
type clientTable struct {
	mu    sync.Mutex
	conns map[*remoting.Conn]*clientConn
}

func newClientTable() *clientTable {
	return &clientTable{conns: make(map[*remoting.Conn]*clientConn)}
}

// heartbeat records what a heartbeat over c says of its client.
func (t *clientTable) heartbeat(c *remoting.Conn, req *remoting.Command, hb *heartbeat) {
	cc := &clientConn{id: hb.ClientID, addr: c.RemoteAddr(), language: req.Language, version: req.Version,
		lastSeen: time.Now(), consumers: map[string]consumerMode{}, producers: map[string]bool{}}
	for _, cd := range hb.ConsumerDatas {
		if cd.GroupName != "" {
			cc.consumers[cd.GroupName] = consumerMode{cd.ConsumeType, cd.MessageModel, cd.ConsumeFromWhere}
		}
	}
	for _, pd := range hb.ProducerDatas {
		if pd.GroupName != "" {
			cc.producers[pd.GroupName] = true
		}
	}
	t.mu.Lock()
	t.conns[c] = cc
	t.mu.Unlock()
}

// drop forgets a closed connection.
func (t *clientTable) drop(c *remoting.Conn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
}

// expire forgets connections whose client was silent since before.
func (t *clientTable) expire(before time.Time) {
	t.mu.Lock()
	maps.DeleteFunc(t.conns, func(_ *remoting.Conn, cc *clientConn) bool { return cc.lastSeen.Before(before) })
	t.mu.Unlock()
}

// get returns what is known of c's client.
func (t *clientTable) get(c *remoting.Conn) (clientConn, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cc, ok := t.conns[c]
	if !ok {
		return clientConn{}, false
	}
	return *cc, true
}

// withGroup returns the clients that consume (producer false) or produce
// for group, ordered by client id.
func (t *clientTable) withGroup(group string, producer bool) []clientConn {
	t.mu.Lock()
	var out []clientConn
	for _, cc := range t.conns {
		_, consumes := cc.consumers[group]
		if (producer && cc.producers[group]) || (!producer && consumes) {
			out = append(out, *cc)
		}
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b clientConn) int {
		if a.id != b.id {
			return strings.Compare(a.id, b.id)
		}
		return strings.Compare(a.addr, b.addr)
	})
	return out
}

// connKinds counts open connections by the role their client registered: a
// client both producing and consuming counts as a consumer.
type connKinds struct{ producer, consumer, other int }

// countByKind splits total open connections into kinds.
func (t *clientTable) countByKind(total int) connKinds {
	t.mu.Lock()
	defer t.mu.Unlock()
	var k connKinds
	for _, cc := range t.conns {
		switch {
		case len(cc.consumers) > 0:
			k.consumer++
		case len(cc.producers) > 0:
			k.producer++
		}
	}
	k.other = max(total-k.producer-k.consumer, 0)
	return k
}

// connectionCount is the number of open client connections.
func (b *Broker) connectionCount() int {
	if b.server == nil {
		return 0
	}
	return b.server.ConnCount()
}
