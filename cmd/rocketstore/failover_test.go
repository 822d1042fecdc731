package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// failoverBrokerConf are the brokers' controller-mode settings in the kill
// tests: RocketMQ's keys, with short intervals.
const failoverBrokerConf = `brokerRole=SYNC_MASTER
brokerHeartbeatInterval=200
controllerHeartBeatTimeoutMills=2000
haMaxTimeSlaveNotCatchup=3000
checkSyncStateSetPeriod=200
mapedFileSizeCommitLog=16777216
maxMessageSize=1048576
`

const roundsTopic = "KillTopic"

// envInt reads an integer setting of the kill tests from the environment.
func envInt(t testing.TB, name string, def int64) int64 {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", name, v, err)
		}
		return n
	}
	return def
}

// sendLog is what the senders of a kill test saw: every acknowledged
// message, and when and where each success happened.
type sendLog struct {
	mu     sync.Mutex
	acked  []string
	succAt []time.Time
	succTo []string
}

func (l *sendLog) success(body, addr string) {
	l.mu.Lock()
	l.acked = append(l.acked, body)
	l.succAt = append(l.succAt, time.Now())
	l.succTo = append(l.succTo, addr)
	l.mu.Unlock()
}

// firstSuccessAfter is when a send first succeeded at addr after t0.
func (l *sendLog) firstSuccessAfter(t0 time.Time, addr string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, at := range l.succAt {
		if at.After(t0) && l.succTo[i] == addr {
			return at, true
		}
	}
	return time.Time{}, false
}

