package admin_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/admin"
	"github.com/rocketstore/rocketstore/internal/testcluster"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/remoting"
)

func newClient(t *testing.T, nameServers ...string) *admin.Client {
	t.Helper()
	c := admin.New(&admin.Options{NameServers: nameServers, Timeout: 5 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestClusterTopicsAndRoutes(t *testing.T) {
	cl := testcluster.Start(t)
	c := newClient(t, cl.NameServer)
	ctx := ctxT(t)

	refs, err := c.Brokers(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := admin.BrokerRef{Cluster: cl.ClusterName, BrokerName: cl.BrokerName, BrokerID: 0, Addr: cl.BrokerAddr}
	if len(refs) != 1 || refs[0] != want {
		t.Fatalf("brokers = %+v, want %+v", refs, want)
	}
	if _, err := c.Brokers(ctx, "NoSuchCluster"); !errors.Is(err, admin.ErrNotFound) || !strings.Contains(err.Error(), cl.ClusterName) {
		t.Fatalf("unknown cluster: %v", err)
	}

	if err := c.CreateTopic(ctx, cl.BrokerAddr, admin.TopicConfig{TopicName: "Orders", ReadQueueNums: 3, WriteQueueNums: 3}); err != nil {
		t.Fatal(err)
	}
	cl.WaitRoute(t, "Orders")
	rd, err := c.TopicRoute(ctx, "Orders")
	if err != nil {
		t.Fatal(err)
	}
	if len(rd.QueueDatas) != 1 || rd.QueueDatas[0] != (admin.QueueData{BrokerName: cl.BrokerName, ReadQueueNums: 3, WriteQueueNums: 3, Perm: 6}) {
		t.Fatalf("queue data %+v", rd.QueueDatas)
	}
	if len(rd.BrokerDatas) != 1 || rd.BrokerDatas[0].MasterAddr() != cl.BrokerAddr {
		t.Fatalf("broker data %+v", rd.BrokerDatas)
	}
	topics, err := c.TopicList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(topics, "Orders") || !slices.IsSorted(topics) {
		t.Fatalf("topic list %v", topics)
	}
	all, err := c.AllTopicConfig(ctx, cl.BrokerAddr)
	if err != nil {
		t.Fatal(err)
	}
	if tc := all.TopicConfigTable["Orders"]; tc.ReadQueueNums != 3 || tc.Perm != 6 {
		t.Fatalf("topic config %+v", tc)
	}

	if err := c.DeleteTopic(ctx, cl.ClusterName, "Orders"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TopicRoute(ctx, "Orders"); !admin.IsCode(err, remoting.ResponseTopicNotExist) {
		t.Fatalf("route after delete: %v", err)
	}
}

func TestRefusalsNameServerRequestAndCode(t *testing.T) {
	cl := testcluster.Start(t)
	c := newClient(t, cl.NameServer)
	_, err := c.TopicRoute(ctxT(t), "NoSuchTopic")
	var re *admin.ResponseError
	if !errors.As(err, &re) || re.Code != remoting.ResponseTopicNotExist || re.Addr != cl.NameServer || re.Role != admin.RoleNameServer {
		t.Fatalf("err = %#v", err)
	}
	for _, part := range []string{"name server " + cl.NameServer, "GET_ROUTEINFO_BY_TOPIC", "TOPIC_NOT_EXIST (17)", "updateTopic"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("%q lacks %q", err, part)
		}
	}
	if _, err := newClient(t).ClusterInfo(ctxT(t)); !errors.Is(err, admin.ErrNoNameServer) {
		t.Fatalf("no name server: %v", err)
	}
}

// deadAddr is an address nothing listens on: below the ephemeral range,
// so no other process's port-0 listener can be given it.
func deadAddr(t *testing.T) string { return testkit.LowPortAddr(t) }

func TestUnreachableServersAreCallErrorsAndNameServersFailOver(t *testing.T) {
	cl := testcluster.Start(t)
	dead := deadAddr(t)
	c := newClient(t, dead, cl.NameServer)
	if _, err := c.ClusterInfo(ctxT(t)); err != nil {
		t.Fatalf("the second name server should answer: %v", err)
	}
	_, err := c.RuntimeInfo(ctxT(t), dead)
	var ce *admin.CallError
	if !errors.As(err, &ce) || ce.Addr != dead || ce.Role != admin.RoleBroker || !strings.Contains(err.Error(), "GET_BROKER_RUNTIME_INFO") {
		t.Fatalf("err = %v", err)
	}
	if _, err := newClient(t, dead).ClusterInfo(ctxT(t)); !errors.As(err, &ce) {
		t.Fatalf("all name servers down: %v", err)
	}
}

func TestMessagesByKeyOffsetIDAndUniqueID(t *testing.T) {
	cl := testcluster.Start(t)
	c := newClient(t, cl.NameServer)
	ctx := ctxT(t)
	a := cl.Send(t, "Pay", 0, "first", "TagA", "order-1 shared")
	b := cl.Send(t, "Pay", 1, "second", "TagB", "order-2 shared")
	cl.WaitRoute(t, "Pay")
	cl.WaitDispatched(t)

	msgs, err := c.QueryMessageByKey(ctx, "Pay", "shared", admin.QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].MsgID != a.MsgID || msgs[1].MsgID != b.MsgID {
		t.Fatalf("by key: %+v", msgs)
	}
	m := msgs[1]
	if string(m.Body) != "second" || m.Tags != "TagB" || m.QueueID != 1 || m.OffsetMsgID != b.OffsetMsgID || !slices.Equal(m.Keys, []string{"order-2", "shared"}) {
		t.Fatalf("message %+v", m)
	}
	if _, err := c.QueryMessageByKey(ctx, "Pay", "order-3", admin.QueryOptions{}); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("missing key: %v", err)
	}

	byOffset, err := c.QueryMessageByID(ctx, "", a.OffsetMsgID)
	if err != nil || byOffset.MsgID != a.MsgID || string(byOffset.Body) != "first" {
		t.Fatalf("by offset id: %+v, %v", byOffset, err)
	}
	byUniq, err := c.QueryMessageByID(ctx, "Pay", b.MsgID)
	if err != nil || byUniq.OffsetMsgID != b.OffsetMsgID {
		t.Fatalf("by unique id: %+v, %v", byUniq, err)
	}
	if _, err := c.QueryMessageByID(ctx, "", b.MsgID); err == nil || !strings.Contains(err.Error(), "-t") {
		t.Fatalf("a unique id without its topic: %v", err)
	}
}

func TestBrokerStatsOfATopic(t *testing.T) {
	cl := testcluster.Start(t)
	cl.Backlog(t, "Counted", 5, 1, "m")
	c := newClient(t, cl.NameServer)
	d, err := c.BrokerStats(ctxT(t), cl.BrokerAddr, "TOPIC_PUT_NUMS", "Counted")
	if err != nil {
		t.Fatal(err)
	}
	if d.StatsMinute.Sum != 5 || d.StatsHour.Sum != 5 || d.StatsMinute.Tps <= 0 {
		t.Fatalf("TOPIC_PUT_NUMS of Counted: %+v", d)
	}
}

func TestWritePermWipeAndRestore(t *testing.T) {
	cl := testcluster.Start(t)
	c := newClient(t, cl.NameServer)
	ctx := ctxT(t)
	cl.Send(t, "Drain", 0, "x", "", "")
	cl.WaitRoute(t, "Drain")
	perm := func() int32 {
		rd, err := c.TopicRoute(ctx, "Drain")
		if err != nil {
			t.Fatal(err)
		}
		return rd.QueueDatas[0].Perm
	}
	res, err := c.WipeWritePerm(ctx, cl.BrokerName)
	if err != nil || len(res) != 1 || res[0].Err != nil || res[0].Count == 0 {
		t.Fatalf("wipe: %+v, %v", res, err)
	}
	if p := perm(); p&admin.PermWrite != 0 {
		t.Fatalf("perm after wipe %d", p)
	}
	if res, err = c.AddWritePerm(ctx, cl.BrokerName); err != nil || res[0].Err != nil || res[0].Count == 0 {
		t.Fatalf("add: %+v, %v", res, err)
	}
	if p := perm(); p&admin.PermWrite == 0 {
		t.Fatalf("perm after add %d", p)
	}
}
