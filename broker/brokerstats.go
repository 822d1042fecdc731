package broker

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RocketMQ's stats names (BrokerStatsManager) that VIEW_BROKER_STATS_DATA
// answers, with the key each takes.
const (
	statsTopicPutNums = "TOPIC_PUT_NUMS" // key: topic
	statsTopicPutSize = "TOPIC_PUT_SIZE" // key: topic
	statsGroupGetNums = "GROUP_GET_NUMS" // key: topic@group
	statsGroupGetSize = "GROUP_GET_SIZE" // key: topic@group
	statsBrokerPut    = "BROKER_PUT_NUMS"
	statsBrokerGet    = "BROKER_GET_NUMS" // key of both: the cluster name
)

// Sampling periods and ring sizes of the minute, hour and day windows, as
// RocketMQ's StatsItem samples them.
var statsWindows = [3]struct {
	every time.Duration
	keep  int
}{{10 * time.Second, 7}, {10 * time.Minute, 7}, {time.Hour, 25}}

// statsSample is a counter's value and request count at a time.
type statsSample struct {
	at              time.Time
	value, requests int64
}

// statsSeries keeps one counter's samples for each window.
type statsSeries [3][]statsSample

// brokerStats samples the message counters so that VIEW_BROKER_STATS_DATA
// can answer sums and rates over the last minute, hour and day, and
// GET_BROKER_RUNTIME_INFO the day's totals. It runs on the housekeeping
// tick.
type brokerStats struct {
	m       *metrics
	cluster string
	started time.Time

	mu          sync.Mutex
	series      map[string]*statsSeries // name@key → samples
	lastSampled [3]time.Time
	day         int   // day of year of the last sample
	putMorning  int64 // total puts at the start of today (0 before the first midnight)
	putYester   int64 // and of yesterday
	getMorning  int64
	getYester   int64
	// totals are the broker's put and get totals every 10 s over the last
	// 10 minutes, for the rates GET_BROKER_RUNTIME_INFO reports over 10 s,
	// 1 min and 10 min (StoreStatsService's putTps etc.).
	totalsRing []brokerTotals
}

// brokerTotals are the broker-wide counters at a time.
type brokerTotals struct {
	at                              time.Time
	puts, getRequests, getsMessages int64
}

// totalsEvery and totalsKeep size the ring of broker totals.
const (
	totalsEvery = 10 * time.Second
	totalsKeep  = 61
)

func newBrokerStats(m *metrics, cluster string) *brokerStats {
	now := time.Now()
	return &brokerStats{m: m, cluster: cluster, started: now, series: map[string]*statsSeries{}, day: now.YearDay()}
}

// current returns every counter's value now, by name@key.
func (s *brokerStats) current() map[string]statsSample {
	now := time.Now()
	out := map[string]statsSample{}
	var put, get statsSample
	s.m.topicsIn.Range(func(k, v any) bool {
		f := v.(*flowCounters)
		n, b, r := f.messages.Load(), f.bytes.Load(), f.requests.Load()
		out[statsTopicPutNums+"@"+k.(string)] = statsSample{now, n, r}
		out[statsTopicPutSize+"@"+k.(string)] = statsSample{now, b, r}
		put.value += n
		put.requests += r
		return true
	})
	s.m.topicsOut.Range(func(k, v any) bool {
		f, key := v.(*flowCounters), k.(outKey)
		n, b, r := f.messages.Load(), f.bytes.Load(), f.requests.Load()
		out[statsGroupGetNums+"@"+key.topic+"@"+key.group] = statsSample{now, n, r}
		out[statsGroupGetSize+"@"+key.topic+"@"+key.group] = statsSample{now, b, r}
		get.value += n
		get.requests += r
		return true
	})
	out[statsBrokerPut+"@"+s.cluster] = statsSample{now, put.value, put.requests}
	out[statsBrokerGet+"@"+s.cluster] = statsSample{now, get.value, get.requests}
	return out
}

