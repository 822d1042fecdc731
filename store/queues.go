package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/rocketstore/rocketstore/consumequeue"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// queueKey names one consume queue.
type queueKey struct {
	topic   string
	queueID int32
}

// queueTable holds the open consume queues, creating them on first use.
type queueTable struct {
	root string
	opts consumequeue.Options

	mu     sync.RWMutex
	queues map[queueKey]*consumequeue.Queue
}

func newQueueTable(root string, opts consumequeue.Options) *queueTable {
	return &queueTable{root: root, opts: opts, queues: make(map[queueKey]*consumequeue.Queue)}
}

// loadParallelism bounds the queues opened at once. Opening is mostly
// waiting (mapping, truncating, syncing); concurrent syncs of many files
// share journal commits.
const loadParallelism = 8

// listQueues lists the consume queues under root
// (<topic>/<queueId>/), ignoring directories not named so.
func listQueues(fsys mappedfile.FS, root string) ([]queueKey, error) {
	topics, err := fsys.Subdirs(root)
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", root, err)
	}
	var keys []queueKey
	for _, topic := range topics {
		ids, err := fsys.Subdirs(filepath.Join(root, topic))
		if err != nil {
			return nil, fmt.Errorf("store: list %s: %w", topic, err)
		}
		for _, id := range ids {
			qid, err := strconv.ParseInt(id, 10, 32)
			if err == nil && qid >= 0 && strconv.FormatInt(qid, 10) == id {
				keys = append(keys, queueKey{topic, int32(qid)})
			}
		}
	}
	return keys, nil
}

// load opens every queue found under root (consumequeue/<topic>/<queueId>).
func (t *queueTable) load() error {
	keys, err := listQueues(t.opts.FS, t.root)
	if err != nil {
		return err
	}
	opened := make([]*consumequeue.Queue, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, loadParallelism)
	var wg sync.WaitGroup
	for i, k := range keys {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			opened[i], errs[i] = consumequeue.Open(t.root, k.topic, k.queueID, &t.opts)
		})
	}
	wg.Wait()
	for i, q := range opened {
		if q != nil {
			t.queues[keys[i]] = q
		}
	}
	return errors.Join(errs...)
}

// find returns the queue of topic/queueID, or nil.
func (t *queueTable) find(topic string, queueID int32) *consumequeue.Queue {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.queues[queueKey{topic, queueID}]
}

// findOrCreate returns the queue of topic/queueID, opening it if needed.
func (t *queueTable) findOrCreate(topic string, queueID int32) (*consumequeue.Queue, error) {
	if q := t.find(topic, queueID); q != nil {
		return q, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	k := queueKey{topic, queueID}
	if q := t.queues[k]; q != nil {
		return q, nil
	}
	q, err := consumequeue.Open(t.root, topic, queueID, &t.opts)
	if err != nil {
		return nil, err
	}
	t.queues[k] = q
	return q, nil
}

// all returns a snapshot of the open queues.
func (t *queueTable) all() []*consumequeue.Queue {
	t.mu.RLock()
	defer t.mu.RUnlock()
	qs := make([]*consumequeue.Queue, 0, len(t.queues))
	for _, q := range t.queues {
		qs = append(qs, q)
	}
	return qs
}

// remove forgets topic's queues and deletes their files.
func (t *queueTable) remove(topic string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var errs []error
	for k, q := range t.queues {
		if k.topic == topic {
			errs = append(errs, q.Destroy())
			delete(t.queues, k)
		}
	}
	return errors.Join(errs...)
}

// removeDeleted destroys the queues that hold only records of deleted
// topics (a crash cut their deletion short).
func (t *queueTable) removeDeleted(d *deletedTopics) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var errs []error
	for k, q := range t.queues {
		if max := q.MaxPhysicalOffset(); max > 0 && d.hides(k.topic, max-1) {
			errs = append(errs, q.Destroy())
			delete(t.queues, k)
		}
	}
	return errors.Join(errs...)
}

// maxPhysicalOffset is how far the most advanced queue was fed.
func (t *queueTable) maxPhysicalOffset() int64 {
	var m int64
	for _, q := range t.all() {
		m = max(m, q.MaxPhysicalOffset())
	}
	return m
}

// closeAll flushes and closes every queue.
func (t *queueTable) closeAll() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var errs []error
	for k, q := range t.queues {
		errs = append(errs, q.Close())
		delete(t.queues, k)
	}
	return errors.Join(errs...)
}
