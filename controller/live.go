package controller

import (
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// brokerKey names one broker of one group.
type brokerKey struct {
	brokerName string
	brokerID   int64
}

// liveBroker is the leader's in-memory record of a broker's last heartbeat
// (RocketMQ's BrokerLiveInfo). It is not replicated: a new leader starts
// empty and waits one heartbeat timeout before it elects.
type liveBroker struct {
	last      time.Time
	timeout   time.Duration
	conn      *remoting.Conn // closed connection: the broker is gone at once
	epoch     int32
	maxOffset int64
	confirm   int64
	priority  int32
	reported  bool // expire already reported it dead
}

// liveTable holds the heartbeats the leader received, and when its term
// began serving (before that plus the grace, an unknown broker counts as
// alive: it may not have found the new leader yet).
type liveTable struct {
	now   func() time.Time
	grace time.Duration

	mu      sync.Mutex
	brokers map[brokerKey]*liveBroker
	since   time.Time // start of the current leadership's grace; zero when not leader
}

func newLiveTable(now func() time.Time, grace time.Duration) *liveTable {
	return &liveTable{now: now, grace: grace, brokers: make(map[brokerKey]*liveBroker)}
}

// reset forgets every heartbeat and starts (at) or ends (zero) a term.
func (t *liveTable) reset(since time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.brokers = make(map[brokerKey]*liveBroker)
	t.since = since
}

// inGrace reports whether the term is younger than one heartbeat timeout.
func (t *liveTable) inGrace() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.inGraceLocked(t.now())
}

func (t *liveTable) inGraceLocked(now time.Time) bool {
	return !t.since.IsZero() && now.Before(t.since.Add(t.grace))
}

// beat records a heartbeat. Epoch and offsets only move forward, as in
// RocketMQ: a late heartbeat must not make a broker look behind.
func (t *liveTable) beat(r *HeartbeatRequest, conn *remoting.Conn, defaultTimeout time.Duration) {
	k := brokerKey{r.BrokerName, r.BrokerID}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.brokers[k]
	if b == nil {
		b = &liveBroker{epoch: r.Epoch, maxOffset: r.MaxOffset, confirm: r.ConfirmOffset}
		t.brokers[k] = b
	} else if r.Epoch > b.epoch || r.Epoch == b.epoch && r.MaxOffset > b.maxOffset {
		b.epoch, b.maxOffset, b.confirm = r.Epoch, r.MaxOffset, r.ConfirmOffset
	}
	b.last, b.timeout, b.conn, b.priority, b.reported = t.now(), timeout, conn, r.ElectionPriority, false
}

// alive reports whether the broker's last heartbeat is fresh and its
// connection open; a broker never heard of counts as alive during the grace.
func (t *liveTable) alive(name string, id int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	b := t.brokers[brokerKey{name, id}]
	if b == nil {
		return t.inGraceLocked(now)
	}
	return fresh(b, now)
}

func fresh(b *liveBroker, now time.Time) bool {
	if b.conn != nil {
		select {
		case <-b.conn.Done():
			return false
		default:
		}
	}
	return !now.After(b.last.Add(b.timeout))
}

// info returns a copy of the broker's record.
func (t *liveTable) info(name string, id int64) (liveBroker, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.brokers[brokerKey{name, id}]
	if b == nil {
		return liveBroker{}, false
	}
	return *b, true
}

// forgetAfter is how many heartbeat timeouts a dead broker's record is
// kept (so that it keeps counting as dead during a grace) before it goes.
const forgetAfter = 10

// expire returns the brokers that went silent since the last call, and
// forgets those silent for long.
func (t *liveTable) expire() []brokerKey {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var gone []brokerKey
	for k, b := range t.brokers {
		switch {
		case fresh(b, now):
		case now.After(b.last.Add(forgetAfter * b.timeout)):
			delete(t.brokers, k)
		case !b.reported:
			b.reported = true
			gone = append(gone, k)
		}
	}
	return gone
}