// sample records the counters in each window whose period has passed.
func (s *brokerStats) sample() {
	if s == nil {
		return
	}
	cur := s.current()
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := now.YearDay(); d != s.day {
		s.day = d
		s.putYester, s.putMorning = s.putMorning, cur[statsBrokerPut+"@"+s.cluster].value
		s.getYester, s.getMorning = s.getMorning, cur[statsBrokerGet+"@"+s.cluster].value
	}
	if n := len(s.totalsRing); n == 0 || now.Sub(s.totalsRing[n-1].at) >= totalsEvery {
		put, get := cur[statsBrokerPut+"@"+s.cluster], cur[statsBrokerGet+"@"+s.cluster]
		s.totalsRing = append(s.totalsRing, brokerTotals{now, put.value, get.requests, get.value})
		if len(s.totalsRing) > totalsKeep {
			s.totalsRing = s.totalsRing[len(s.totalsRing)-totalsKeep:]
		}
	}
	for w, win := range statsWindows {
		if now.Sub(s.lastSampled[w]) < win.every {
			continue
		}
		s.lastSampled[w] = now
		for key, v := range cur {
			ser := s.series[key]
			if ser == nil {
				ser = &statsSeries{}
				s.series[key] = ser
			}
			ser[w] = append(ser[w], v)
			if len(ser[w]) > win.keep {
				ser[w] = ser[w][len(ser[w])-win.keep:]
			}
		}
	}
}

// statsItem is RocketMQ's BrokerStatsItem: the sum over a window, its rate
// per second and the mean per request.
type statsItem struct {
	Sum   int64   `json:"sum"`
	Tps   float64 `json:"tps"`
	Avgpt float64 `json:"avgpt"`
}

// brokerStatsData is RocketMQ's BrokerStatsData.
type brokerStatsData struct {
	StatsMinute statsItem `json:"statsMinute"`
	StatsHour   statsItem `json:"statsHour"`
	StatsDay    statsItem `json:"statsDay"`
}

// view answers a stats name and key, or false when the broker has no such
// counter.
func (s *brokerStats) view(name, key string) (brokerStatsData, bool) {
	k := name + "@" + key
	now, ok := s.current()[k]
	if !ok {
		return brokerStatsData{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ser := s.series[k]
	var items [3]statsItem
	for w := range statsWindows {
		from := statsSample{at: s.started} // the counters started at zero
		if ser != nil && len(ser[w]) > 0 {
			from = ser[w][0]
		}
		it := statsItem{Sum: now.value - from.value}
		if secs := now.at.Sub(from.at).Seconds(); secs > 0 {
			it.Tps = float64(it.Sum) / secs
		}
		if r := now.requests - from.requests; r > 0 {
			it.Avgpt = float64(it.Sum) / float64(r)
		}
		items[w] = it
	}
	return brokerStatsData{items[0], items[1], items[2]}, true
}

// totals returns the puts and gets of the day so far and at the start of
// today and yesterday, for GET_BROKER_RUNTIME_INFO.
func (s *brokerStats) totals() (putNow, putMorning, putYester, getNow, getMorning, getYester int64) {
	cur := s.current()
	s.mu.Lock()
	defer s.mu.Unlock()
	return cur[statsBrokerPut+"@"+s.cluster].value, s.putMorning, s.putYester,
		cur[statsBrokerGet+"@"+s.cluster].value, s.getMorning, s.getYester
}

// rates returns RocketMQ's runtime-info rates, each "<10 s> <1 min> <10 min>"
// per second: putTps (messages stored), getTotalTps (pull responses that
// carried messages) and getTransferredTps (messages delivered). A window
// longer than the broker has sampled is measured from the broker's start.
func (s *brokerStats) rates() (putTps, getTotalTps, getTransferredTps string) {
	cur := s.current()
	now := brokerTotals{time.Now(), cur[statsBrokerPut+"@"+s.cluster].value,
		cur[statsBrokerGet+"@"+s.cluster].requests, cur[statsBrokerGet+"@"+s.cluster].value}
	s.mu.Lock()
	ring := slices.Clone(s.totalsRing)
	s.mu.Unlock()
	var put, total, transferred [3]string
	for i, w := range []time.Duration{10 * time.Second, time.Minute, 10 * time.Minute} {
		from := brokerTotals{at: s.started}
		for j := len(ring) - 1; j >= 0; j-- {
			if now.at.Sub(ring[j].at) >= w {
				from = ring[j]
				break
			}
		}
		secs := max(now.at.Sub(from.at).Seconds(), 1e-3)
		put[i] = strconv.FormatFloat(float64(now.puts-from.puts)/secs, 'f', 2, 64)
		total[i] = strconv.FormatFloat(float64(now.getRequests-from.getRequests)/secs, 'f', 2, 64)
		transferred[i] = strconv.FormatFloat(float64(now.getsMessages-from.getsMessages)/secs, 'f', 2, 64)
	}
	return strings.Join(put[:], " "), strings.Join(total[:], " "), strings.Join(transferred[:], " ")
}
