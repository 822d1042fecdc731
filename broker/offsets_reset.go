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
	if _, ok := r[queueID]; !ok {
		t.pending.Add(1)
	}
	r[queueID] = offset
	t.setLocked(k, queueID, offset)
}

// pullReset is called for every pull: when a reset of group's offset in
// topic/queueID is pending and the pull does not start at it, it returns
// the reset offset and true (the pull is to be answered PULL_OFFSET_MOVED);
// a pull that starts at the reset offset clears it.
func (t *offsetTable) pullReset(group, topic string, queueID int32, from int64) (int64, bool) {
	if t.pending.Load() == 0 { // the common case: no lock on the pull path
		return 0, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	k := offsetKey(group, topic)
	off, ok := t.resets[k][queueID]
	if !ok {
		return 0, false
	}
	if from == off {
		t.pending.Add(-1)
		delete(t.resets[k], queueID)
		if len(t.resets[k]) == 0 {
			delete(t.resets, k)
		}
		return 0, false
	}
	return off, true
}

// dropResetsLocked forgets the pending resets of key k (topic@group).
func (t *offsetTable) dropResetsLocked(k string) {
	t.pending.Add(-int64(len(t.resets[k])))
	delete(t.resets, k)
}

// removeGroup forgets every offset of group.
func (t *offsetTable) removeGroup(group string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.table {
		if strings.HasSuffix(k, "@"+group) {
			delete(t.table, k)
			t.dropResetsLocked(k)
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
	return t.keysWhere(func(_, g string) bool { return g == group }, true)
}

// groupsOf lists the groups with offsets in topic.
func (t *offsetTable) groupsOf(topic string) []string {
	return t.keysWhere(func(tp, _ string) bool { return tp == topic }, false)
}

// keysWhere lists the topics (or groups) of the table's topic@group keys
// that match.
func (t *offsetTable) keysWhere(match func(topic, group string) bool, topics bool) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for k := range t.table {
		if topic, group, ok := strings.Cut(k, "@"); ok && match(topic, group) {
			if topics {
				out = append(out, topic)
			} else {
				out = append(out, group)
			}
		}
	}
	return out
}
