package brokers

import (
	"testing"

	"github.com/rocketstore/rocketstore/bench"
)

// TestSubjectsSmoke runs each subject twice in smoke mode: the second run,
// in a fresh directory, shows that the first released its ports and left
// no state behind that a run depends on.
func TestSubjectsSmoke(t *testing.T) {
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
				t.Logf("run %d: %v", i+1, sample.Extra)
			}
		})
	}
}
