package nameserver

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

func TestRegisterTellsSlaveItsMaster(t *testing.T) {
	ns := startNameServer(t, nil)
	cl := newClient(t)
	v := DataVersion{Timestamp: 1, Counter: 1}

	cases := []struct {
		name       string
		b          broker
		wantFields map[string]string // haServerAddr and masterAddr; absent when unknown
	}{
		{"slave before its master", slaveA, map[string]string{}},
		{"master", masterA, map[string]string{}},
		{"slave after its master", slaveA, map[string]string{"haServerAddr": masterA.ha, "masterAddr": masterA.addr}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := register(t, cl, ns, tc.b, v, topicConfig("TopicTest", 4))
			got := map[string]string{}
			for _, k := range []string{"haServerAddr", "masterAddr"} {
				if val, ok := resp.Lookup(k); ok {
					got[k] = val
				}
			}
			if !reflect.DeepEqual(got, tc.wantFields) {
				t.Errorf("response fields %v, want %v", got, tc.wantFields)
			}
			if string(resp.Body) != `{"table":{}}` {
				t.Errorf("response body %s, want an empty KVTable", resp.Body)
			}
		})
	}
}

// TestRegisterAcceptsJavaBrokerBody registers with the RegisterBrokerBody
// a Java 4.9 broker sends: the wrapper nested under
// topicConfigSerializeWrapper, fastjson's sorted keys, members the name
// server ignores.
func TestRegisterAcceptsJavaBrokerBody(t *testing.T) {
	ns := startNameServer(t, nil)
	cl := newClient(t)
	body := []byte(`{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":7,"timestamp":1700000000000},` +
		`"topicConfigTable":{"TopicTest":{"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4},` +
		`"%RETRY%group":{"order":false,"perm":6,"readQueueNums":1,"topicFilterType":"SINGLE_TAG","topicName":"%RETRY%group","topicSysFlag":0,"writeQueueNums":1}}}}`)
	wantCode(t, invoke(t, cl, ns.Addr(), masterA.registerRequest(body)), remoting.ResponseSuccess)

	if got, want := ns.Routes().Topics(), []string{"%RETRY%group", "TopicTest"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("topics %v, want %v", got, want)
	}
	if got := ns.Routes().LiveBrokers(); len(got) != 1 || got[0].DataVersion != (DataVersion{Timestamp: 1700000000000, Counter: 7}) {
		t.Fatalf("live brokers %+v", got)
	}
}

