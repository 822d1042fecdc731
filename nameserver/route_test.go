package nameserver

import (
	"maps"
	"reflect"
	"testing"

	"github.com/rocketstore/rocketstore/remoting"
)

// registerAll registers the three test brokers: TopicTest on both broker
// names (4 queues on broker-a, 8 on broker-b), OnlyA on broker-a only.
func registerAll(t *testing.T, cl *remoting.Client, ns *NameServer) {
	t.Helper()
	v := DataVersion{Timestamp: 1_700_000_000_000, Counter: 3}
	register(t, cl, ns, masterA, v, topicConfig("TopicTest", 4), topicConfig("OnlyA", 2), topicConfig("TBW102", 8))
	register(t, cl, ns, slaveA, v, topicConfig("TopicTest", 4), topicConfig("OnlyA", 2), topicConfig("TBW102", 8))
	register(t, cl, ns, masterB, v, topicConfig("TopicTest", 8), topicConfig("TBW102", 8))
}

func TestRouteInfoByTopicIsCompactAndReadableByGoClient(t *testing.T) {
	ns := startNameServer(t, nil)
	cl := newClient(t)
	registerAll(t, cl, ns)

	resp := queryRoute(t, cl, ns, "TopicTest")
	wantCode(t, resp, remoting.ResponseSuccess)
	want := `{"orderTopicConf":"","queueDatas":[` +
		`{"brokerName":"broker-a","readQueueNums":4,"writeQueueNums":4,"perm":6,"topicSysFlag":0},` +
		`{"brokerName":"broker-b","readQueueNums":8,"writeQueueNums":8,"perm":6,"topicSysFlag":0}],` +
		`"brokerDatas":[` +
		`{"cluster":"DefaultCluster","brokerName":"broker-a","brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"}},` +
		`{"cluster":"OtherCluster","brokerName":"broker-b","brokerAddrs":{"0":"127.0.0.1:20911"}}],` +
		`"filterServerTable":{}}`
	if string(resp.Body) != want {
		t.Fatalf("route body\n got %s\nwant %s", resp.Body, want)
	}

	qds, bds := decodeRouteLikeGoClient(t, resp.Body)
	wantQDs := []clientQueueData{
		{BrokerName: "broker-a", ReadQueueNums: 4, WriteQueueNums: 4, Perm: 6},
		{BrokerName: "broker-b", ReadQueueNums: 8, WriteQueueNums: 8, Perm: 6},
	}
	if !reflect.DeepEqual(qds, wantQDs) {
		t.Errorf("client queue datas %+v, want %+v", qds, wantQDs)
	}
	wantBDs := []clientBrokerData{
		{Cluster: "DefaultCluster", BrokerName: "broker-a", BrokerAddresses: map[int64]string{0: "127.0.0.1:10911", 1: "127.0.0.1:10921"}},
		{Cluster: "OtherCluster", BrokerName: "broker-b", BrokerAddresses: map[int64]string{0: "127.0.0.1:20911"}},
	}
	if !reflect.DeepEqual(bds, wantBDs) {
		t.Errorf("client broker datas %+v, want %+v", bds, wantBDs)
	}
}

// TestGoClientSplitNeedsCompactJSON pins down why route bodies must be
// compact: the client's split reads a spaced object's slave as a second
// master.
func TestGoClientSplitNeedsCompactJSON(t *testing.T) {
	cases := []struct {
		name, raw string
		want      map[int64]string
	}{
		{"compact quoted", `{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"}`, map[int64]string{0: "127.0.0.1:10911", 1: "127.0.0.1:10921"}},
		{"compact unquoted (fastjson)", `{0:"127.0.0.1:10911",1:"127.0.0.1:10921"}`, map[int64]string{0: "127.0.0.1:10911", 1: "127.0.0.1:10921"}},
		{"empty", `{}`, map[int64]string{}},
		{"spaced", `{"0": "127.0.0.1:10911", "1": "127.0.0.1:10921"}`, map[int64]string{0: " 127.0.0.1:10921"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := splitBrokerAddrsLikeGoClient(tc.raw); !maps.Equal(got, tc.want) {
				t.Fatalf("split %s = %v, want %v", tc.raw, got, tc.want)
			}
		})
	}
}

func TestRouteInfoErrors(t *testing.T) {
	ns := startNameServer(t, nil)
	cl := newClient(t)
	registerAll(t, cl, ns)

	cases := []struct {
		name       string
		ext        map[string]string
		wantCode   int16
		wantRemark string
	}{
		{"unknown topic", map[string]string{"topic": "Nope"}, remoting.ResponseTopicNotExist,
			"No topic route info in name server for the topic: Nope"},
		{"missing topic field", nil, remoting.ResponseSystemError, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := invoke(t, cl, ns.Addr(), remoting.NewRequest(remoting.RequestGetRouteInfoByTopic, tc.ext, nil))
			wantCode(t, resp, tc.wantCode)
			if tc.wantRemark != "" && resp.Remark != tc.wantRemark {
				t.Errorf("remark %q, want %q", resp.Remark, tc.wantRemark)
			}
			if resp.Remark == "" {
				t.Error("error response without remark")
			}
		})
	}
}

