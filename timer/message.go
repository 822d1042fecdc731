package timer

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rocketstore/rocketstore/message"
)

// Topic holds timer messages until they are due, in queue 0 (RocketMQ's
// TimerMessageStore.TIMER_TOPIC).
const Topic = "rmq_sys_wheel_timer"

// Message properties of timer messages (RocketMQ's MessageConst), and
// rocketstore's PropertyOrigin.
const (
	// What a producer sets: an absolute time, or a delay from the send.
	PropertyDeliverMs = "TIMER_DELIVER_MS"
	PropertyDelaySec  = "TIMER_DELAY_SEC"
	PropertyDelayMs   = "TIMER_DELAY_MS"
	// PropertyOutMs is when a timer message is due, set by Rewrite; it
	// stays on the delivered copy, marking it as timed already.
	PropertyOutMs = "TIMER_OUT_MS"
	// PropertyRollTimes counts how often a message due beyond the wheel
	// went round it.
	PropertyRollTimes = "TIMER_ROLL_TIMES"
	// PropertyDeleteKey asks RocketMQ to cancel a timer; not supported.
	PropertyDeleteKey = "TIMER_DEL_UNIQKEY"
	// PropertyOrigin is set on every message the timer puts: the
	// commit-log offset of the timer message it comes from. After a crash
	// the timer finds, in the commit log written since its checkpoint,
	// what it delivered already (see the package documentation).
	PropertyOrigin = "TIMER_ORIGIN_OFFSET"
)

// Errors of Rewrite; the broker answers them with MESSAGE_ILLEGAL, as
// RocketMQ answers WHEEL_TIMER_NOT_ENABLE and WHEEL_TIMER_MSG_ILLEGAL.
var (
	ErrDisabled      = errors.New("accurate timer message is not enabled, timerWheelEnable is false")
	ErrIllegal       = errors.New("timer message illegal")
	ErrDelayTooLong  = fmt.Errorf("%w: the delay time should not be bigger than the max delay", ErrIllegal)
	ErrNotSupported  = fmt.Errorf("%w: cancelling a timer (%s) is not supported", ErrIllegal, PropertyDeleteKey)
	errBadOutMs      = errors.New("timer: TIMER_OUT_MS is not a time")
	errNoRealTopic   = errors.New("timer: the timer message has no REAL_TOPIC or REAL_QID")
	errNotTimerTopic = errors.New("timer: the record is not the timer message its unit names")
)

// HasTimerProperty reports whether m asks for a timer.
func HasTimerProperty(p message.Properties) bool {
	for _, k := range []string{PropertyDeliverMs, PropertyDelaySec, PropertyDelayMs, PropertyDeleteKey} {
		if _, ok := p.Lookup(k); ok {
			return true
		}
	}
	return false
}

// Rewrite makes m a timer message when a producer asked for one, as
// RocketMQ's send path does: a message with TIMER_DELAY_SEC,
// TIMER_DELAY_MS or TIMER_DELIVER_MS (in that order of precedence) due
// after now goes to Topic, queue 0, with its real topic and queue in
// REAL_TOPIC / REAL_QID and its due time in TIMER_OUT_MS. It reports
// whether it did. A message due at once, one with a DELAY level (which
// wins, its timer properties dropped), a prepared or rolled-back
// transaction message and a copy already timed (TIMER_OUT_MS) are left
// alone. A delay beyond maxDelay (0: DefaultMaxDelay) is ErrDelayTooLong;
// a timer property that is not a number ErrIllegal; any timer property
// when !enabled ErrDisabled. A PropertyOrigin a producer set is dropped.
func Rewrite(m *message.Message, now time.Time, maxDelay time.Duration, enabled bool) (bool, error) {
	if _, ok := m.Properties.Lookup(PropertyOrigin); ok {
		m.Properties = m.Properties.Delete(PropertyOrigin)
	}
	switch message.TransactionType(m.SysFlag) {
	case message.TransactionPreparedType, message.TransactionRollbackType:
		return false, nil
	}
	if level, _ := strconv.Atoi(m.Properties.Get(message.PropertyDelayLevel)); level > 0 {
		m.Properties = m.Properties.Delete(PropertyDeliverMs).Delete(PropertyDelaySec).Delete(PropertyDelayMs)
		return false, nil
	}
	if _, ok := m.Properties.Lookup(PropertyOutMs); ok || m.Topic == Topic || !HasTimerProperty(m.Properties) {
		return false, nil
	}
	if !enabled {
		return false, ErrDisabled
	}
	if _, ok := m.Properties.Lookup(PropertyDeleteKey); ok {
		return false, ErrNotSupported
	}
	deliverMs, err := dueTime(m.Properties, now)
	if err != nil {
		return false, err
	}
	if maxDelay <= 0 {
		maxDelay = DefaultMaxDelay
	}
	nowMs := now.UnixMilli()
	if deliverMs <= nowMs {
		return false, nil // due already: delivered at once
	}
	if deliverMs-nowMs > maxDelay.Milliseconds() {
		return false, fmt.Errorf("%w %dms (timerMaxDelaySec): it is due in %dms", ErrDelayTooLong, maxDelay.Milliseconds(), deliverMs-nowMs)
	}
	p := m.Properties.Set(PropertyOutMs, strconv.FormatInt(deliverMs, 10))
	p = p.Set(message.PropertyRealTopic, m.Topic).Set(message.PropertyRealQueueID, strconv.Itoa(int(m.QueueID)))
	m.Properties, m.Topic, m.QueueID = p, Topic, 0
	return true, nil
}