func (l *sendLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// runSenders sends numbered messages from n goroutines to whichever broker
// the nameserver routes to, until stop is closed; only SUCCESS answers
// count as acknowledged.
func runSenders(pc *procCluster, n int, log *sendLog, stop chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			addr := ""
			for seq := 0; ; {
				select {
				case <-stop:
					return
				default:
				}
				if addr == "" {
					if addr = pc.master(); addr == "" {
						time.Sleep(20 * time.Millisecond)
						continue
					}
				}
				body := fmt.Sprintf("w%d-%d", w, seq)
				if code := pc.send(addr, roundsTopic, int32(seq%4), body); code == remoting.ResponseSuccess {
					log.success(body, addr)
					seq++
				} else {
					addr = "" // a new route, then the same message again
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
	return &wg
}

// TestFailoverRoundsUnderSIGKILL kills, at random (the seed is logged;
// ROCKETSTORE_FAILOVER_SEED replays it), the master, the controller leader
// or both (ROCKETSTORE_FAILOVER_KILL=master, leader or both picks one),
// ROCKETSTORE_FAILOVER_ROUNDS times (default 20), with SIGKILL,
// while four senders write with SYNC replication. Each round a new master
// must be routed within 10 s of a master's death; the killed processes
// come back. At the end every acknowledged message is on the last master
// and on every slave, and every broker holds the same epoch history.
func TestFailoverRoundsUnderSIGKILL(t *testing.T) {
	rounds := int(envInt(t, "ROCKETSTORE_FAILOVER_ROUNDS", 20))
	seed := envInt(t, "ROCKETSTORE_FAILOVER_SEED", time.Now().UnixNano())
	t.Logf("seed %d (ROCKETSTORE_FAILOVER_SEED=%d replays it), %d rounds", seed, seed, rounds)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	pc := newProcCluster(t, failoverBrokerConf)
	await(t, time.Minute, "a routed master", func() bool { return pc.master() != "" })
	await(t, time.Minute, "a SyncStateSet of 3", func() bool { return pc.syncStateSetSize() == 3 })

	var log sendLog
	stop := make(chan struct{})
	senders := runSenders(pc, 4, &log, stop)
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		senders.Wait()
	}()
	var failovers []time.Duration
	for r := range rounds {
		await(t, time.Minute, "a SyncStateSet of 3 before the round", func() bool { return pc.syncStateSetSize() == 3 })
		master := pc.master()
		mi := pc.brokerIndex(master)
		if mi < 0 {
			t.Fatalf("round %d: routed master %q is none of the brokers", r, master)
		}
		kind := rng.IntN(3) // 0: master, 1: controller leader, 2: both
		switch os.Getenv("ROCKETSTORE_FAILOVER_KILL") {
		case "master":
			kind = 0
		case "leader":
			kind = 1
		case "both":
			kind = 2
		}
		leader := pc.leader()
		before := log.count()
		t0 := time.Now()
		if kind != 1 {
			pc.brks[mi].kill()
		}
		if kind != 0 && leader >= 0 {
			pc.ctrls[leader].kill()
		}
		switch kind {
		case 1:
			await(t, time.Minute, "sends to go on after the controller leader died", func() bool { return log.count() > before+10 })
			t.Logf("round %d: controller %d killed; sends went on", r, leader)
		default:
			took := await(t, time.Minute, "a new routed master", func() bool {
				m := pc.master()
				return m != "" && m != master
			})
			if took > 10*time.Second {
				t.Fatalf("round %d: a new master was routed %v after the master died", r, took)
			}
			newMaster := pc.master()
			var first time.Time
			await(t, time.Minute, "a send to succeed on the new master", func() bool {
				var ok bool
				first, ok = log.firstSuccessAfter(t0, newMaster)
				return ok
			})
			failovers = append(failovers, first.Sub(t0))
			t.Logf("round %d: killed broker %d (master)%s; broker %d routed after %v, first send on it after %v",
				r, mi, map[bool]string{true: " and controller " + strconv.Itoa(leader)}[kind == 2], pc.brokerIndex(newMaster), took, first.Sub(t0))
			pc.startBroker(mi)
		}
		if kind != 0 && leader >= 0 {
			pc.restartController(leader)
		}
	}
	close(stop)
	senders.Wait()
	checkAllAcknowledged(t, pc, &log)
	reportFailovers(t, failovers)
}

// checkAllAcknowledged waits until every broker shows every acknowledged
// message to consumers and holds the same epoch history.
func checkAllAcknowledged(t *testing.T, pc *procCluster, log *sendLog) {
	t.Helper()
	await(t, time.Minute, "a SyncStateSet of 3 at the end", func() bool { return pc.syncStateSetSize() == 3 })
	log.mu.Lock()
	acked := slices.Clone(log.acked)
	log.mu.Unlock()
	for i, addr := range pc.brkA {
		var missing []string
		await(t, 2*time.Minute, fmt.Sprintf("broker %d to show all %d acknowledged messages", i, len(acked)), func() bool {
			got, err := pc.pullAll(addr, roundsTopic, 4)
			if err != nil {
				return false
			}
			missing = missing[:0]
			for _, a := range acked {
				if !got[a] {
					missing = append(missing, a)
				}
			}
			return len(missing) == 0
		})
	}
	var histories []string
	await(t, time.Minute, "one epoch history on every broker", func() bool {
		histories = histories[:0]
		for _, addr := range pc.brkA {
			histories = append(histories, epochHistory(t, pc, addr))
		}
		return histories[0] == histories[1] && histories[1] == histories[2]
	})
	truncations := 0
	for _, b := range pc.brks {
		truncations += len(b.grep("replica log diverged"))
	}
	t.Logf("%d acknowledged messages on every broker; epoch history %s; %d truncations of a diverged log", len(acked), histories[0], truncations)
}

// epochHistory is a broker's epochs, GET_BROKER_EPOCH_CACHE's epochList.
func epochHistory(t testing.TB, pc *procCluster, addr string) string {
	t.Helper()
	resp := pc.invoke(t, addr, remoting.NewRequest(remoting.RequestGetBrokerEpochCache, nil, nil))
	var c struct {
		EpochList []struct {
			Epoch       int32 `json:"epoch"`
			StartOffset int64 `json:"startOffset"`
		} `json:"epochList"`
	}
	decodeJSON(t, resp.Body, &c)
	return fmt.Sprint(c.EpochList)
}

// reportFailovers logs the failover times: a master killed to the first
// send acknowledged by the new master.
func reportFailovers(t *testing.T, d []time.Duration) {
	t.Helper()
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	// Nearest rank: the smallest value at or above a fraction p of them.
	pct := func(p float64) time.Duration { return d[max(0, int(math.Ceil(p*float64(len(d))))-1)] }
	t.Logf("failover (master killed to first send acknowledged by the new master) over %d kills: p50 %v, p99 %v, max %v",
		len(d), pct(0.50), pct(0.99), d[len(d)-1])
}

// TestKilledMasterTruncatesWhatTheNewMasterNeverHad: the slaves are
// paused (SIGSTOP: connected, silent) while the master takes more sends
// than their sockets can buffer, none of which it can acknowledge; the
// master is killed, the slaves resume and one is elected with what reached
// it. The old master, started again, cuts the records the new master never
// had before it follows, and every broker then shows the same messages.
func TestKilledMasterTruncatesWhatTheNewMasterNeverHad(t *testing.T) {
	pc := newProcCluster(t, failoverBrokerConf+"controllerHeartBeatTimeoutMills=8000\nhaMaxTimeSlaveNotCatchup=30000\nsyncFlushTimeout=300\n")
	await(t, time.Minute, "a routed master", func() bool { return pc.master() != "" })
	await(t, time.Minute, "a SyncStateSet of 3", func() bool { return pc.syncStateSetSize() == 3 })
	master := pc.master()
	mi := pc.brokerIndex(master)
	var log sendLog
	for i := range 40 {
		body := fmt.Sprintf("kept-%d", i)
		if code := pc.send(master, roundsTopic, int32(i%4), body); code != remoting.ResponseSuccess {
			t.Fatalf("send %s: code %d", body, code)
		}
		log.success(body, master)
	}
	var slaves []int
	for i := range pc.brks {
		if i != mi {
			slaves = append(slaves, i)
			pc.brks[i].cmd.Process.Signal(syscall.SIGSTOP)
		}
	}
	// 48 MiB: more than the stopped slaves' sockets take in.
	const lost, size = 96, 512 << 10
	before := maxOffset(t, pc, master)
	pad := strings.Repeat("x", size)
	var wg sync.WaitGroup
	for i := range lost {
		wg.Go(func() {
			// Until stored: a busy broker (its send queue full of waits
			// for the stopped slaves) refuses without storing.
			for {
				switch code := pc.send(master, roundsTopic, int32(i%4), fmt.Sprintf("lost-%d-%s", i, pad)); code {
				case remoting.ResponseSuccess:
					t.Errorf("lost-%d was acknowledged while the slaves were stopped", i)
					return
				case remoting.ResponseSystemBusy, remoting.ResponseServiceNotAvailable: // flow control: not stored
					time.Sleep(10 * time.Millisecond)
				default:
					return // stored and not replicated, or the master is gone
				}
			}
		})
	}
	await(t, 30*time.Second, "the master to store what it cannot acknowledge", func() bool {
		return maxOffset(t, pc, master)-before >= lost*size
	})
	pc.brks[mi].kill()
	for _, i := range slaves {
		pc.brks[i].cmd.Process.Signal(syscall.SIGCONT)
	}
	wg.Wait()
	await(t, time.Minute, "a new routed master", func() bool { m := pc.master(); return m != "" && m != master })
	pc.startBroker(mi)
	await(t, time.Minute, "the old master to cut its log back", func() bool {
		return len(pc.brks[mi].grep("replica log diverged")) > 0
	})
	checkAllAcknowledged(t, pc, &log)
	var shown []int
	for _, addr := range pc.brkA {
		got, err := pc.pullAll(addr, roundsTopic, 4)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for body := range got {
			if strings.HasPrefix(body, "lost-") {
				n++
			}
		}
		shown = append(shown, n)
	}
	if shown[0] != shown[1] || shown[1] != shown[2] || shown[0] == lost {
		t.Fatalf("brokers show %v of the %d unacknowledged messages: every broker must show what the new master kept, and it cannot have kept them all", shown, lost)
	}
	t.Logf("%s; every broker shows %d of the %d unacknowledged messages", pc.brks[mi].grep("replica log diverged")[0], shown[0], lost)
}

// maxOffset is the end of the commit log of the broker at addr.
func maxOffset(t testing.TB, pc *procCluster, addr string) int64 {
	t.Helper()
	var c struct {
		MaxOffset int64 `json:"maxOffset"`
	}
	decodeJSON(t, pc.invoke(t, addr, remoting.NewRequest(remoting.RequestGetBrokerEpochCache, nil, nil)).Body, &c)
	return c.MaxOffset
}
