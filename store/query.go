package store

import (
	"errors"
	"fmt"
	"slices"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/consumequeue"
	"github.com/rocketstore/rocketstore/index"
	"github.com/rocketstore/rocketstore/message"
)

// ErrNotFound reports a lookup that found nothing.
var ErrNotFound = errors.New("store: not found")

// LookMessageByOffset returns the record stored at commit-log offset phys
// (the offset inside an offset message id), decoded from a private copy.
// A record that fails its CRC is never returned.
func (s *MessageStore) LookMessageByOffset(phys int64) (message.Record, error) {
	b, err := s.recordBytes(phys)
	if err != nil {
		return message.Record{}, err
	}
	return message.Decode(b, false)
}

// MessageBytes returns a private copy of the record stored at commit-log
// offset phys, exactly as stored (what a broker sends for a view by id).
// A record that fails its CRC is never returned, nor one that is not where
// the log's records are: its PHYSICALOFFSET must be phys (commitlog.Read)
// and, once dispatched, its consume queue must point at phys for its queue
// offset. A well-formed record forged inside another message's body, at an
// offset a client asks for, fails one or the other.
func (s *MessageStore) MessageBytes(phys int64) ([]byte, error) {
	b, err := s.recordBytes(phys)
	if err != nil {
		return nil, err
	}
	if err := s.checkQueued(b, phys); err != nil {
		return nil, err
	}
	return b, nil
}

// MessageEntry returns the record at commit-log offset phys, checked as
// MessageBytes checks it, without copying it: its bytes are the commit
// log's, valid until the entry is released (a broker writes them to the
// client from there, so that answers waiting for a slow reader cost no
// heap).
func (s *MessageStore) MessageEntry(phys int64) (commitlog.Entry, error) {
	if s.closed.Load() {
		return commitlog.Entry{}, ErrClosed
	}
	if phys < s.commitLog.MinOffset() || phys >= s.commitLog.MaxOffset() {
		return commitlog.Entry{}, fmt.Errorf("%w: offset %d outside [%d, %d)", ErrNotFound, phys, s.commitLog.MinOffset(), s.commitLog.MaxOffset())
	}
	e, err := s.commitLog.Read(phys)
	if err != nil {
		return e, fmt.Errorf("%w: offset %d: %w", ErrNotFound, phys, err)
	}
	if _, err := message.Decode(e.Bytes, true); err != nil {
		e.Release()
		return commitlog.Entry{}, fmt.Errorf("store: record at %d: %w", phys, err)
	}
	if err := s.checkQueued(e.Bytes, phys); err != nil {
		e.Release()
		return commitlog.Entry{}, err
	}
	return e, nil
}

// checkQueued checks that the consume queue of the record b, stored at
// phys, points at phys for the record's queue offset. Records no queue
// holds (prepared and rolled-back transaction records) and those the
// dispatcher has not reached yet are not checked.
func (s *MessageStore) checkQueued(b []byte, phys int64) error {
	rec, err := message.Decode(b, false)
	if err != nil {
		return fmt.Errorf("store: record at %d: %w", phys, err)
	}
	switch message.TransactionType(rec.SysFlag) {
	case message.TransactionPreparedType, message.TransactionRollbackType:
		return nil
	}
	if phys >= s.dispatcher.offset() {
		return nil
	}
	q := s.queues.find(rec.Topic, rec.QueueID)
	if q == nil {
		return fmt.Errorf("%w: no queue %s/%d holds the record at %d", ErrNotFound, rec.Topic, rec.QueueID, phys)
	}
	u, err := q.Unit(rec.QueueOffset)
	if err != nil {
		return fmt.Errorf("%w: offset %d: %w", ErrNotFound, phys, err)
	}
	if u.CommitLogOffset != phys {
		return fmt.Errorf("%w: the record at %d is not the one queue %s/%d holds at %d (that one is at %d)",
			ErrNotFound, phys, rec.Topic, rec.QueueID, rec.QueueOffset, u.CommitLogOffset)
	}
	return nil
}

