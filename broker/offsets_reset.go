package broker

import (
	"strconv"
	"strings"
)

// Offset resets, as RocketMQ's server-side reset (ConsumerOffsetManager
// assignResetOffset and queryThenEraseResetOffset): an operator's reset
// writes the new offset into the table at once and keeps it as pending
// until the group pulls that queue. Meanwhile commits (UPDATE_CONSUMER_OFFSET
// and the commit offset of pulls) are ignored, since they come from
// consumers that have not yet moved, and a pull from any other offset is
// answered PULL_OFFSET_MOVED with the reset offset as its next begin offset,
// which makes the consumer move.

// assignReset sets group's offset in topic/queueID to offset and keeps it
// pending until the group pulls from it.
func (t *offsetTable) assignReset(group, topic string, queueID int32, offset int64) {
	k := offsetKey(group, topic)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.resets == nil {
		t.resets = map[string]map[int32]int64{}
	}
	r := t.resets[k]
	if r == nil {
		r = map[int32]int64{}
		t.resets[k] = r
	}
	r[queueID] = offset
	q := t.table[k]
	if q == nil {
		q = map[string]int64{}
		t.table[k] = q
	}
	q[strconv.Itoa(int(queueID))] = offset
	t.dirty = true
}

// pullReset is called for every pull: when a reset of group's offset in
// topic/queueID is pending and the pull does not start at it, it returns
// the reset offset and true (the pull is to be answered PULL_OFFSET_MOVED);
// a pull that starts at the reset offset clears it.
func (t *offsetTable) pullReset(group, topic string, queueID int32, from int64) (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.resets) == 0 { // the common case: one check under the lock
		return 0, false
	}
	k := offsetKey(group, topic)
	off, ok := t.resets[k][queueID]
	if !ok {
		return 0, false
	}
	if from == off {
		delete(t.resets[k], queueID)
		if len(t.resets[k]) == 0 {
			delete(t.resets, k)
		}
		return 0, false
	}
	return off, true
}

// removeGroup forgets every offset of group.
func (t *offsetTable) removeGroup(group string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.table {
		if strings.HasSuffix(k, "@"+group) {
			delete(t.table, k)
			delete(t.resets, k)
			t.dirty = true
		}
	}
}

// groupQueues returns group's committed offsets in topic, by queue.
func (t *offsetTable) groupQueues(group, topic string) map[int32]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	q := t.table[offsetKey(group, topic)]
	out := make(map[int32]int64, len(q))
	for qs, off := range q {
		if id, err := strconv.Atoi(qs); err == nil {
			out[int32(id)] = off
		}
	}
	return out
}

// topicsOf lists the topics group has offsets in.
func (t *offsetTable) topicsOf(group string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for k := range t.table {
		if topic, g, ok := strings.Cut(k, "@"); ok && g == group {
			out = append(out, topic)
		}
	}
	return out
}

// groupsOf lists the groups with offsets in topic.
func (t *offsetTable) groupsOf(topic string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for k := range t.table {
		if tp, g, ok := strings.Cut(k, "@"); ok && tp == topic {
			out = append(out, g)
		}
	}
	return out
}
