package bench

import "testing"

func TestOwnClientBrokerRun(t *testing.T) {
	t.Cleanup(func() {
		if err := RemoveBuiltBinaries(); err != nil {
			t.Error(err)
		}
	})
	s := OwnClientSubject()
	env := &Env{Dir: t.TempDir(), Smoke: true}
	sample, err := s.Run(env)
	if err != nil {
		t.Fatal(err)
	}
	if sample.Ops != BrokerSmokeCount || sample.Bytes != BrokerSmokeCount*BrokerBodySize {
		t.Fatalf("sample %+v, want %d messages of %d bytes", sample, BrokerSmokeCount, BrokerBodySize)
	}
	// The server is a process of its own: it uses memory, and the client
	// side's CPU is this process's. The server's CPU clock ticks every
	// 10 ms, which a short smoke window may not reach, so it need only be
	// there.
	if rss := sample.Extra[ExtraServerPeakRSS]; rss < 1 {
		t.Errorf("server peak RSS %.2f MiB", rss)
	}
	if cpu, ok := sample.Extra[ExtraServerCPU]; !ok || cpu < 0 {
		t.Errorf("server CPU per message %v (reported: %v)", cpu, ok)
	}
	if cpu := sample.Extra[ExtraClientCPU]; cpu <= 0 {
		t.Errorf("client CPU per message %v", cpu)
	}
	t.Logf("%v", sample.Extra)
}
