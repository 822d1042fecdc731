package controller

import (
	"testing"

	"github.com/rocketstore/rocketstore/remoting"
)

// Requests that do not parse get CONTROLLER_INVALID_REQUEST with a remark,
// never a panic, a success or a change of state.
func TestMalformedRequestsRefused(t *testing.T) {
	cl := newCluster(t, 1, nil)
	cl.leader()
	rc := remoting.NewClient(remoting.ClientOptions{})
	defer rc.Close()
	req := func(code int16, body string, kv ...string) *remoting.Command {
		c := remoting.NewRequest(code, nil, nil)
		if body != "" {
			c.Body = []byte(body)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			c.Set(kv[i], kv[i+1])
		}
		return c
	}
	cases := []struct {
		name string
		cmd  *remoting.Command
	}{
		{"heartbeat without broker name", req(remoting.RequestBrokerHeartbeat, "", "brokerId", "1")},
		{"heartbeat without id", req(remoting.RequestBrokerHeartbeat, "", "brokerName", "g")},
		{"heartbeat with bad offset", req(remoting.RequestBrokerHeartbeat, "", "brokerName", "g", "brokerId", "1", "maxOffset", "x")},
		{"alter without body", req(remoting.RequestControllerAlterSyncStateSet, "", "brokerName", "g", "masterBrokerId", "1", "masterEpoch", "1")},
		{"alter with garbage body", req(remoting.RequestControllerAlterSyncStateSet, "{[", "brokerName", "g", "masterBrokerId", "1", "masterEpoch", "1")},
		{"elect with bad id", req(remoting.RequestControllerElectMaster, "", "brokerName", "g", "brokerId", "1.5")},
		{"apply without check code", req(remoting.RequestControllerApplyBrokerID, "", "brokerName", "g", "appliedBrokerId", "1")},
		{"register without address", req(remoting.RequestControllerRegisterBroker, "", "brokerName", "g", "brokerId", "1")},
		{"sync state data with object body", req(remoting.RequestControllerGetSyncStateData, `{"a":1}`)},
		{"clean with bad ids", req(remoting.RequestCleanBrokerData, "", "brokerName", "g", "brokerControllerIdsToClean", "1;x")},
	}
	for _, tc := range cases {
		resp, err := rc.InvokeSync(testCtx(t), cl.peers[0].Addr, tc.cmd)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if resp.Code != remoting.ResponseControllerInvalidRequest || resp.Remark == "" {
			t.Errorf("%s: answered %d %q", tc.name, resp.Code, resp.Remark)
		}
	}
	if n := len(cl.ctrl(0).Groups()); n != 0 {
		t.Fatalf("malformed requests created %d groups", n)
	}
}
