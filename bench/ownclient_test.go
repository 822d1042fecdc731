package bench

import "testing"

func TestOwnClientBrokerRun(t *testing.T) {
	s := OwnClientSubject()
	env := &Env{Dir: t.TempDir(), Smoke: true}
	sample, err := s.Run(env)
	if err != nil {
		t.Fatal(err)
	}
	if sample.Ops != BrokerSmokeCount || sample.Bytes != BrokerSmokeCount*BrokerBodySize {
		t.Fatalf("sample %+v, want %d messages of %d bytes", sample, BrokerSmokeCount, BrokerBodySize)
	}
}