// recordBytes returns a private copy of the intact record at phys.
func (s *MessageStore) recordBytes(phys int64) ([]byte, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if phys < s.commitLog.MinOffset() || phys >= s.commitLog.MaxOffset() {
		return nil, fmt.Errorf("%w: offset %d outside [%d, %d)", ErrNotFound, phys, s.commitLog.MinOffset(), s.commitLog.MaxOffset())
	}
	if err := s.checkVisible(phys); err != nil {
		return nil, err
	}
	var epoch uint64
	if s.cache != nil {
		if b, ok := s.cache.getRecord(phys); ok {
			return b, nil
		}
		epoch = s.cache.stamp()
	}
	e, err := s.commitLog.Read(phys)
	if err != nil {
		return nil, fmt.Errorf("%w: offset %d: %w", ErrNotFound, phys, err)
	}
	b := slices.Clone(e.Bytes)
	e.Release()
	if _, err := message.Decode(b, true); err != nil {
		return nil, fmt.Errorf("store: record at %d: %w", phys, err)
	}
	if s.cache != nil {
		s.cache.putRecord(phys, epoch, slices.Clone(b)) // the caller owns b
	}
	return b, nil
}

// QueryResult is what QueryMessage found.
type QueryResult struct {
	// Records are the matching records, newest first, decoded from Raw.
	Records []message.Record
	// Raw holds each record's bytes as stored (private copies), for
	// callers that send them on, as a broker answering a query does.
	Raw [][]byte
	// IndexLastUpdateTimestamp and IndexLastUpdatePhysOffset describe the
	// newest index entry, as RocketMQ's query response headers do.
	IndexLastUpdateTimestamp  int64
	IndexLastUpdatePhysOffset int64
}

// QueryMessage returns up to max messages of topic whose KEYS contain key
// or whose unique id is key, stored within [begin, end] (ms), newest first.
// Repeated queries are answered from the lookup cache until a new message
// with the key is indexed.
func (s *MessageStore) QueryMessage(topic, key string, max int, begin, end int64) (QueryResult, error) {
	return s.QueryMessageWithin(topic, key, max, 0, begin, end)
}

// QueryMessageWithin is QueryMessage bounded in bytes as well: it stops
// before the record that would take the records' total past maxBytes
// (the first record is always returned), so that what a query holds and
// answers stays within what a response can carry. maxBytes <= 0 means no
// bound.
func (s *MessageStore) QueryMessageWithin(topic, key string, max, maxBytes int, begin, end int64) (QueryResult, error) {
	var res QueryResult
	if s.closed.Load() {
		return res, ErrClosed
	}
	if s.index == nil {
		return res, fmt.Errorf("%w: the key index is disabled", ErrNotFound)
	}
	if hs := s.index.Files(); len(hs) > 0 {
		res.IndexLastUpdateTimestamp = hs[len(hs)-1].EndTimestamp
		res.IndexLastUpdatePhysOffset = hs[len(hs)-1].EndPhysicalOffset
	}
	var question string
	var epoch, gen uint64
	if s.cache != nil {
		question = queryQuestion(topic, key, max, maxBytes, begin, end)
		if records, ok := s.cache.getQuery(topic, key, question); ok {
			for _, b := range records {
				if rec, err := message.Decode(b, false); err == nil {
					res.Records = append(res.Records, rec)
					res.Raw = append(res.Raw, b)
				}
			}
			return res, nil
		}
		epoch, gen = s.cache.stamp(), s.cache.queryGen(topic, key)
	}
	offsets, err := s.index.Query(topic, key, max, begin, end)
	if errors.Is(err, index.ErrClosed) {
		return res, ErrClosed
	}
	if err != nil {
		return res, err
	}
	var raw [][]byte
	total := 0
	for _, phys := range dedupe(offsets) {
		b, err := s.recordBytes(phys)
		if err != nil {
			continue // deleted since it was indexed, or damaged
		}
		rec, err := message.Decode(b, false)
		if err != nil || rec.Topic != topic || !hasKey(&rec, key) {
			continue // another key with the same hash
		}
		if s.deleted.hides(topic, phys) {
			continue // of the topic deleted before it was created again
		}
		if maxBytes > 0 && len(res.Raw) > 0 && total+len(b) > maxBytes {
			break
		}
		total += len(b)
		res.Records = append(res.Records, rec)
		res.Raw = append(res.Raw, b)
		raw = append(raw, slices.Clone(b))
	}
	if s.cache != nil {
		s.cache.putQuery(question, epoch, gen, raw)
	}
	return res, nil
}

// dedupe drops repeated offsets, keeping the first of each, in one pass.
func dedupe(offsets []int64) []int64 {
	seen := make(map[int64]struct{}, len(offsets))
	out := offsets[:0]
	for _, o := range offsets {
		if _, dup := seen[o]; !dup {
			seen[o] = struct{}{}
			out = append(out, o)
		}
	}
	return out
}

