package broker

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// messageQueue is a queue as clients name it in lock requests (RocketMQ's
// MessageQueue JSON).
type messageQueue struct {
	Topic      string `json:"topic"`
	BrokerName string `json:"brokerName"`
	QueueID    int    `json:"queueId"`
}

// lockBatchBody is the body of LOCK_BATCH_MQ and UNLOCK_BATCH_MQ.
type lockBatchBody struct {
	ConsumerGroup  string         `json:"consumerGroup"`
	ClientID       string         `json:"clientId"`
	OnlyThisBroker bool           `json:"onlyThisBroker"`
	MQSet          []messageQueue `json:"mqSet"`
}

// lockHolder is the client holding a queue and when it last (re)locked it.
type lockHolder struct {
	clientID string
	renewed  time.Time
}

// lockTable grants orderly consumers exclusive queues, as RocketMQ's
// RebalanceLockManager: a queue belongs to one client of a group until that
// client unlocks it or lets the lock go stale (maxLive without renewal);
// only then can another client of the group lock it. Locks live in memory,
// as RocketMQ's: after a restart they are taken afresh.
type lockTable struct {
	maxLive time.Duration

	mu     sync.Mutex
	groups map[string]map[messageQueue]*lockHolder
}

func newLockTable(maxLive time.Duration) *lockTable {
	return &lockTable{maxLive: maxLive, groups: make(map[string]map[messageQueue]*lockHolder)}
}

// tryLock locks each queue of mqs for clientID in group where it is free,
// stale or already clientID's, renewing the lock, and returns the queues
// clientID now holds.
func (t *lockTable) tryLock(group, clientID string, mqs []messageQueue, now time.Time) []messageQueue {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groups[group]
	if g == nil {
		g = make(map[messageQueue]*lockHolder)
		t.groups[group] = g
	}
	locked := make([]messageQueue, 0, len(mqs))
	for _, mq := range mqs {
		h := g[mq]
		if h != nil && h.clientID != clientID && now.Sub(h.renewed) <= t.maxLive {
			continue // held by a live client
		}
		g[mq] = &lockHolder{clientID: clientID, renewed: now}
		locked = append(locked, mq)
	}
	return locked
}

// unlock releases the queues of mqs clientID holds in group; it returns the
// queues held by another client, which stay locked.
func (t *lockTable) unlock(group, clientID string, mqs []messageQueue) (others []messageQueue) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groups[group]
	for _, mq := range mqs {
		switch h := g[mq]; {
		case h == nil:
		case h.clientID == clientID:
			delete(g, mq)
		default:
			others = append(others, mq)
		}
	}
	if len(g) == 0 {
		delete(t.groups, group)
	}
	return others
}

// expire forgets stale locks, so that groups gone for good take no memory.
func (t *lockTable) expire(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for group, g := range t.groups {
		for mq, h := range g {
			if now.Sub(h.renewed) > t.maxLive {
				delete(g, mq)
			}
		}
		if len(g) == 0 {
			delete(t.groups, group)
		}
	}
}

// parseLockBody decodes a lock or unlock request's body.
func parseLockBody(req *remoting.Command) (lockBatchBody, error) {
	var body lockBatchBody
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return body, fmt.Errorf("lock body: %w", err)
	}
	if body.ConsumerGroup == "" || body.ClientID == "" {
		return body, fmt.Errorf("lock body without consumerGroup or clientId")
	}
	return body, nil
}

// handleLockBatch answers LOCK_BATCH_MQ: the queues the client holds now.
func (b *Broker) handleLockBatch(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	body, err := parseLockBody(req)
	if err != nil {
		b.warnings.warn("lock-body:"+c.RemoteAddr(), "lock request refused", "addr", c.RemoteAddr(), "err", err)
		return errorResponse(req, remoting.ResponseInvalidParameter, err)
	}
	locked := b.locks.tryLock(body.ConsumerGroup, body.ClientID, body.MQSet, time.Now())
	out, err := json.Marshal(map[string][]messageQueue{"lockOKMQSet": locked})
	if err != nil {
		return errorResponse(req, remoting.ResponseSystemError, err)
	}
	resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
	resp.Body = out
	return resp
}

// handleUnlockBatch answers UNLOCK_BATCH_MQ: the client's locks on the
// queues are released; queues another client holds are left alone (and
// logged, as RocketMQ does).
func (b *Broker) handleUnlockBatch(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	body, err := parseLockBody(req)
	if err != nil {
		b.warnings.warn("lock-body:"+c.RemoteAddr(), "unlock request refused", "addr", c.RemoteAddr(), "err", err)
		return errorResponse(req, remoting.ResponseInvalidParameter, err)
	}
	if others := b.locks.unlock(body.ConsumerGroup, body.ClientID, body.MQSet); len(others) > 0 {
		b.warnings.warn("unlock-other:"+body.ConsumerGroup, "unlock of queues another client holds ignored",
			"group", body.ConsumerGroup, "client", body.ClientID, "queues", len(others))
	}
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}