func TestRegisterRejectsMalformedRequests(t *testing.T) {
	good := []byte(`{"topicConfigTable":{"T":{"topicName":"T","readQueueNums":4,"writeQueueNums":4,"perm":6}},"dataVersion":{"timestamp":1,"counter":1}}`)
	cases := []struct {
		name       string
		edit       func(ext map[string]string) // changes the header of a good request
		body       []byte                      // the body sent; its CRC is in the header unless edit changes it
		wantCode   int16
		wantRemark string // a substring
	}{
		{"bad JSON", nil, []byte(`{"topicConfigTable":`), remoting.ResponseSystemError, "decode body"},
		{"not an object", nil, []byte(`[1,2]`), remoting.ResponseSystemError, "decode body"},
		{"no data version", nil, []byte(`{"topicConfigTable":{}}`), remoting.ResponseSystemError, "dataVersion"},
		{"queue count not a number", nil, []byte(`{"topicConfigTable":{"T":{"readQueueNums":"four"}},"dataVersion":{}}`), remoting.ResponseSystemError, "decode body"},
		{"bad CRC", func(ext map[string]string) { ext["bodyCrc32"] = "12345" }, good, remoting.ResponseSystemError, "crc32 not match"},
		{"CRC not a number", func(ext map[string]string) { ext["bodyCrc32"] = "x" }, good, remoting.ResponseSystemError, "bodyCrc32"},
		{"missing brokerName", func(ext map[string]string) { delete(ext, "brokerName") }, good, remoting.ResponseSystemError, "brokerName"},
		{"missing brokerAddr", func(ext map[string]string) { delete(ext, "brokerAddr") }, good, remoting.ResponseSystemError, "brokerAddr"},
		{"missing clusterName", func(ext map[string]string) { delete(ext, "clusterName") }, good, remoting.ResponseSystemError, "clusterName"},
		{"missing haServerAddr", func(ext map[string]string) { delete(ext, "haServerAddr") }, good, remoting.ResponseSystemError, "haServerAddr"},
		{"missing brokerId", func(ext map[string]string) { delete(ext, "brokerId") }, good, remoting.ResponseSystemError, "brokerId"},
		{"brokerId not a number", func(ext map[string]string) { ext["brokerId"] = "master" }, good, remoting.ResponseSystemError, "brokerId"},
		{"negative brokerId", func(ext map[string]string) { ext["brokerId"] = "-1" }, good, remoting.ResponseInvalidParameter, "brokerId"},
		{"empty brokerAddr", func(ext map[string]string) { ext["brokerAddr"] = "" }, good, remoting.ResponseInvalidParameter, "brokerAddr"},
		{"compressed", func(ext map[string]string) { ext["compressed"] = "true" }, good, remoting.ResponseInvalidParameter, "compressed"},
		{"compressed not a bool", func(ext map[string]string) { ext["compressed"] = "yes" }, good, remoting.ResponseSystemError, "compressed"},
	}
	ns := startNameServer(t, nil)
	cl := newClient(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := masterA.registerRequest(tc.body)
			if tc.edit != nil {
				tc.edit(req.ExtFields)
			}
			resp := invoke(t, cl, ns.Addr(), req)
			wantCode(t, resp, tc.wantCode)
			if !strings.Contains(resp.Remark, tc.wantRemark) {
				t.Errorf("remark %q does not mention %q", resp.Remark, tc.wantRemark)
			}
		})
	}
	if live, topics := ns.Routes().LiveBrokers(), ns.Routes().Topics(); len(live) != 0 || len(topics) != 0 {
		t.Fatalf("rejected registrations left brokers %v and topics %v", live, topics)
	}

	// The same good request, with and without a CRC, is accepted.
	for _, crc := range []string{strconv.Itoa(int(javaCRC32(good))), "0"} {
		req := masterA.registerRequest(good)
		req.ExtFields["bodyCrc32"] = crc
		wantCode(t, invoke(t, cl, ns.Addr(), req), remoting.ResponseSuccess)
	}
}

func TestUnregisterRemovesEmptiedEntries(t *testing.T) {
	ns := startNameServer(t, nil)
	cl := newClient(t)
	registerAll(t, cl, ns)
	unregister := func(b broker) {
		t.Helper()
		req := remoting.NewRequest(remoting.RequestUnregisterBroker, b.header(), nil)
		wantCode(t, invoke(t, cl, ns.Addr(), req), remoting.ResponseSuccess)
	}

	unregister(slaveA)
	info := ns.Routes().ClusterInfo()
	if got := info.BrokerAddrTable["broker-a"].BrokerAddrs; !reflect.DeepEqual(got, map[int64]string{0: masterA.addr}) {
		t.Fatalf("broker-a addresses after the slave left: %v", got)
	}

	unregister(masterA)
	info = ns.Routes().ClusterInfo()
	if _, ok := info.BrokerAddrTable["broker-a"]; ok {
		t.Fatal("broker-a still listed with no address")
	}
	if !reflect.DeepEqual(info.ClusterAddrTable, map[string][]string{"OtherCluster": {"broker-b"}}) {
		t.Fatalf("clusters %v", info.ClusterAddrTable)
	}
	if got, want := ns.Routes().Topics(), []string{"TBW102", "TopicTest"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("topics %v, want %v (OnlyA lived on broker-a only)", got, want)
	}
	wantCode(t, queryRoute(t, cl, ns, "OnlyA"), remoting.ResponseTopicNotExist)

	unregister(masterA) // again: a broker that is gone already is fine
	req := remoting.NewRequest(remoting.RequestUnregisterBroker, map[string]string{"brokerAddr": masterB.addr}, nil)
	wantCode(t, invoke(t, cl, ns.Addr(), req), remoting.ResponseSystemError)
}

