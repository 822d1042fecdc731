package brokers

import (
	"testing"

	"github.com/rocketstore/rocketstore/bench"
)

// TestSubjectsSmoke runs each subject twice in smoke mode: the second run,
// in a fresh directory, shows that the first released its ports and left
// no state behind that a run depends on.
func TestSubjectsSmoke(t *testing.T) {
	t.Cleanup(func() {
		if err := bench.RemoveBuiltBinaries(); err != nil {
			t.Error(err)
		}
	})
	subjects := Subjects()
	if len(subjects) != 2 || subjects[0].Name != rocketstoreName || subjects[0].Peer || !subjects[1].Peer {
		t.Fatalf("Subjects() = %+v, want rocketstore then one peer", subjects)
	}
	for _, s := range subjects {
		t.Run(s.Name, func(t *testing.T) {
			if s.Config == "" || s.Run == nil {
				t.Fatalf("subject %s: empty Config or nil Run", s.Name)
			}
			for i := range 2 {
				env := &bench.Env{Dir: t.TempDir(), Smoke: true}
				sample, err := s.Run(env)
				if err != nil {
					t.Fatalf("run %d: %v", i+1, err)
				}
				if sample.Ops != bench.BrokerSmokeCount || sample.Bytes != bench.BrokerSmokeCount*bench.BrokerBodySize {
					t.Fatalf("run %d: Ops %d, Bytes %d; want %d, %d", i+1, sample.Ops, sample.Bytes,
						bench.BrokerSmokeCount, bench.BrokerSmokeCount*bench.BrokerBodySize)
				}
				if sample.Extra["send msgs/s"] <= 0 {
					t.Fatalf("run %d: send msgs/s = %v", i+1, sample.Extra["send msgs/s"])
				}
				// The server is a process apart: it has memory of its own,
				// and the clients' CPU is this process's. Its CPU clock
				// ticks every 10 ms, which a smoke window may not reach.
				if rss := sample.Extra[bench.ExtraServerPeakRSS]; rss < 1 {
					t.Fatalf("run %d: server peak RSS %.2f MiB", i+1, rss)
				}
				if cpu, ok := sample.Extra[bench.ExtraServerCPU]; !ok || cpu < 0 {
					t.Fatalf("run %d: server CPU per message %v (reported: %v)", i+1, cpu, ok)
				}
				if cpu := sample.Extra[bench.ExtraClientCPU]; cpu <= 0 {
					t.Fatalf("run %d: client CPU per message %v", i+1, cpu)
				}
				t.Logf("run %d: %v", i+1, sample.Extra)
			}
		})
	}
}