// dueTime reads the time a producer asked for.
func dueTime(p message.Properties, now time.Time) (int64, error) {
	for _, f := range []struct {
		name  string
		toAbs func(v int64) int64
	}{
		{PropertyDelaySec, func(v int64) int64 { return now.UnixMilli() + v*1000 }},
		{PropertyDelayMs, func(v int64) int64 { return now.UnixMilli() + v }},
		{PropertyDeliverMs, func(v int64) int64 { return v }},
	} {
		s, ok := p.Lookup(f.name)
		if !ok {
			continue
		}
		v, err := strconv.ParseInt(string(s), 10, 64)
		// Bounds keep the arithmetic from overflowing; any such value is
		// beyond the max delay anyway.
		if err != nil || v > 1<<50 || v < -(1<<50) {
			return 0, fmt.Errorf("%w: %s=%q is not a number of the right size", ErrIllegal, f.name, s)
		}
		return f.toAbs(v), nil
	}
	return 0, fmt.Errorf("%w: no due time", ErrIllegal)
}

// outMs reads a timer record's due time.
func outMs(p message.Properties) (int64, error) {
	v, err := strconv.ParseInt(p.Get(PropertyOutMs), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", errBadOutMs, p.Get(PropertyOutMs))
	}
	return v, nil
}

// delivered is the message the timer puts for the timer record rec (at
// commit-log offset origin): in its real topic and queue, without
// REAL_TOPIC / REAL_QID, with PropertyOrigin. A roll instead puts it back
// in the timer topic, counting the round in TIMER_ROLL_TIMES.
func delivered(rec *message.Record, origin int64, roll bool) (message.Message, error) {
	p := rec.Properties.Set(PropertyOrigin, strconv.FormatInt(origin, 10))
	m := message.Message{
		Topic: Topic, Flag: rec.Flag, Body: rec.Body, SysFlag: rec.SysFlag,
		BornTimestamp: rec.BornTimestamp, BornHost: rec.BornHost, ReconsumeTimes: rec.ReconsumeTimes,
	}
	if roll {
		n, _ := strconv.Atoi(p.Get(PropertyRollTimes))
		m.Properties = p.Set(PropertyRollTimes, strconv.Itoa(n+1))
		return m, nil
	}
	topic := p.Get(message.PropertyRealTopic)
	qid, err := strconv.ParseInt(p.Get(message.PropertyRealQueueID), 10, 32)
	if topic == "" || err != nil || qid < 0 {
		return m, errNoRealTopic
	}
	m.Topic, m.QueueID = topic, int32(qid)
	m.Properties = p.Delete(message.PropertyRealTopic).Delete(message.PropertyRealQueueID)
	return m, nil
}

// originOf reads PropertyOrigin (ok false when absent).
func originOf(p message.Properties) (int64, bool) {
	s, ok := p.Lookup(PropertyOrigin)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(string(s), 10, 64)
	return v, err == nil
}
