package nameserver

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/acl"
	"github.com/rocketstore/rocketstore/internal/logtest"
	"github.com/rocketstore/rocketstore/remoting"
)

// attackerHost is the loopback address the attacker connects from; the
// real brokers connect from 127.0.0.1.
const attackerHost = "127.0.0.2"

// routeBody returns the raw route of topic, or fails.
func routeBody(t *testing.T, cl *remoting.Client, ns *NameServer, topic string) []byte {
	t.Helper()
	resp := queryRoute(t, cl, ns, topic)
	wantCode(t, resp, remoting.ResponseSuccess)
	return resp.Body
}

// wantRefused fails unless resp is NO_PERMISSION with a remark containing
// each of parts.
func wantRefused(t *testing.T, resp *remoting.Command, parts ...string) {
	t.Helper()
	wantCode(t, resp, remoting.ResponseNoPermission)
	for _, p := range parts {
		if !strings.Contains(resp.Remark, p) {
			t.Fatalf("remark %q does not mention %q", resp.Remark, p)
		}
	}
}

// TestAttackerRegistrationRefusedRouteUnchanged plays issue 13's attack on
// a name server without a cluster secret: another host registers under a
// live broker's name and id, re-registers its address with no topics,
// moves its address to another id, unregisters it and keeps it alive.
// Each is refused, the route stays what the real broker registered, and
// the real broker keeps re-registering — also over a new connection from
// its host. Once the real broker's registration is gone, the name is free.
func TestAttackerRegistrationRefusedRouteUnchanged(t *testing.T) {
	clock := newFakeClock()
	log, logs := logtest.New()
	ns := startNameServer(t, &Options{Now: clock.Now, Logger: log})
	real := newClient(t)
	v := DataVersion{Timestamp: 1, Counter: 1}
	register(t, real, ns, masterA, v, topicConfig("TopicTest", 4))
	before := routeBody(t, real, ns, "TopicTest")

	attacker := dialFrom(t, attackerHost, ns.Addr())
	evil := masterA
	evil.addr = attackerHost + ":10911"
	empty := wrapperBody(t, DataVersion{Timestamp: 2, Counter: 9})
	movedID := masterA
	movedID.id = 1

	wantRefused(t, attacker.call(t, evil.registerRequest(wrapperBody(t, v, topicConfig("TopicTest", 4)))),
		"broker-a id 0", "another host", masterA.addr)
	wantRefused(t, attacker.call(t, masterA.registerRequest(empty)), "another host")
	wantRefused(t, attacker.call(t, movedID.registerRequest(empty)), "another host")
	wantRefused(t, attacker.call(t, remoting.NewRequest(remoting.RequestUnregisterBroker, masterA.header(), nil)), "another host")

	clock.Advance(time.Minute)
	query := remoting.NewRequest(remoting.RequestQueryDataVersion, masterA.header(), []byte(`{"timestamp":1,"counter":1}`))
	wantCode(t, attacker.call(t, query), remoting.ResponseSuccess)
	if live := ns.Routes().LiveBrokers(); live[0].LastUpdate.Equal(clock.Now()) {
		t.Fatal("another host refreshed the broker's liveness")
	}

	if after := routeBody(t, real, ns, "TopicTest"); !bytes.Equal(after, before) {
		t.Fatalf("route changed by refused requests:\n before %s\n after  %s", before, after)
	}
	register(t, real, ns, masterA, v, topicConfig("TopicTest", 4))
	reconnected := newClient(t) // another connection from the broker's host
	register(t, reconnected, ns, masterA, v, topicConfig("TopicTest", 4))
	if n := len(logs.Lines("request refused")); n == 0 {
		t.Fatal("refusals not logged")
	}

	real.Close() // the real broker's connections close: its registration goes
	reconnected.Close()
	eventually(t, "the real broker to be dropped", func() bool { return len(ns.Routes().LiveBrokers()) == 0 })
	wantCode(t, attacker.call(t, evil.registerRequest(wrapperBody(t, v, topicConfig("TopicTest", 4)))), remoting.ResponseSuccess)
}

// signedRegister is b's registration at version v, signed with secret.
func signedRegister(b broker, v DataVersion, secret string, body []byte) *remoting.Command {
	req := b.registerRequest(body)
	acl.SignCluster(req, secret, time.Now())
	return req
}

const clusterSecret = "the-cluster-secret"