func hasKey(r *message.Record, key string) bool {
	return r.Properties.Get(message.PropertyUniqKey) == key || slices.Contains(r.Keys(), key)
}

// GetMaxOffsetInQueue is the logical offset the next message of the queue
// gets (0 for a queue that does not exist).
func (s *MessageStore) GetMaxOffsetInQueue(topic string, queueID int32) int64 {
	if q := s.queues.find(topic, queueID); q != nil {
		return q.MaxOffset()
	}
	return 0
}

// GetMinOffsetInQueue is the first logical offset still served.
func (s *MessageStore) GetMinOffsetInQueue(topic string, queueID int32) int64 {
	if q := s.queues.find(topic, queueID); q != nil {
		return q.MinOffset()
	}
	return 0
}

// GetCommitLogOffsetInQueue is the commit-log offset of the message at
// logical offset logic.
func (s *MessageStore) GetCommitLogOffsetInQueue(topic string, queueID int32, logic int64) (int64, error) {
	q := s.queues.find(topic, queueID)
	if q == nil {
		return 0, fmt.Errorf("%w: queue %s/%d", ErrNotFound, topic, queueID)
	}
	u, err := q.Unit(logic)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return u.CommitLogOffset, nil
}

// GetOffsetInQueueByTime is the logical offset of the first message stored
// at or after ts (ms); the queue's end when every message is older.
func (s *MessageStore) GetOffsetInQueueByTime(topic string, queueID int32, ts int64) (int64, error) {
	q := s.queues.find(topic, queueID)
	if q == nil {
		return 0, nil
	}
	return q.SearchByTime(ts, func(u consumequeue.Unit) (int64, error) {
		e, err := s.commitLog.Read(u.CommitLogOffset)
		if err != nil {
			return 0, err
		}
		defer e.Release()
		r, err := message.Decode(e.Bytes, false)
		return r.StoreTimestamp, err
	})
}

// GetMessageStoreTimestamp is the store time of the message at logical
// offset logic.
func (s *MessageStore) GetMessageStoreTimestamp(topic string, queueID int32, logic int64) (int64, error) {
	phys, err := s.GetCommitLogOffsetInQueue(topic, queueID, logic)
	if err != nil {
		return 0, err
	}
	r, err := s.LookMessageByOffset(phys)
	return r.StoreTimestamp, err
}

// Topics lists the topics that have consume queues.
func (s *MessageStore) Topics() []string {
	seen := map[string]bool{}
	var topics []string
	for _, q := range s.queues.all() {
		if !seen[q.Topic()] {
			seen[q.Topic()] = true
			topics = append(topics, q.Topic())
		}
	}
	slices.Sort(topics)
	return topics
}

// QueueIDs lists the ids of topic's consume queues, in order.
func (s *MessageStore) QueueIDs(topic string) []int32 {
	var ids []int32
	for _, q := range s.queues.all() {
		if q.Topic() == topic {
			ids = append(ids, q.QueueID())
		}
	}
	slices.Sort(ids)
	return ids
}

// DeleteTopic removes topic's consume queues (its records stay in the
// commit log until cleanup); its queue offsets start over. Its records are
// never dispatched again, even by the recovery after a crash, nor found by
// queries: a topic created again with the name starts empty.
func (s *MessageStore) DeleteTopic(topic string) error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.putMu.Lock() // no put may assign an offset meanwhile
	defer s.putMu.Unlock()
	// The topic's records already in the log must be dispatched first, or
	// the dispatcher would bring its queues back.
	end := s.commitLog.MaxOffset()
	if err := s.waitDispatched(end, deleteTopicWait); err != nil {
		return err
	}
	// Recorded before anything goes: after a crash, recovery dispatches
	// again from its checkpoint and must skip the deleted records.
	if err := s.deleted.add(topic, end); err != nil {
		return err
	}
	s.offsets.forget(topic)
	if s.cache != nil {
		s.cache.invalidate() // its queries and views must not answer
	}
	return s.queues.remove(topic)
}

// TopicQueueCounts returns, for every topic with consume queues, one more
// than its highest queue id.
func (s *MessageStore) TopicQueueCounts() map[string]int {
	counts := map[string]int{}
	for _, q := range s.queues.all() {
		counts[q.Topic()] = max(counts[q.Topic()], int(q.QueueID())+1)
	}
	return counts
}
