package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/bench/report"
	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/store"
)

const (
	e2eQueues    = 16
	e2eProducers = 16
	e2ePullBatch = 32
	e2eTopic     = "BenchTopic"
	e2eGroup     = "bench-group"
)

func w5(engines []Engine) Workload {
	const size = 1 << 10
	w := Workload{
		ID:    "W5",
		Title: "Put → dispatch → pull, 16 queues",
		About: fmt.Sprintf("%d producers put 1 KiB messages round-robin over %d queues of one topic while one consumer per queue "+
			"pulls them (%d at a time) as the dispatcher builds the consume queues and the key index; the clock stops "+
			"when every message has been pulled. The message store on its defaults (async flush).", e2eProducers, e2eQueues, e2ePullBatch),
	}
	c := Case{
		Name:       "1KiB",
		Params:     []report.Param{{Name: "body", Value: "1KiB"}, {Name: "queues", Value: "16"}, {Name: "producers", Value: "16"}, {Name: "messages", Value: "1M"}},
		Unit:       "msgs/s",
		RecordSize: size,
		Limit:      LimitMemcpy(size),
	}
	c.Subjects = storeOnly(engines, w.ID, "a log, not a message store: it has no consume queues, dispatch or pull",
		Subject{Name: "rocketstore", Config: "store.MessageStore, async flush, key index on", Run: func(env *Env) (Sample, error) {
			return endToEnd(env, size, env.Count(1_000_000, 2000))
		}})
	w.Cases = append(w.Cases, c)
	return w
}

// storeOnly lists s followed by every peer engine, each unsupported with
// reason unless the engine gives its own.
func storeOnly(engines []Engine, workload, reason string, s Subject) []Subject {
	out := []Subject{s}
	for _, e := range engines {
		if !e.Peer {
			continue
		}
		why := e.Unsupported[workload]
		if why == "" {
			why = reason
		}
		out = append(out, Subject{Name: e.Name, Peer: true, Config: e.Config, Unsupported: why})
	}
	return out
}

func endToEnd(env *Env, size, n int) (Sample, error) {
	var arrived [e2eQueues]chan struct{}
	for q := range arrived {
		arrived[q] = make(chan struct{}, 1)
	}
	opts := &store.Options{OnArrival: func(a store.Arrival) {
		if a.Topic == e2eTopic && a.QueueID >= 0 && a.QueueID < e2eQueues {
			select {
			case arrived[a.QueueID] <- struct{}{}:
			default:
			}
		}
	}}
	if env.Smoke {
		opts.CommitLog = commitlog.Options{FileSize: smokeSegment}
		opts.ConsumeQueueUnitsPerFile, opts.IndexSlotCount, opts.IndexMaxEntries = 10000, 10000, 40000
	}
	s, err := store.Open(env.Dir, opts)
	if err != nil {
		return Sample{}, err
	}
	defer s.Close()
	body := Record(size, 0)
	// Warm-up: one message per queue, so the consume-queue and index files
	// exist before the clock starts, as in a broker that has been running.
	if err := put(s, body, 0, e2eQueues, 1); err != nil {
		return Sample{}, err
	}
	if err := s.WaitDispatched(time.Minute); err != nil {
		return Sample{}, err
	}
	settle()
	abort := make(chan struct{})
	var failOnce sync.Once
	var failure error
	fail := func(err error) { failOnce.Do(func() { failure = err; close(abort) }) }
	var wg sync.WaitGroup
	env.StartTimer()
	for q := range e2eQueues {
		want := int64(n / e2eQueues)
		if q < n%e2eQueues {
			want++
		}
		wg.Go(func() {
			if err := pullQueue(s, int32(q), 1, want, arrived[q], abort); err != nil {
				fail(err)
			}
		})
	}
	if err := put(s, body, e2eQueues, e2eQueues+n, e2eProducers); err != nil {
		fail(err)
	}
	wg.Wait()
	env.StopTimer()
	if failure != nil {
		return Sample{}, failure
	}
	return Sample{Ops: int64(n), Bytes: int64(n * size)}, nil
}

// put puts messages of sequence numbers [from, to), message seq going to
// queue seq%16, from the given number of goroutines.
func put(s *store.MessageStore, body []byte, from, to, producers int) error {
	var next atomic.Int64
	next.Store(int64(from))
	var errs [e2eProducers]error
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			m := message.Message{Topic: e2eTopic, Body: body, BornTimestamp: time.Now().UnixMilli(), BornHost: benchBornHost}
			for {
				seq := next.Add(1) - 1
				if seq >= int64(to) {
					return
				}
				m.QueueID = int32(seq % e2eQueues)
				if _, err := s.PutMessage(context.Background(), &m); err != nil {
					errs[p] = fmt.Errorf("put %d: %w", seq, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs[:]...)
}

// pullQueue pulls want messages of one queue from offset on, waiting for an
// arrival notice whenever it has caught up, as a long-polling pull does.
func pullQueue(s *store.MessageStore, queueID int32, offset, want int64, arrived, abort <-chan struct{}) error {
	for got := int64(0); got < want; {
		r, err := s.GetMessage(e2eGroup, e2eTopic, queueID, offset, e2ePullBatch, nil)
		if err != nil {
			return fmt.Errorf("pull queue %d at %d: %w", queueID, offset, err)
		}
		n := len(r.Messages)
		status, next := r.Status, r.NextBeginOffset
		r.Release()
		switch status {
		case store.Found:
			got += int64(n)
			offset = next
		case store.OffsetOverflowOne:
			select {
			case <-arrived:
			case <-abort:
				return nil
			case <-time.After(time.Second):
				// A missed notice costs a second, never the run.
			}
		default:
			return fmt.Errorf("pull queue %d at %d: %v", queueID, offset, status)
		}
	}
	return nil
}
