// Package testcluster starts a name server and a broker on 127.0.0.1 inside
// a test, with small files under t.TempDir(), and drives them over the
// remoting protocol as a producer and a consumer would: sends with keys and
// unique ids, offset commits, consumer heartbeats. The admin, console and
// command tests share it. It is for tests only.
package testcluster

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/broker"
	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/nameserver"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// Cluster is one name server and one master broker.
type Cluster struct {
	NS     *nameserver.NameServer
	Broker *broker.Broker
	// NameServer and BrokerAddr are their listen addresses.
	NameServer, BrokerAddr string
	// BrokerName and ClusterName identify the broker in routes.
	BrokerName, ClusterName string

	client *remoting.Client
	ids    *message.UniqIDGenerator
}

// Start starts a name server and a broker registered with it; configure
// may change the broker's options before it starts. Both stop when the
// test ends.
func Start(t testing.TB, configure ...func(*broker.Options)) *Cluster {
	t.Helper()
	dir := t.TempDir()
	ns := nameserver.New(&nameserver.Options{KVConfigPath: filepath.Join(dir, "namesrv", "kvConfig.json")})
	if err := ns.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	o := broker.Options{
		// Port 0: the broker binds before its store opens, so the store
		// host inside offset message ids is the chosen port; no port
		// picked in advance can be taken by another process in between.
		ListenAddr:   "127.0.0.1:0",
		HAListenAddr: "127.0.0.1:0",
		NameServers:  []string{ns.Addr()},
		DataDir:      filepath.Join(dir, "broker"),
		BrokerName:   "broker-a",
		ClusterName:  "DefaultCluster",
		// A loaded test machine can stall a send's worker past RocketMQ's
		// 200 ms, which would refuse it with SYSTEM_BUSY; flow control is
		// tested in package broker, not here.
		FlowControl: broker.FlowControlOptions{WaitTimeInSendQueue: 10 * time.Second},
		Store: store.Options{
			CommitLog:                commitlog.Options{FileSize: 8 << 20},
			ConsumeQueueUnitsPerFile: 1000,
			IndexSlotCount:           1000,
			IndexMaxEntries:          4000,
			CleanResourceInterval:    -1,
			DelayLevels:              strings.Repeat("1s ", 18),
		},
	}
	for _, f := range configure {
		f(&o)
	}
	b, err := broker.New(&o)
	if err != nil {
		ns.Close()
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		b.Close()
		ns.Close()
		t.Fatal(err)
	}
	c := &Cluster{
		NS: ns, Broker: b, NameServer: ns.Addr(), BrokerAddr: b.Addr(),
		BrokerName: o.BrokerName, ClusterName: o.ClusterName,
		client: remoting.NewClient(remoting.ClientOptions{}),
		ids:    message.NewUniqIDGenerator(netip.MustParseAddr("127.0.0.1"), os.Getpid()),
	}
	t.Cleanup(func() {
		c.client.Close()
		if err := b.Close(); err != nil {
			t.Errorf("broker close: %v", err)
		}
		ns.Close()
	})
	// The broker registers as it starts; tests begin with it in the name
	// server's cluster table.
	c.waitListed(t, c.BrokerAddr)
	return c
}

// StartSlave starts a slave of the cluster's broker (broker id 1, same
// name and cluster) and waits until the name server lists it. It stops
// when the test ends.
func (c *Cluster) StartSlave(t testing.TB) *broker.Broker {
	t.Helper()
	s, err := broker.New(&broker.Options{
		ListenAddr: "127.0.0.1:0", HAListenAddr: "127.0.0.1:0", NameServers: []string{c.NameServer},
		DataDir: t.TempDir(), BrokerName: c.BrokerName, ClusterName: c.ClusterName, BrokerID: 1,
		Role: broker.RoleSlave, MasterHAAddr: c.Broker.HAAddr(), MasterAddr: c.BrokerAddr,
		SlaveSyncInterval: 200 * time.Millisecond,
		FlowControl:       broker.FlowControlOptions{WaitTimeInSendQueue: 10 * time.Second},
		Store: store.Options{CommitLog: commitlog.Options{FileSize: 8 << 20}, ConsumeQueueUnitsPerFile: 1000,
			IndexSlotCount: 1000, IndexMaxEntries: 4000, CleanResourceInterval: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		s.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("slave close: %v", err)
		}
	})
	c.waitListed(t, s.Addr())
	return s
}

// waitListed waits until the name server's cluster table holds addr.
func (c *Cluster) waitListed(t testing.TB, addr string) {
	t.Helper()
	WaitFor(t, 10*time.Second, "the registration of "+addr, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		resp, err := c.client.InvokeSync(ctx, c.NameServer, remoting.NewRequest(remoting.RequestGetBrokerClusterInfo, nil, nil))
		return err == nil && resp.Code == remoting.ResponseSuccess && strings.Contains(string(resp.Body), addr)
	})
}

