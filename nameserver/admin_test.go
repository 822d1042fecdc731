package nameserver

import (
	"strings"
	"testing"

	"github.com/rocketstore/rocketstore/remoting"
)

// routePerms returns the perm of topic's queue data per broker name, as a
// client reads the route.
func routePerms(t *testing.T, cl *remoting.Client, ns *NameServer, topic string) map[string]int {
	t.Helper()
	resp := queryRoute(t, cl, ns, topic)
	wantCode(t, resp, remoting.ResponseSuccess)
	qds, _ := decodeRouteLikeGoClient(t, resp.Body)
	out := map[string]int{}
	for _, qd := range qds {
		out[qd.BrokerName] = qd.Perm
	}
	return out
}

// TestWipeAndAddWritePerm: WIPE_WRITE_PERM_OF_BROKER clears the write bit
// of the broker's queue data in every route and answers wipeTopicCount;
// ADD_WRITE_PERM_OF_BROKER sets read|write and answers addTopicCount. The
// wipe holds across unchanged re-registrations, and a changed topic
// configuration replaces it, as in RocketMQ.
func TestWipeAndAddWritePerm(t *testing.T) {
	ns := startNameServer(t, nil)
	cl := newClient(t)
	registerAll(t, cl, ns)
	perm := func(code int16, brokerName, countKey string) int32 {
		t.Helper()
		resp := invoke(t, cl, ns.Addr(), kvRequest(code, "brokerName", brokerName))
		wantCode(t, resp, remoting.ResponseSuccess)
		n, err := resp.Int32(countKey)
		if err != nil {
			t.Fatalf("response header: %v", err)
		}
		return n
	}

	if n := perm(remoting.RequestWipeWritePermOfBroker, "broker-a", "wipeTopicCount"); n != 3 {
		t.Fatalf("wipeTopicCount %d, want 3 (TopicTest, OnlyA, TBW102)", n)
	}
	if got := routePerms(t, cl, ns, "TopicTest"); got["broker-a"] != 4 || got["broker-b"] != 6 {
		t.Fatalf("perms after wipe %v", got)
	}
	register(t, cl, ns, masterA, DataVersion{Timestamp: 1_700_000_000_000, Counter: 3}, topicConfig("TopicTest", 4), topicConfig("OnlyA", 2), topicConfig("TBW102", 8))
	if got := routePerms(t, cl, ns, "OnlyA"); got["broker-a"] != 4 {
		t.Fatalf("an unchanged re-registration undid the wipe: %v", got)
	}
	if n := perm(remoting.RequestAddWritePermOfBroker, "broker-a", "addTopicCount"); n != 3 {
		t.Fatalf("addTopicCount %d, want 3", n)
	}
	if got := routePerms(t, cl, ns, "OnlyA"); got["broker-a"] != 6 {
		t.Fatalf("perms after add %v", got)
	}
	perm(remoting.RequestWipeWritePermOfBroker, "broker-a", "wipeTopicCount")
	register(t, cl, ns, masterA, DataVersion{Timestamp: 1_700_000_000_000, Counter: 4}, topicConfig("TopicTest", 4), topicConfig("OnlyA", 2), topicConfig("TBW102", 8))
	if got := routePerms(t, cl, ns, "OnlyA"); got["broker-a"] != 6 {
		t.Fatalf("a changed configuration did not replace the wipe: %v", got)
	}
	if n := perm(remoting.RequestWipeWritePermOfBroker, "no-such-broker", "wipeTopicCount"); n != 0 {
		t.Fatalf("wipeTopicCount of an unknown broker %d", n)
	}
	wantCode(t, invoke(t, cl, ns.Addr(), kvRequest(remoting.RequestAddWritePermOfBroker)), remoting.ResponseSystemError)
}

