package broker

import (
	"context"
	"maps"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/store"
)

// schedulePoll is how often due delayed messages are looked for.
const schedulePoll = 100 * time.Millisecond

// scheduler delivers delayed messages from the schedule topic to their real
// topic once due, one queue per delay level, as RocketMQ's
// ScheduleMessageService; its progress per level is persisted in
// config/delayOffset.json.
type scheduler struct {
	b    *Broker
	path string

	mu      sync.Mutex
	offsets map[string]int64 // level → next schedule-queue offset
	dirty   bool
}

type delayOffsetFile struct {
	OffsetTable map[string]int64 `json:"offsetTable"`
}

func openScheduler(b *Broker, dir string) (*scheduler, error) {
	s := &scheduler{b: b, path: filepath.Join(dir, "delayOffset.json"), offsets: map[string]int64{}}
	var f delayOffsetFile
	if err := loadJSON(s.path, &f); err != nil {
		return nil, err
	}
	if f.OffsetTable != nil {
		s.offsets = f.OffsetTable
	}
	return s, nil
}

func (s *scheduler) run(stop <-chan struct{}) {
	tick := time.NewTicker(schedulePoll)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			for level := range s.b.store.DelayLevels() {
				s.deliver(level + 1)
			}
		}
	}
}

// deliver moves the due messages of one level to their real topics.
func (s *scheduler) deliver(level int) {
	key := strconv.Itoa(level)
	s.mu.Lock()
	offset := s.offsets[key]
	s.mu.Unlock()
	st := s.b.store
	queue := int32(level - 1)
	offset = max(offset, st.GetMinOffsetInQueue(store.ScheduleTopic, queue))
	delay := st.DelayLevels()[level-1].Milliseconds()
	now := time.Now().UnixMilli()
	for {
		r, err := st.GetMessage("schedule", store.ScheduleTopic, queue, offset, 32, nil)
		if err != nil || r.Status != store.Found {
			if r != nil {
				r.Release()
			}
			break
		}
		due := true
		for i, e := range r.Messages {
			rec, err := e.Decode(false)
			if err != nil || rec.StoreTimestamp+delay > now {
				due = err != nil // a damaged record is skipped, a pending one waits
				if !due {
					break
				}
			} else if s.redeliver(&rec) != nil {
				due = false
				break
			}
			offset = r.QueueOffsets[i] + 1
		}
		if !due || offset < r.NextBeginOffset {
			r.Release()
			break
		}
		offset = r.NextBeginOffset
		r.Release()
	}
	s.mu.Lock()
	if s.offsets[key] != offset {
		s.offsets[key], s.dirty = offset, true
	}
	s.mu.Unlock()
}

// redeliver stores a due message in its real topic and queue.
func (s *scheduler) redeliver(rec *message.Record) error {
	props := rec.Properties
	topic := props.Get(message.PropertyRealTopic)
	if s.b.fromDeletedTopic(topic, rec.PhysicalOffset, "delayed message") {
		return nil
	}
	qid, _ := strconv.Atoi(props.Get(message.PropertyRealQueueID))
	props = props.Delete(message.PropertyRealTopic).Delete(message.PropertyRealQueueID).Delete(message.PropertyDelayLevel)
	m := message.Message{
		Topic: topic, QueueID: int32(qid), Flag: rec.Flag, Body: rec.Body, Properties: props,
		SysFlag: rec.SysFlag, BornTimestamp: rec.BornTimestamp, BornHost: rec.BornHost, ReconsumeTimes: rec.ReconsumeTimes,
	}
	_, err := s.b.putMessage(context.Background(), &m)
	return err
}

// snapshot is the per-level progress, as delayOffset.json holds it.
func (s *scheduler) snapshot() delayOffsetFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	return delayOffsetFile{OffsetTable: maps.Clone(s.offsets)}
}

// replace takes a master's progress (a slave copies it, so that it would
// go on from there if it became a master).
func (s *scheduler) replace(table map[string]int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !maps.Equal(s.offsets, table) {
		s.offsets, s.dirty = maps.Clone(table), true
	}
}

// save persists the per-level progress when it moved.
func (s *scheduler) save() error {
	s.mu.Lock()
	if !s.dirty {
		s.mu.Unlock()
		return nil
	}
	f := delayOffsetFile{OffsetTable: make(map[string]int64, len(s.offsets))}
	for k, v := range s.offsets {
		f.OffsetTable[k] = v
	}
	s.dirty = false
	s.mu.Unlock()
	return saveJSON(s.path, f)
}
