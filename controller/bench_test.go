package controller

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkFailover measures, over 20 rounds, the time from a master's
// last heartbeat being missed (its heartbeats stop; its connection stays
// open, as a hung broker's) to a new master being known to a slave.
// Heartbeat timeout 600 ms, heartbeats every 100 ms, scan every 20 ms.
func BenchmarkFailover(b *testing.B) {
	const rounds = 20
	cl := newCluster(b, 3, nil)
	bs := newGroup(b, cl, "broker-a", 100, 100, 100)
	expand(b, bs[0], 2, 3)
	var lat []time.Duration
	for range b.N {
		for range rounds {
			// The master is the broker the others follow (a deposed one may
			// not know yet).
			current := bs[0].master().MasterBrokerID
			master := slices.IndexFunc(bs, func(x *fakeBroker) bool { return x.id == current })
			if master < 0 {
				b.Fatal("no master")
			}
			other := bs[(master+1)%len(bs)]
			old := bs[master].id
			start := time.Now()
			bs[master].beating.Store(false)
			waitFor(b, "new master", func() bool {
				m := other.master().MasterBrokerID
				return m != 0 && m != old
			})
			lat = append(lat, time.Since(start))
			bs[master].beating.Store(true)
			newID := other.master().MasterBrokerID
			next := bs[slices.IndexFunc(bs, func(x *fakeBroker) bool { return x.id == newID })]
			waitFor(b, "old master follows", func() bool { return bs[master].master().MasterBrokerID == next.id })
			var ids []int64
			for _, x := range bs {
				if x != next {
					ids = append(ids, x.id)
				}
			}
			waitFor(b, "set expanded", func() bool { return trySetExpand(next, ids) })
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-ms")
}

// trySetExpand is expand that reports failure (the returning broker may not
// have heartbeated to the leader yet) instead of failing the run.
func trySetExpand(master *fakeBroker, ids []int64) bool {
	mi := master.master()
	_, err := master.client.AlterSyncStateSet(testCtx(master.t), AlterSyncStateSetRequest{BrokerName: master.name,
		MasterBrokerID: master.id, MasterEpoch: mi.MasterEpoch,
		NewSet: SyncStateSet{SyncStateSet: append([]int64{master.id}, ids...), SyncStateSetEpoch: mi.SyncStateSet.SyncStateSetEpoch}})
	if err != nil {
		master.t.Logf("expand: %v", err)
	}
	return err == nil
}