// TestClusterSecretRequired: with a cluster secret, broker requests must
// be signed with it; a signed master switch from the controller (a higher
// state version) replaces the live master, and the old master coming back
// with its old state version is refused.
func TestClusterSecretRequired(t *testing.T) {
	ns := startNameServer(t, &Options{ClusterSecret: clusterSecret})
	cl := newClient(t)
	epoch1 := DataVersion{Timestamp: 1, Counter: 1, StateVersion: 1}
	body := wrapperBody(t, epoch1, topicConfig("TopicTest", 4))

	wantRefused(t, invoke(t, cl, ns.Addr(), masterA.registerRequest(body)), "not signed with the cluster secret")
	wantRefused(t, invoke(t, cl, ns.Addr(), signedRegister(masterA, epoch1, "not-the-secret", body)), "mismatch")
	if live := ns.Routes().LiveBrokers(); len(live) != 0 {
		t.Fatalf("refused registrations left %v", live)
	}
	wantCode(t, invoke(t, cl, ns.Addr(), signedRegister(masterA, epoch1, clusterSecret, body)), remoting.ResponseSuccess)
	wantCode(t, invoke(t, cl, ns.Addr(), signedRegister(slaveA, epoch1, clusterSecret, body)), remoting.ResponseSuccess)

	for _, code := range []int16{remoting.RequestUnregisterBroker, remoting.RequestQueryDataVersion} {
		wantRefused(t, invoke(t, cl, ns.Addr(), remoting.NewRequest(code, masterA.header(), []byte(`{}`))), "cluster secret")
	}

	// The controller elects the slave: it registers as master, signed, at
	// the new epoch, from another host while the old master is still live.
	promoted := slaveA
	promoted.id = MasterID
	epoch2 := DataVersion{Timestamp: 1, Counter: 1, StateVersion: 2}
	switchReq := signedRegister(promoted, epoch2, clusterSecret, wrapperBody(t, epoch2, topicConfig("TopicTest", 4)))
	wantCode(t, dialFrom(t, attackerHost, ns.Addr()).call(t, switchReq), remoting.ResponseSuccess)
	want := map[int64]string{MasterID: slaveA.addr}
	if got := ns.Routes().ClusterInfo().BrokerAddrTable["broker-a"].BrokerAddrs; len(got) != 1 || got[MasterID] != slaveA.addr {
		t.Fatalf("broker-a after the switch: %v, want %v", got, want)
	}
	if live := ns.Routes().LiveBrokers(); len(live) != 1 || live[0].BrokerAddr != slaveA.addr {
		t.Fatalf("live after the switch: %+v (the old master must leave the liveness table)", live)
	}

	// The old master, unaware, registers again at epoch 1: stale.
	wantRefused(t, invoke(t, cl, ns.Addr(), signedRegister(masterA, epoch1, clusterSecret, body)), "state version 1 is older")
	if got := ns.Routes().ClusterInfo().BrokerAddrTable["broker-a"].BrokerAddrs; got[MasterID] != slaveA.addr {
		t.Fatalf("a stale master replaced the new one: %v", got)
	}

	// A signed request cannot be replayed.
	replay := signedRegister(masterB, epoch1, clusterSecret, body)
	wantCode(t, invoke(t, cl, ns.Addr(), replay), remoting.ResponseSuccess)
	wantRefused(t, invoke(t, cl, ns.Addr(), replay), "replayed")
}

// TestRegisterTopicInNameServer registers one topic on a registered
// broker: accepted from the broker's host, refused from another host and
// for an unknown broker (RocketMQ's RegisterTopicRequestHeader: topic; the
// body a TopicRouteData).
func TestRegisterTopicInNameServer(t *testing.T) {
	ns := startNameServer(t, nil)
	cl := newClient(t)
	register(t, cl, ns, masterA, DataVersion{Timestamp: 1, Counter: 1}, topicConfig("TopicTest", 4))
	body := func(broker string) []byte {
		return []byte(`{"queueDatas":[{"brokerName":"` + broker + `","readQueueNums":2,"writeQueueNums":2,"perm":6,"topicSynFlag":1}]}`)
	}
	req := func(broker string) *remoting.Command {
		return remoting.NewRequest(remoting.RequestRegisterTopicInNameServer, map[string]string{"topic": "Single"}, body(broker))
	}

	wantCode(t, invoke(t, cl, ns.Addr(), req("broker-a")), remoting.ResponseSuccess)
	route, ok := ns.Routes().TopicRoute("Single")
	if !ok || len(route.QueueDatas) != 1 || route.QueueDatas[0] != (QueueData{BrokerName: "broker-a", ReadQueueNums: 2, WriteQueueNums: 2, Perm: 6, TopicSysFlag: 1}) {
		t.Fatalf("route of Single: %+v", route)
	}
	wantCode(t, invoke(t, cl, ns.Addr(), req("broker-x")), remoting.ResponseInvalidParameter)
	wantRefused(t, dialFrom(t, attackerHost, ns.Addr()).call(t, req("broker-a")), "another host")
	empty := remoting.NewRequest(remoting.RequestRegisterTopicInNameServer, map[string]string{"topic": "Single"}, []byte(`{"queueDatas":[]}`))
	wantCode(t, invoke(t, cl, ns.Addr(), empty), remoting.ResponseInvalidParameter)
}