// TestTopicLists checks GET_TOPICS_BY_CLUSTER, GET_SYSTEM_TOPIC_LIST_FROM_NS
// and the three unit lists against RocketMQ's TopicList body, and the
// "disable" answer when the lists are switched off.
func TestTopicLists(t *testing.T) {
	ns := startNameServer(t, nil)
	cl := newClient(t)
	unit, unitSub, both := topicConfig("Unit", 1), topicConfig("UnitSub", 1), topicConfig("UnitBoth", 1)
	unit.TopicSysFlag, unitSub.TopicSysFlag, both.TopicSysFlag = 1, 2, 3
	v := DataVersion{Timestamp: 1, Counter: 1}
	register(t, cl, ns, masterA, v, topicConfig("TopicTest", 4), topicConfig("OnlyA", 2), unit, unitSub, both)
	register(t, cl, ns, masterB, v, topicConfig("TopicTest", 8), topicConfig("OnlyB", 2))
	list := func(code int16, fields ...string) string {
		t.Helper()
		resp := invoke(t, cl, ns.Addr(), kvRequest(code, fields...))
		wantCode(t, resp, remoting.ResponseSuccess)
		return string(resp.Body)
	}

	cases := []struct {
		name   string
		code   int16
		fields []string
		want   string
	}{
		{"by cluster", remoting.RequestGetTopicsByCluster, []string{"cluster", "OtherCluster"}, `{"topicList":["OnlyB","TopicTest"]}`},
		{"by unknown cluster", remoting.RequestGetTopicsByCluster, []string{"cluster", "Nope"}, `{"topicList":[]}`},
		{"system topics", remoting.RequestGetSystemTopicListFromNameServer, nil,
			`{"topicList":["DefaultCluster","OtherCluster","broker-a","broker-b"],"brokerAddr":"127.0.0.1:10911"}`},
		{"unit", remoting.RequestGetUnitTopicList, nil, `{"topicList":["Unit","UnitBoth"]}`},
		{"has unit sub", remoting.RequestGetHasUnitSubTopicList, nil, `{"topicList":["UnitBoth","UnitSub"]}`},
		{"has unit sub, not unit", remoting.RequestGetHasUnitSubUnunitTopicList, nil, `{"topicList":["UnitSub"]}`},
	}
	for _, tc := range cases {
		if got := list(tc.code, tc.fields...); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	wantCode(t, invoke(t, cl, ns.Addr(), kvRequest(remoting.RequestGetTopicsByCluster)), remoting.ResponseSystemError)

	off := startNameServer(t, &Options{DisableAllTopicList: true, DisableTopicList: true})
	for _, code := range []int16{remoting.RequestGetAllTopicListFromNameServer, remoting.RequestGetTopicsByCluster, remoting.RequestGetUnitTopicList} {
		resp := invoke(t, cl, off.Addr(), kvRequest(code, "cluster", "DefaultCluster"))
		if resp.Code != remoting.ResponseSystemError || resp.Remark != "disable" {
			t.Errorf("code %d with lists disabled: %d %q", code, resp.Code, resp.Remark)
		}
	}
}

// TestNameServerConfig: GET_NAMESRV_CONFIG answers properties lines;
// UPDATE_NAMESRV_CONFIG changes the runtime settings and refuses paths,
// security settings and unknown keys.
func TestNameServerConfig(t *testing.T) {
	ns := startNameServer(t, &Options{ClusterSecret: "s3cret-value"})
	cl := newClient(t)
	getConfig := func() string {
		t.Helper()
		resp := invoke(t, cl, ns.Addr(), remoting.NewRequest(remoting.RequestGetNameServerConfig, nil, nil))
		wantCode(t, resp, remoting.ResponseSuccess)
		return string(resp.Body)
	}
	update := func(body string) *remoting.Command {
		t.Helper()
		return invoke(t, cl, ns.Addr(), remoting.NewRequest(remoting.RequestUpdateNameServerConfig, nil, []byte(body)))
	}

	cfg := getConfig()
	for _, line := range []string{"enableAllTopicList=true", "enableTopicList=true", "orderMessageEnable=false", "clusterSecretEnable=true", "kvConfigPath="} {
		if !strings.Contains(cfg, line) {
			t.Errorf("config lacks %q:\n%s", line, cfg)
		}
	}
	if strings.Contains(cfg, "s3cret-value") {
		t.Fatalf("config shows the cluster secret:\n%s", cfg)
	}

	wantCode(t, update("# from mqadmin\nenableAllTopicList = false\norderMessageEnable:true\n"), remoting.ResponseSuccess)
	if cfg := getConfig(); !strings.Contains(cfg, "enableAllTopicList=false") || !strings.Contains(cfg, "orderMessageEnable=true") {
		t.Fatalf("config after update:\n%s", cfg)
	}
	resp := invoke(t, cl, ns.Addr(), remoting.NewRequest(remoting.RequestGetAllTopicListFromNameServer, nil, nil))
	if resp.Code != remoting.ResponseSystemError || resp.Remark != "disable" {
		t.Fatalf("all topic list after disabling: %d %q", resp.Code, resp.Remark)
	}

	for _, tc := range []struct {
		body string
		code int16
	}{
		{"kvConfigPath=/tmp/x", remoting.ResponseNoPermission},
		{"clusterSecret=", remoting.ResponseNoPermission},
		{"aclEnable=false", remoting.ResponseNoPermission},
		{"listenPort=1", remoting.ResponseInvalidParameter},
		{"enableTopicList=maybe", remoting.ResponseInvalidParameter},
		{"enableTopicList=false\nnoSuchKey=1", remoting.ResponseInvalidParameter},
		{"just words", remoting.ResponseSystemError},
	} {
		wantCode(t, update(tc.body), tc.code)
	}
	if cfg := getConfig(); !strings.Contains(cfg, "enableTopicList=true") {
		t.Fatalf("a refused update changed a setting:\n%s", cfg)
	}
}
