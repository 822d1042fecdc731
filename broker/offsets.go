package broker

import (
	"fmt"
	"maps"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rocketstore/rocketstore/remoting"
)

// offsetTable holds consumer offsets, persisted as RocketMQ's
// consumerOffset.json: {"offsetTable": {"<topic>@<group>": {"<queueId>": offset}}}.
type offsetTable struct {
	path string

	mu    sync.Mutex
	table map[string]map[string]int64
	dirty bool
	// resets holds offsets an operator reset that the group has not yet
	// pulled from (see offsets_reset.go): commits of older offsets are
	// ignored meanwhile. pending counts them, so that pulls look without
	// the lock when there are none.
	resets  map[string]map[int32]int64
	pending atomic.Int64
}

type offsetFile struct {
	OffsetTable map[string]map[string]int64 `json:"offsetTable"`
}

func openOffsetTable(dir string) (*offsetTable, error) {
	t := &offsetTable{path: filepath.Join(dir, "consumerOffset.json"), table: map[string]map[string]int64{}}
	var f offsetFile
	if err := loadJSON(t.path, &f); err != nil {
		return nil, err
	}
	if f.OffsetTable != nil {
		t.table = f.OffsetTable
	}
	return t, nil
}

func offsetKey(group, topic string) string { return topic + "@" + group }

// commit records group's offset in topic/queueID.
func (t *offsetTable) commit(group, topic string, queueID int32, offset int64) {
	k := offsetKey(group, topic)
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, pending := t.resets[k][queueID]; pending {
		return // a stale commit from before the reset
	}
	t.setLocked(k, queueID, offset)
}

// setLocked records offset for key k (topic@group) and queueID.
func (t *offsetTable) setLocked(k string, queueID int32, offset int64) {
	q := t.table[k]
	if q == nil {
		q = map[string]int64{}
		t.table[k] = q
	}
	q[strconv.Itoa(int(queueID))] = offset
	t.dirty = true
}

// query returns group's offset in topic/queueID.
func (t *offsetTable) query(group, topic string, queueID int32) (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.table[offsetKey(group, topic)][strconv.Itoa(int(queueID))]
	return v, ok
}

// removeTopic forgets every group's offsets in topic.
func (t *offsetTable) removeTopic(topic string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.table {
		if strings.HasPrefix(k, topic+"@") {
			delete(t.table, k)
			t.dropResetsLocked(k)
			t.dirty = true
		}
	}
	for k := range t.resets {
		if strings.HasPrefix(k, topic+"@") {
			delete(t.resets, k)
		}
	}
}

// snapshot copies the table in its file shape.
func (t *offsetTable) snapshot() offsetFile {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := offsetFile{OffsetTable: make(map[string]map[string]int64, len(t.table))}
	for k, q := range t.table {
		f.OffsetTable[k] = maps.Clone(q)
	}
	return f
}

// replace takes a master's offsets (a slave follows them).
func (t *offsetTable) replace(table map[string]map[string]int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, q := range table {
		t.table[k] = maps.Clone(q)
	}
	t.dirty = true
}

// save writes the table when it changed.
func (t *offsetTable) save() error {
	t.mu.Lock()
	if !t.dirty {
		t.mu.Unlock()
		return nil
	}
	t.dirty = false
	t.mu.Unlock()
	f := t.snapshot()
	if err := saveJSON(t.path, f); err != nil {
		t.mu.Lock()
		t.dirty = true
		t.mu.Unlock()
		return fmt.Errorf("broker: consumer offsets: %w", err)
	}
	return nil
}

// handleQueryConsumerOffset answers a group's committed offset, or
// QUERY_NOT_FOUND so the client starts where its ConsumeFromWhere says.
func (b *Broker) handleQueryConsumerOffset(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	var h remoting.QueryConsumerOffsetRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorResponse(req, remoting.ResponseInvalidParameter, err)
	}
	off, ok := b.offsets.query(h.ConsumerGroup, h.Topic, h.QueueID)
	if !ok {
		if !b.startsInMemory(h.Topic, h.QueueID) {
			return remoting.NewResponse(req, remoting.ResponseQueryNotFound, "no offset committed for this queue")
		}
		off = 0
	}
	resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
	rh := remoting.QueryConsumerOffsetResponseHeader{Offset: off}
	resp.ExtFields = rh.Encode(nil)
	return resp
}

// handleUpdateConsumerOffset records a committed offset.
func (b *Broker) handleUpdateConsumerOffset(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	var h remoting.UpdateConsumerOffsetRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorResponse(req, remoting.ResponseInvalidParameter, err)
	}
	b.offsets.commit(h.ConsumerGroup, h.Topic, h.QueueID, h.CommitOffset)
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// startsInMemory is RocketMQ 4.9's rule for a group with no committed
// offset in a queue (ConsumerManageProcessor.queryConsumerOffset): offset 0
// is answered while the queue's first message is still at offset 0 and in
// memory (within the store's in-memory ratio of the log's end), so a new
// group of a young queue reads it from its start; otherwise QUERY_NOT_FOUND
// lets the client start where its ConsumeFromWhere says (the queue's end
// for CONSUME_FROM_LAST_OFFSET).
func (b *Broker) startsInMemory(topic string, queueID int32) bool {
	if b.store.GetMinOffsetInQueue(topic, queueID) > 0 {
		return false
	}
	r, err := b.store.GetMessage("", topic, queueID, 0, 1, nil)
	if err != nil {
		return false
	}
	defer r.Release()
	// The store sets SuggestPullingFromSlave exactly when what it reached
	// lies further behind the log's end than the in-memory ratio.
	return !r.SuggestPullingFromSlave
}
