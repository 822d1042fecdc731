package broker

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// BenchmarkControllerModeSend sends 1 KiB messages from 16 concurrent
// senders to the master of a controller-mode group of three brokers (three
// controllers), with SYNC replication to the whole SyncStateSet and with
// ASYNC, in one run, and reports msgs/s and the send-latency percentiles.
// A send the broker's flow control refuses (SYSTEM_BUSY, or
// SERVICE_NOT_AVAILABLE to a Go client: stored nothing) is sent again, as
// a client would, within its latency; busy/op counts them.
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
			send := func() (time.Duration, error) {
				start := time.Now()
				for {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					resp, err := g.client.InvokeSync(ctx, addr, sendRequest("Bench", -1, body, ""))
					cancel()
					switch {
					case err != nil:
						return 0, err
					case resp.Code == remoting.ResponseSystemBusy, resp.Code == remoting.ResponseServiceNotAvailable:
						busy.Add(1)
						time.Sleep(time.Millisecond)
						continue
					case resp.Code != remoting.ResponseSuccess:
						return 0, errorFromResponse(resp)
					}
					return time.Since(start), nil
				}
			}
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
