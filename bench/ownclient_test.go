package bench

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/rocketstore/rocketstore/remoting"
)

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

// TestOwnProducerRetriesBusyRefusals checks that a send refused by flow
// control is sent again, at most ownClientSendAttempts times in all.
func TestOwnProducerRetriesBusyRefusals(t *testing.T) {
	for _, tc := range []struct {
		busy     int32 // refusals before the broker stores
		wantErr  bool
		wantSent int32
	}{
		{busy: 0, wantSent: 1},
		{busy: ownClientSendAttempts - 1, wantSent: ownClientSendAttempts},
		{busy: ownClientSendAttempts, wantErr: true, wantSent: ownClientSendAttempts},
	} {
		var sent atomic.Int32
		srv, pool := remoting.NewServer(remoting.ServerOptions{}), remoting.NewPool(1, 16)
		srv.Handle(remoting.RequestSendMessageV2, pool, func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
			if sent.Add(1) <= tc.busy {
				return remoting.NewResponse(req, remoting.ResponseServiceNotAvailable, "[TIMEOUT_CLEAN_QUEUE]broker busy")
			}
			return remoting.NewResponse(req, remoting.ResponseSuccess, "")
		})
		if err := srv.Listen("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		client := remoting.NewClient(remoting.ClientOptions{SerializeType: remoting.RocketMQ})
		p := &ownProducer{client: client, addr: srv.Addr()}
		err := p.send(t.Context(), make([]byte, 8))
		if (err != nil) != tc.wantErr || sent.Load() != tc.wantSent {
			t.Errorf("%d busy answers: error %v, %d sends; want error %v, %d sends", tc.busy, err, sent.Load(), tc.wantErr, tc.wantSent)
		}
		if err := errors.Join(client.Close(), srv.Close()); err != nil {
			t.Fatal(err)
		}
		pool.Close()
	}
}