// call sends req to the broker and fails the test unless it succeeds.
func (c *Cluster) call(t testing.TB, req *remoting.Command) *remoting.Command {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.client.InvokeSync(ctx, c.BrokerAddr, req)
	if err != nil {
		t.Fatalf("%v: %v", req, err)
	}
	if resp.Code != remoting.ResponseSuccess {
		t.Fatalf("request %d: code %d: %s", req.Code, resp.Code, resp.Remark)
	}
	return resp
}

// Sent is what a send stored.
type Sent struct {
	MsgID       string // the unique id (UNIQ_KEY) the producer set
	OffsetMsgID string
	QueueID     int32
	QueueOffset int64
}

// Send stores one message with tags and keys (space-separated) on a queue
// of topic, creating the topic through TBW102 with 4 queues when it is new.
func (c *Cluster) Send(t testing.TB, topic string, queueID int32, body, tags, keys string) Sent {
	t.Helper()
	id := c.ids.Next()
	props := map[string]string{message.PropertyUniqKey: id, message.PropertyTags: tags}
	if keys != "" {
		props[message.PropertyKeys] = keys
	}
	h := remoting.SendMessageRequestHeader{
		ProducerGroup: "test-producer", Topic: topic, DefaultTopic: "TBW102", DefaultTopicQueueNums: 4,
		QueueID: queueID, BornTimestamp: time.Now().UnixMilli(), MaxReconsumeTimes: -1,
		Properties: string(message.EncodeProperties(props)),
	}
	resp := c.call(t, remoting.NewRequest(remoting.RequestSendMessageV2, h.EncodeV2(nil), []byte(body)))
	var rh remoting.SendMessageResponseHeader
	if err := rh.Decode(resp.ExtFields); err != nil {
		t.Fatal(err)
	}
	return Sent{MsgID: id, OffsetMsgID: rh.MsgID, QueueID: rh.QueueID, QueueOffset: rh.QueueOffset}
}

// Backlog stores n messages on topic, spread over queues queues in turn,
// with bodies prefix-0, prefix-1, ... and tags TagA, and waits until they
// are routed and dispatched.
func (c *Cluster) Backlog(t testing.TB, topic string, n int, queues int32, prefix string) []Sent {
	t.Helper()
	sent := make([]Sent, n)
	for i := range n {
		sent[i] = c.Send(t, topic, int32(i)%queues, prefix+"-"+strconv.Itoa(i), "TagA", "")
	}
	c.WaitRoute(t, topic)
	c.WaitDispatched(t)
	return sent
}

// Commit commits a group's offset of one queue, as a consumer does.
func (c *Cluster) Commit(t testing.TB, group, topic string, queueID int32, offset int64) {
	t.Helper()
	ext := map[string]string{
		"consumerGroup": group, "topic": topic, "queueId": strconv.Itoa(int(queueID)),
		"commitOffset": strconv.FormatInt(offset, 10),
	}
	c.call(t, remoting.NewRequest(remoting.RequestUpdateConsumerOffset, ext, nil))
}

// ProducerHeartbeat registers clientID as a producer of group.
func (c *Cluster) ProducerHeartbeat(t testing.TB, group, clientID string) {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"clientID": clientID, "consumerDataSet": []any{},
		"producerDataSet": []map[string]string{{"groupName": group}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.call(t, remoting.NewRequest(remoting.RequestHeartBeat, nil, body))
}

// Heartbeat registers clientID as a push consumer of group subscribed to
// topics (every tag), as rocketmq-client-go's heartbeat does.
func (c *Cluster) Heartbeat(t testing.TB, group, clientID string, topics ...string) {
	t.Helper()
	type sub struct {
		Topic          string `json:"topic"`
		SubString      string `json:"subString"`
		ExpressionType string `json:"expressionType"`
	}
	subs := make([]sub, 0, len(topics))
	for _, tp := range topics {
		subs = append(subs, sub{Topic: tp, SubString: "*", ExpressionType: "TAG"})
	}
	body, err := json.Marshal(map[string]any{
		"clientID": clientID,
		"consumerDataSet": []map[string]any{{
			"groupName": group, "consumeType": "CONSUME_PASSIVELY", "messageModel": "CLUSTERING",
			"consumeFromWhere": "CONSUME_FROM_FIRST_OFFSET", "subscriptionDataSet": subs,
		}},
		"producerDataSet": []any{},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.call(t, remoting.NewRequest(remoting.RequestHeartBeat, nil, body))
}

// WaitFor polls cond every 20 ms until it holds, failing the test after
// timeout with what.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitRoute waits until the name server routes topic (the broker registers
// a new topic soon after creating it).
func (c *Cluster) WaitRoute(t testing.TB, topic string) {
	t.Helper()
	WaitFor(t, 10*time.Second, "a route of "+topic, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		resp, err := c.client.InvokeSync(ctx, c.NameServer, remoting.NewRequest(remoting.RequestGetRouteInfoByTopic, map[string]string{"topic": topic}, nil))
		return err == nil && resp.Code == remoting.ResponseSuccess
	})
}

// WaitDispatched waits until every stored message is in its consume queue
// and the key index.
func (c *Cluster) WaitDispatched(t testing.TB) {
	t.Helper()
	if err := c.Broker.Store().WaitDispatched(10 * time.Second); err != nil {
		t.Fatal(err)
	}
}
