package controller

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// TestARetriedDesignationThatTookEffectIsReportedDone: the first attempt
// of a designation times out after the controller applied it; the retry
// finds the designated broker master (MASTER_STILL_EXIST). The caller
// asked for that broker as master and has it: no error. Without the lost
// first answer, the same reply is ErrMasterStillExist.
func TestARetriedDesignationThatTookEffectIsReportedDone(t *testing.T) {
	srv := remoting.NewServer(remoting.ServerOptions{})
	defer srv.Close()
	pool := remoting.NewPool(4, 100)
	defer pool.Close()
	var attempts atomic.Int32
	srv.Handle(remoting.RequestControllerGetMetadataInfo, pool, func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
		resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
		resp.Set(keyLeaderAddress, srv.Addr())
		resp.Set("isLeader", "true")
		return resp
	})
	late := make(chan struct{})
	defer close(late)
	srv.Handle(remoting.RequestControllerElectMaster, pool, func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
		if attempts.Add(1) == 1 {
			<-late // applied, but the answer never comes in time
			return nil
		}
		resp := remoting.NewResponse(req, remoting.ResponseControllerMasterStillExist, "master 3 is alive")
		setMasterHeader(resp, MasterInfo{MasterBrokerID: 3, MasterAddress: "127.0.0.1:1", MasterEpoch: 2})
		resp.Body = []byte(`{"syncStateSet":[3]}`)
		return resp
	})
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c := NewClient(ClientOptions{Controllers: []string{srv.Addr()}, AttemptTimeout: 200 * time.Millisecond})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mi, err := c.ElectMaster(ctx, ElectRequest{BrokerName: "broker-a", BrokerID: 3, Designate: true})
	if err != nil || mi.MasterBrokerID != 3 || attempts.Load() != 2 {
		t.Fatalf("designation retried after a lost answer: %+v, %v after %d attempts; want master 3, no error", mi, err, attempts.Load())
	}
	// Answered at once, the same reply says the master was there already.
	if _, err := c.ElectMaster(ctx, ElectRequest{BrokerName: "broker-a", BrokerID: 3, Designate: true}); !errors.Is(err, ErrMasterStillExist) {
		t.Fatalf("designation of the current master: %v, want ErrMasterStillExist", err)
	}
}
