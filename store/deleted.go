package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"sync"
	"sync/atomic"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// deletedTopicsName is the file under the store's root that remembers
// deleted topics.
const deletedTopicsName = "deletedTopics.json"

// deletedTopics remembers, for each deleted topic, the commit-log offset
// at which it was deleted: the records of the topic below it belong to the
// deleted topic, and are never dispatched to a consume queue or the index
// again (the dispatch after a crash would otherwise bring them back into
// the queues of a topic created again with the same name, where they
// would take the queue offsets of new messages). An entry goes once the
// commit log no longer holds anything below its offset.
//
// The file is small JSON, {"topic": offset}, replaced atomically.
type deletedTopics struct {
	fsys mappedfile.FS
	path string

	n  atomic.Int32 // entries: 0 lets dispatch skip the lookup
	mu sync.RWMutex
	at map[string]int64
}

func openDeletedTopics(fsys mappedfile.FS, path string) (*deletedTopics, error) {
	d := &deletedTopics{fsys: fsys, path: path, at: map[string]int64{}}
	b, err := fsys.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return d, nil
	case err != nil:
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &d.at); err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	d.n.Store(int32(len(d.at)))
	return d, nil
}

// hides reports whether the record of topic at phys belongs to a deleted
// topic.
func (d *deletedTopics) hides(topic string, phys int64) bool {
	if d.n.Load() == 0 {
		return false
	}
	d.mu.RLock()
	at, ok := d.at[topic]
	d.mu.RUnlock()
	return ok && phys < at
}

// add records that topic was deleted at offset at, durably, before the
// caller removes anything.
func (d *deletedTopics) add(topic string, at int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	next := maps.Clone(d.at)
	next[topic] = max(at, d.at[topic])
	return d.replaceLocked(next)
}

// expire forgets the topics whose every old record the commit log dropped
// (offsets at or below minPhys).
func (d *deletedTopics) expire(minPhys int64) error {
	if d.n.Load() == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	next := maps.Clone(d.at)
	maps.DeleteFunc(next, func(_ string, at int64) bool { return at <= minPhys })
	if len(next) == len(d.at) {
		return nil
	}
	return d.replaceLocked(next)
}

func (d *deletedTopics) replaceLocked(next map[string]int64) error {
	b, err := json.Marshal(next)
	if err == nil {
		err = mappedfile.WriteFileAtomic(d.fsys, d.path, b)
	}
	if err != nil {
		return fmt.Errorf("store: record deleted topics: %w", err)
	}
	d.at = next
	d.n.Store(int32(len(next)))
	return nil
}

// TopicDeletedAfter reports whether topic was deleted after the record at
// commit-log offset phys was stored: a message derived from that record
// (a delayed message coming due, a timer message, a committed transaction)
// belongs to the deleted topic, not to a topic created again since with the
// same name, and must not be delivered to it.
func (s *MessageStore) TopicDeletedAfter(topic string, phys int64) bool {
	return s.deleted.hides(topic, phys)
}