func TestBrokerClusterInfo(t *testing.T) {
	ns := startNameServer(t, nil)
	cl := newClient(t)
	registerAll(t, cl, ns)

	resp := invoke(t, cl, ns.Addr(), remoting.NewRequest(remoting.RequestGetBrokerClusterInfo, nil, nil))
	wantCode(t, resp, remoting.ResponseSuccess)
	want := `{"brokerAddrTable":{` +
		`"broker-a":{"cluster":"DefaultCluster","brokerName":"broker-a","brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"}},` +
		`"broker-b":{"cluster":"OtherCluster","brokerName":"broker-b","brokerAddrs":{"0":"127.0.0.1:20911"}}},` +
		`"clusterAddrTable":{"DefaultCluster":["broker-a"],"OtherCluster":["broker-b"]}}`
	if string(resp.Body) != want {
		t.Fatalf("cluster info\n got %s\nwant %s", resp.Body, want)
	}
}

func TestTopicListAndDeletion(t *testing.T) {
	ns := startNameServer(t, nil)
	cl := newClient(t)

	topicList := func() string {
		t.Helper()
		resp := invoke(t, cl, ns.Addr(), remoting.NewRequest(remoting.RequestGetAllTopicListFromNameServer, nil, nil))
		wantCode(t, resp, remoting.ResponseSuccess)
		return string(resp.Body)
	}
	deleteTopic := func(ext map[string]string) {
		t.Helper()
		wantCode(t, invoke(t, cl, ns.Addr(), remoting.NewRequest(remoting.RequestDeleteTopicInNameServer, ext, nil)), remoting.ResponseSuccess)
	}
	routeBrokers := func(topic string) []string {
		t.Helper()
		resp := queryRoute(t, cl, ns, topic)
		if resp.Code == remoting.ResponseTopicNotExist {
			return nil
		}
		wantCode(t, resp, remoting.ResponseSuccess)
		_, bds := decodeRouteLikeGoClient(t, resp.Body)
		var names []string
		for _, bd := range bds {
			names = append(names, bd.BrokerName)
		}
		return names
	}

	if got := topicList(); got != `{"topicList":[]}` {
		t.Fatalf("empty topic list %s", got)
	}
	registerAll(t, cl, ns)
	if got, want := topicList(), `{"topicList":["OnlyA","TBW102","TopicTest"]}`; got != want {
		t.Fatalf("topic list %s, want %s", got, want)
	}

	// Limited to a cluster, only that cluster's brokers lose the topic.
	deleteTopic(map[string]string{"topic": "TopicTest", "clusterName": "OtherCluster"})
	if got := routeBrokers("TopicTest"); !reflect.DeepEqual(got, []string{"broker-a"}) {
		t.Fatalf("after deleting in OtherCluster, TopicTest on %v", got)
	}
	deleteTopic(map[string]string{"topic": "TopicTest"})
	if got := routeBrokers("TopicTest"); got != nil {
		t.Fatalf("deleted topic still routed to %v", got)
	}
	deleteTopic(map[string]string{"topic": "NeverExisted"})
	if got, want := topicList(), `{"topicList":["OnlyA","TBW102"]}`; got != want {
		t.Fatalf("topic list after delete %s, want %s", got, want)
	}

	// The broker still has the topic: an unchanged data version leaves it
	// deleted, a new one brings it back, as in RocketMQ.
	register(t, cl, ns, masterA, DataVersion{Timestamp: 1_700_000_000_000, Counter: 3}, topicConfig("TopicTest", 4), topicConfig("OnlyA", 2))
	if got := routeBrokers("TopicTest"); got != nil {
		t.Fatalf("unchanged re-registration restored the topic on %v", got)
	}
	register(t, cl, ns, masterA, DataVersion{Timestamp: 1_700_000_000_000, Counter: 4}, topicConfig("TopicTest", 4), topicConfig("OnlyA", 2))
	if got := routeBrokers("TopicTest"); !reflect.DeepEqual(got, []string{"broker-a"}) {
		t.Fatalf("new data version routes TopicTest to %v, want broker-a", got)
	}

	resp := invoke(t, cl, ns.Addr(), remoting.NewRequest(remoting.RequestDeleteTopicInNameServer, nil, nil))
	wantCode(t, resp, remoting.ResponseSystemError)
}
