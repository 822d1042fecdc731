package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rocketstore/rocketstore/message"
)

// ScheduleTopic holds delayed messages until they are due, one queue per
// delay level (queue id = level - 1), as RocketMQ's SCHEDULE_TOPIC_XXXX.
const ScheduleTopic = "SCHEDULE_TOPIC_XXXX"

// DefaultDelayLevels is RocketMQ's messageDelayLevel: level 1 is 1 s, level
// 18 is 2 h.
const DefaultDelayLevels = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h"

// ParseDelayLevels parses a messageDelayLevel string ("1s 5s 1m 2h").
func ParseDelayLevels(s string) ([]time.Duration, error) {
	var levels []time.Duration
	for f := range strings.FieldsSeq(s) {
		if len(f) < 2 {
			return nil, fmt.Errorf("%w: delay level %q", ErrInvalidOptions, f)
		}
		num, suffix := f[:len(f)-1], f[len(f)-1:]
		if strings.HasSuffix(f, "ms") {
			num, suffix = f[:len(f)-2], "ms"
		}
		n, err := strconv.Atoi(num)
		unit := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[suffix]
		if err != nil || n <= 0 || unit == 0 {
			return nil, fmt.Errorf("%w: delay level %q: want a positive number and ms, s, m, h or d", ErrInvalidOptions, f)
		}
		levels = append(levels, time.Duration(n)*unit)
	}
	if len(levels) == 0 {
		return nil, fmt.Errorf("%w: no delay levels", ErrInvalidOptions)
	}
	return levels, nil
}

// DelayLevels are the store's delay levels; level n is DelayLevels()[n-1].
func (s *MessageStore) DelayLevels() []time.Duration { return s.delayLevels }

// scheduleDelayed rewrites a message with a DELAY property into the
// schedule topic, keeping its real topic and queue in properties, as
// RocketMQ's commit log does on put. Prepared and rolled-back transaction
// messages keep their topic.
func (s *MessageStore) scheduleDelayed(m *message.Message) {
	switch message.TransactionType(m.SysFlag) {
	case message.TransactionPreparedType, message.TransactionRollbackType:
		return
	}
	v, ok := m.Properties.Lookup(message.PropertyDelayLevel)
	if !ok || m.Topic == ScheduleTopic {
		return
	}
	level, err := strconv.Atoi(string(v))
	if err != nil || level <= 0 {
		return
	}
	level = min(level, len(s.delayLevels))
	props := m.Properties.Set(message.PropertyRealTopic, m.Topic)
	props = props.Set(message.PropertyRealQueueID, strconv.Itoa(int(m.QueueID)))
	props = props.Set(message.PropertyDelayLevel, strconv.Itoa(level))
	m.Properties, m.Topic, m.QueueID = props, ScheduleTopic, int32(level-1)
}

// deliverAt is the tags code of a schedule-topic unit: when the message is
// due (store time plus its level's delay).
func (s *MessageStore) deliverAt(r *message.Record) int64 {
	level := int(r.QueueID) + 1
	if level < 1 || level > len(s.delayLevels) {
		return r.StoreTimestamp
	}
	return r.StoreTimestamp + s.delayLevels[level-1].Milliseconds()
}
