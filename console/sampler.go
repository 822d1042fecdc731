package console

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/admin"
	"github.com/rocketstore/rocketstore/internal/lograte"
)

// The sampler reads the brokers' counters every interval through the
// admin protocol, as rocketmq-dashboard does, and turns consecutive
// readings into rates:
//
//   - messages in and out per second, cluster-wide, from each broker's
//     msgPutTotalTodayNow and msgGetTotalTodayNow (GET_BROKER_RUNTIME_INFO),
//     kept as a ring of points for the throughput chart;
//   - messages in per topic, from the sum of its queues' max offsets
//     (GET_TOPIC_STATS_INFO), and out per topic, from the sum of its
//     consumer groups' committed offsets (GET_BROKER_CONSUME_STATS).
//
// A counter that went down (a broker restarted) counts from zero again; one
// missing from a reading gives no rate for that interval.

// Point is one sample of the throughput chart: messages per second in and
// out over the interval that ended at T (ms since the epoch).
type Point struct {
	T   int64   `json:"t"`
	In  float64 `json:"in"`
	Out float64 `json:"out"`
}

// Rate is a topic's messages per second in and out.
type Rate struct {
	In  float64 `json:"in"`
	Out float64 `json:"out"`
}

// reading is one round of counters.
type reading struct {
	at                  time.Time
	brokerIn, brokerOut map[string]int64 // broker address → total
	topicIn, topicOut   map[string]int64 // topic → sum of offsets
	// topicsCapped is the number of topics left out by MaxSampledTopics.
	topicsCapped int
}

type sampler struct {
	admin     *admin.Client
	log       *slog.Logger
	warn      *lograte.Limiter
	history   int
	maxTopics int

	mu      sync.Mutex
	points  []Point
	prev    *reading
	rates   map[string]Rate
	capped  int
	lastErr string
}

func newSampler(c *admin.Client, history, maxTopics int, log *slog.Logger) *sampler {
	return &sampler{admin: c, log: log, warn: lograte.New(0), history: history, maxTopics: maxTopics, rates: map[string]Rate{}}
}

// run samples every interval until ctx ends; a round may take up to the
// interval (at least 5 s).
func (s *sampler) run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		round, cancel := context.WithTimeout(ctx, max(interval, 5*time.Second))
		s.sample(round)
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// sample takes one reading and folds it into the rates and the ring.
func (s *sampler) sample(ctx context.Context) {
	r, err := s.read(ctx)
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return // closing
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.lastErr = err.Error()
		s.warn.Log(s.log, slog.LevelWarn, "sample", "console sampling failed", "err", err)
		if r == nil {
			return
		}
	} else {
		s.lastErr = ""
	}
	if s.prev != nil {
		dt := r.at.Sub(s.prev.at).Seconds()
		if dt > 0 {
			p := Point{T: r.at.UnixMilli(), In: perSecond(s.prev.brokerIn, r.brokerIn, dt), Out: perSecond(s.prev.brokerOut, r.brokerOut, dt)}
			s.points = append(s.points, p)
			if len(s.points) > s.history {
				s.points = slices.Delete(s.points, 0, len(s.points)-s.history)
			}
			rates := make(map[string]Rate, len(r.topicIn))
			for topic := range r.topicIn {
				rates[topic] = Rate{In: delta(s.prev.topicIn, r.topicIn, topic) / dt, Out: delta(s.prev.topicOut, r.topicOut, topic) / dt}
			}
			s.rates = rates
		}
	}
	s.prev, s.capped = r, r.topicsCapped
}

// delta is how far counter key moved between two readings; a counter that
// went down was reset and counts from zero. A counter missing from either
// reading (a broker that did not answer, a topic beyond the sampling cap)
// has no rate: taking its whole value as one interval's would draw a spike.
func delta(before, after map[string]int64, key string) float64 {
	b, inBefore := before[key]
	a, inAfter := after[key]
	if !inBefore || !inAfter {
		return 0
	}
	if a < b {
		return float64(a)
	}
	return float64(a - b)
}

// perSecond sums the rates of every counter in after.
func perSecond(before, after map[string]int64, dt float64) float64 {
	var sum float64
	for k := range after {
		sum += delta(before, after, k)
	}
	return sum / dt
}

// read takes one round of counters. A broker that does not answer is left
// out of this round (its counter does not move) and reported in the error.
func (s *sampler) read(ctx context.Context) (*reading, error) {
	brokers, err := s.admin.Brokers(ctx, "")
	if err != nil {
		return nil, err
	}
	r := &reading{at: time.Now(), brokerIn: map[string]int64{}, brokerOut: map[string]int64{}, topicIn: map[string]int64{}, topicOut: map[string]int64{}}
	var errs []error
	sampled := 0
	for _, b := range brokers {
		kv, err := s.admin.RuntimeInfo(ctx, b.Addr)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		st := admin.ParseRuntimeStats(kv)
		if b.BrokerID == admin.MasterID {
			r.brokerIn[b.Addr] = st.PutTotal
		}
		r.brokerOut[b.Addr] = st.GetTotal
		if b.BrokerID != admin.MasterID {
			continue
		}
		if err := s.readConsumed(ctx, b.Addr, r); err != nil {
			errs = append(errs, err)
		}
		n, err := s.readStored(ctx, b.Addr, r, s.maxTopics-sampled)
		sampled += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return r, errors.Join(errs...)
}

// readConsumed adds each topic's committed offsets, over every group, on
// one broker.
func (s *sampler) readConsumed(ctx context.Context, addr string, r *reading) error {
	l, err := s.admin.BrokerConsumeStats(ctx, addr)
	if err != nil {
		return err
	}
	for _, groups := range l.ConsumeStatsList {
		for _, stats := range groups {
			for _, cs := range stats {
				for q, w := range cs.OffsetTable {
					r.topicOut[q.Topic] += w.ConsumerOffset
				}
			}
		}
	}
	return nil
}

// readStored adds the max offsets of up to limit topics of one broker and
// returns how many it read.
func (s *sampler) readStored(ctx context.Context, addr string, r *reading, limit int) (int, error) {
	w, err := s.admin.AllTopicConfig(ctx, addr)
	if err != nil {
		return 0, err
	}
	topics := make([]string, 0, len(w.TopicConfigTable))
	for t := range w.TopicConfigTable {
		topics = append(topics, t)
	}
	slices.Sort(topics)
	if len(topics) > limit {
		r.topicsCapped += len(topics) - max(limit, 0)
		topics = topics[:max(limit, 0)]
	}
	var errs []error
	for _, topic := range topics {
		ts, err := s.admin.TopicStats(ctx, addr, topic)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, off := range ts.OffsetTable {
			r.topicIn[topic] += off.MaxOffset
		}
	}
	return len(topics), errors.Join(errs...)
}

// throughput returns the chart's points, oldest first, and the last
// sampling error.
func (s *sampler) throughput() ([]Point, string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.points), s.lastErr, s.capped
}

// topicRate returns a topic's rates over the last interval.
func (s *sampler) topicRate(topic string) (Rate, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rates[topic]
	return r, ok
}
