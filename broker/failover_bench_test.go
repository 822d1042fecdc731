package broker

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkControllerModeSend sends 1 KiB messages from 16 concurrent
// senders to the master of a controller-mode group of three brokers (three
// controllers), with SYNC replication to the whole SyncStateSet and with
// ASYNC, in one run, and reports msgs/s and the send-latency percentiles.
// A send flow control refuses is sent again (timedSend); busy/op counts
// them.
func BenchmarkControllerModeSend(b *testing.B) {
	for _, role := range []Role{RoleSyncMaster, RoleAsyncMaster} {
		b.Run(string(role), func(b *testing.B) {
			g := newCtrlGroup(b, 3, 3, func(i int, o *Options) {
				o.Role = role
				o.Store.CommitLog.FileSize = 64 << 20
			})
			m := g.waitMaster(AutoCreateTopicKey, -1)
			g.waitSyncStateSet(3)
			addr := g.brokers[m].Addr()
			body := strings.Repeat("x", 1024)
			var busy atomic.Int64
			send := func() (time.Duration, error) { return timedSend(g.client, addr, body, &busy) }
			if _, err := send(); err != nil {
				b.Fatal(err)
			}
			measureSends(b, 16, send)
			b.ReportMetric(float64(busy.Load())/float64(b.N), "busy/op")
			if set, _ := g.syncStateSet(); len(set.SyncStateSet) != 3 {
				b.Fatalf("the SyncStateSet shrank to %v during the run", set.SyncStateSet)
			}
		})
	}
}
