package broker

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/remoting"
)

func brokerConfigOf(t *testing.T, f *opsFixture) (map[string]string, int64) {
	t.Helper()
	resp := f.admin(t, remoting.RequestGetBrokerConfig, nil, nil)
	props, err := remoting.ParseProperties(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Counter int64 `json:"counter"`
	}
	if err := json.Unmarshal([]byte(resp.ExtFields["version"]), &v); err != nil {
		t.Fatalf("version header %q: %v", resp.ExtFields["version"], err)
	}
	return props, v.Counter
}

func TestGetAndUpdateBrokerConfig(t *testing.T) {
	f := newOpsFixture(t)
	cfg, version := brokerConfigOf(t, f)
	for k, want := range map[string]string{"brokerName": DefaultBrokerName, "brokerClusterName": DefaultClusterName,
		"brokerRole": "ASYNC_MASTER", "brokerPermission": "6", "waitTimeMillsInSendQueue": "10000", // testFlowControl
		"osPageCacheBusyTimeOutMills": "1000", "brokerFastFailureEnable": "true", "flushDiskType": "ASYNC_FLUSH"} {
		if cfg[k] != want {
			t.Errorf("%s=%q, want %q", k, cfg[k], want)
		}
	}
	update := func(props string) *remoting.Command {
		return call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestUpdateBrokerConfig, nil, []byte(props)))
	}
	if r := update("waitTimeMillsInSendQueue=500\nosPageCacheBusyTimeOutMills=800\ntopicRateLimit.Hot=100,1048576\n"); r.Code != remoting.ResponseSuccess {
		t.Fatalf("live update: code %d %q", r.Code, r.Remark)
	}
	cfg, v2 := brokerConfigOf(t, f)
	if cfg["waitTimeMillsInSendQueue"] != "500" || cfg["osPageCacheBusyTimeOutMills"] != "800" || cfg["topicRateLimit.Hot"] != "100,1048576" || v2 != version+1 {
		t.Fatalf("after the update: %v, version %d", cfg, v2)
	}
	if time.Duration(f.b.flow.waitInQueue.Load()) != 500*time.Millisecond {
		t.Fatal("the send path does not see the new queue wait")
	}
	// A key fixed at start, or an unknown one, is refused by name and
	// nothing of the update applies.
	for props, key := range map[string]string{"waitTimeMillsInSendQueue=300\nbrokerName=other": "brokerName", "noSuchKey=1": "noSuchKey",
		"waitTimeMillsInSendQueue=-5": "waitTimeMillsInSendQueue", "topicRateLimit.=1": "topicRateLimit."} {
		r := update(props)
		if r.Code != remoting.ResponseNoPermission || !strings.Contains(r.Remark, key) {
			t.Errorf("%q: code %d %q, want NO_PERMISSION naming %s", props, r.Code, r.Remark, key)
		}
	}
	if cfg, _ := brokerConfigOf(t, f); cfg["waitTimeMillsInSendQueue"] != "500" {
		t.Fatalf("a refused update changed waitTimeMillsInSendQueue to %s", cfg["waitTimeMillsInSendQueue"])
	}
	// Draining: brokerPermission=4 makes the broker read-only.
	if r := update("brokerPermission=4"); r.Code != remoting.ResponseSuccess {
		t.Fatal(r.Remark)
	}
	wantRefusal(t, call(t, f.cl, f.addr, sendRequest("Drained", 0, "x", "")), remoting.ResponseNoPermission, "sending message is forbidden")
	topics, _ := f.b.topics.snapshot()
	if tc := f.b.withBrokerPermission(topics)[AutoCreateTopicKey]; tc.Perm != PermRead|PermInherit {
		t.Fatalf("registered perm %d while read-only, want read and inherit", tc.Perm)
	}
	if r := update("brokerPermission=6"); r.Code != remoting.ResponseSuccess {
		t.Fatal(r.Remark)
	}
	if r := call(t, f.cl, f.addr, sendRequest("Drained", 0, "x", "")); r.Code != remoting.ResponseSuccess {
		t.Fatalf("send after write permission came back: code %d %q", r.Code, r.Remark)
	}
}

func TestTriggerDeleteFiles(t *testing.T) {
	f := newOpsFixture(t, func(o *Options) {
		o.Store.CommitLog = commitlog.Options{FileSize: 64 << 10, MaxMessageSize: 16 << 10}
		o.Store.FileReservedTime = time.Millisecond
		o.Store.DeleteFilesInterval = time.Millisecond
		o.Store.DestroyForciblyAfter = time.Millisecond
		o.Store.CleanResourceInterval = time.Hour // only the trigger deletes
	})
	body := strings.Repeat("x", 4<<10)
	for i := range 40 { // about 2.5 files
		if r := call(t, f.cl, f.addr, sendRequest("Expiring", 0, body, "")); r.Code != remoting.ResponseSuccess {
			t.Fatalf("send %d: %d %q", i, r.Code, r.Remark)
		}
	}
	if err := f.b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // older than FileReservedTime
	if min := f.b.store.CommitLog().MinOffset(); min != 0 {
		t.Fatalf("min offset %d before the trigger", min)
	}
	f.admin(t, remoting.RequestTriggerDeleteFiles, nil, nil)
	if min := f.b.store.CommitLog().MinOffset(); min < 64<<10 {
		t.Fatalf("min offset %d after the trigger, want the first file gone", min)
	}
	off := newOpsFixture(t) // the test brokers run without the cleanup service
	wantRefusal(t, call(t, off.cl, off.addr, remoting.NewRequest(remoting.RequestTriggerDeleteFiles, nil, nil)),
		remoting.ResponseSystemError, "cleanup service is off")
}