func TestSilentBrokersExpire(t *testing.T) {
	clock := newFakeClock()
	ns := startNameServer(t, &Options{BrokerExpiry: 120 * time.Second, ScanInterval: 5 * time.Millisecond, Now: clock.Now})
	clA, clB := newClient(t), newClient(t)
	v := DataVersion{Timestamp: 1, Counter: 1}

	register(t, clA, ns, masterA, v, topicConfig("TopicTest", 4))
	register(t, clB, ns, masterB, v, topicConfig("TopicTest", 8))
	clock.Advance(100 * time.Second)
	register(t, clB, ns, masterB, v, topicConfig("TopicTest", 8)) // B keeps registering, A is silent
	clock.Advance(21 * time.Second)                               // A: 121 s, B: 21 s

	eventually(t, "broker-a to expire", func() bool {
		_, ok := ns.Routes().ClusterInfo().BrokerAddrTable["broker-a"]
		return !ok
	})
	if live := ns.Routes().LiveBrokers(); len(live) != 1 || live[0].BrokerAddr != masterB.addr {
		t.Fatalf("live brokers %+v, want only broker-b", live)
	}
	route, ok := ns.Routes().TopicRoute("TopicTest")
	if !ok || len(route.QueueDatas) != 1 || route.QueueDatas[0].BrokerName != "broker-b" {
		t.Fatalf("route after expiry %+v", route)
	}
}

func TestClosedConnectionDropsItsBrokers(t *testing.T) {
	ns := startNameServer(t, nil)
	clA, clB := newClient(t), newClient(t)
	v := DataVersion{Timestamp: 1, Counter: 1}
	register(t, clA, ns, masterA, v, topicConfig("TopicTest", 4))
	register(t, clA, ns, slaveA, v, topicConfig("TopicTest", 4))
	register(t, clB, ns, masterB, v, topicConfig("TopicTest", 8))

	clA.Close()
	eventually(t, "broker-a's brokers to be dropped", func() bool {
		live := ns.Routes().LiveBrokers()
		return len(live) == 1 && live[0].BrokerAddr == masterB.addr
	})
	if got := ns.Routes().ClusterInfo().ClusterAddrTable; !reflect.DeepEqual(got, map[string][]string{"OtherCluster": {"broker-b"}}) {
		t.Fatalf("clusters %v", got)
	}
	resp := queryRoute(t, clB, ns, "TopicTest")
	wantCode(t, resp, remoting.ResponseSuccess)
	if _, bds := decodeRouteLikeGoClient(t, resp.Body); len(bds) != 1 || bds[0].BrokerName != "broker-b" {
		t.Fatalf("route brokers %+v", bds)
	}
}

func TestQueryDataVersion(t *testing.T) {
	clock := newFakeClock()
	ns := startNameServer(t, &Options{Now: clock.Now})
	cl := newClient(t)
	query := func(body string) *remoting.Command {
		t.Helper()
		return invoke(t, cl, ns.Addr(), remoting.NewRequest(remoting.RequestQueryDataVersion, masterA.header(), []byte(body)))
	}

	resp := query(`{"timestamp":5,"counter":2}`)
	wantCode(t, resp, remoting.ResponseSuccess)
	if changed, _ := resp.Lookup("changed"); changed != "true" || resp.Body != nil {
		t.Fatalf("unknown broker: changed=%q body=%s", changed, resp.Body)
	}

	register(t, cl, ns, masterA, DataVersion{Timestamp: 5, Counter: 2}, topicConfig("TopicTest", 4))
	clock.Advance(time.Minute)
	cases := []struct {
		body, wantChanged string
		wantRefreshed     bool
	}{
		{`{"timestamp":5,"counter":3}`, "true", false},
		{`{"timestamp":5,"counter":2}`, "false", true},
	}
	for _, tc := range cases {
		resp := query(tc.body)
		wantCode(t, resp, remoting.ResponseSuccess)
		if changed, _ := resp.Lookup("changed"); changed != tc.wantChanged {
			t.Errorf("%s: changed=%q, want %s", tc.body, changed, tc.wantChanged)
		}
		if string(resp.Body) != `{"timestamp":5,"counter":2}` {
			t.Errorf("%s: body %s, want the registered version", tc.body, resp.Body)
		}
		if refreshed := ns.Routes().LiveBrokers()[0].LastUpdate.Equal(clock.Now()); refreshed != tc.wantRefreshed {
			t.Errorf("%s: liveness refreshed=%v, want %v", tc.body, refreshed, tc.wantRefreshed)
		}
	}
	wantCode(t, query(`not json`), remoting.ResponseSystemError)
}
