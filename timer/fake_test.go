package timer

import (
	"context"
	"strconv"
	"sync/atomic"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/store"
)

// synthStore is a Store whose timer topic holds n timer messages made up
// on demand (nothing per message on the heap), so a test can hold a
// million timers without a million records on disk. Message q sits at
// commit-log offset q*synthStride and is due at due(q).
type synthStore struct {
	n   int64
	due func(q int64) int64
	put atomic.Int64
}

const synthStride = 256

func (s *synthStore) record(q int64) message.Record {
	m := message.Message{
		Topic: Topic, Body: []byte("synthetic timer message"), BornHost: bornHost,
		Properties: message.EncodeProperties(map[string]string{
			PropertyOutMs: strconv.FormatInt(s.due(q), 10), message.PropertyRealTopic: realTopic, message.PropertyRealQueueID: "0",
		}),
	}
	return message.Record{Message: m, QueueOffset: q, PhysicalOffset: q * synthStride, StoreHost: bornHost}
}

func (s *synthStore) encoded(q int64) []byte {
	r := s.record(q)
	b := make([]byte, 512)
	n, err := message.Encode(b, &r)
	if err != nil {
		panic(err)
	}
	return b[:n]
}

func (s *synthStore) GetMessage(_, topic string, _ int32, offset int64, maxCount int, _ store.MessageFilter) (*store.GetResult, error) {
	r := &store.GetResult{Status: store.OffsetOverflowOne, NextBeginOffset: offset, MaxOffset: s.n}
	for q := offset; q < s.n && len(r.Messages) < maxCount; q++ {
		r.Messages = append(r.Messages, commitlog.Entry{Offset: q * synthStride, Bytes: s.encoded(q)})
		r.QueueOffsets = append(r.QueueOffsets, q)
		r.Status, r.NextBeginOffset = store.Found, q+1
	}
	return r, nil
}

func (s *synthStore) GetMinOffsetInQueue(string, int32) int64 { return 0 }
func (s *synthStore) GetMaxOffsetInQueue(string, int32) int64 { return s.n }

func (s *synthStore) LookMessageByOffset(phys int64) (message.Record, error) {
	r := s.record(phys / synthStride)
	r.StoreSize = int32(len(s.encoded(phys / synthStride)))
	return r, nil
}

func (s *synthStore) PutMessage(context.Context, *message.Message) (commitlog.AppendResult, error) {
	s.put.Add(1)
	return commitlog.AppendResult{Size: 1}, nil
}

func (s *synthStore) CommitLogBounds() (int64, int64) { return 0, s.n * synthStride }
func (s *synthStore) FlushCommitLog() error           { return nil }
func (s *synthStore) ScanCommitLog(int64, func(*message.Record) bool) error {
	return nil
}
