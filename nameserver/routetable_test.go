package nameserver

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
)

// tableState summarizes a RouteTable: broker name -> id -> address, and
// topic -> broker name -> queue data.
type tableState struct {
	brokers map[string]map[int64]string
	topics  map[string]map[string]QueueData
}

func stateOf(rt *RouteTable) tableState {
	s := tableState{brokers: map[string]map[int64]string{}, topics: map[string]map[string]QueueData{}}
	for name, bd := range rt.ClusterInfo().BrokerAddrTable {
		s.brokers[name] = bd.BrokerAddrs
	}
	for _, topic := range rt.Topics() {
		route, ok := rt.TopicRoute(topic)
		if !ok {
			continue
		}
		s.topics[topic] = map[string]QueueData{}
		for _, qd := range route.QueueDatas {
			s.topics[topic][qd.BrokerName] = qd
		}
	}
	return s
}

// qd is the queue data topicConfig(_, n) gives on broker name.
func qd(name string, n int32) QueueData {
	return QueueData{BrokerName: name, ReadQueueNums: n, WriteQueueNums: n, Perm: 6}
}

// reg is a registration of b with topics at version counter.
func reg(b broker, counter int64, topics ...TopicConfig) Registration {
	r := Registration{
		ClusterName: b.cluster, BrokerName: b.name, BrokerAddr: b.addr, BrokerID: b.id, HAServerAddr: b.ha,
		DataVersion: DataVersion{Timestamp: 1, Counter: counter},
	}
	if topics != nil {
		r.Topics = map[string]TopicConfig{}
		for _, tc := range topics {
			r.Topics[tc.TopicName] = tc
		}
	}
	return r
}

func TestRouteTableTransitions(t *testing.T) {
	t0 := time.Unix(0, 0)
	cases := []struct {
		name string
		run  func(t *testing.T, rt *RouteTable)
		want tableState
	}{
		{
			name: "unchanged data version keeps the recorded topics",
			run: func(t *testing.T, rt *RouteTable) {
				rt.Register(reg(masterA, 1, topicConfig("A", 4), topicConfig("B", 4)), t0)
				rt.Register(reg(masterA, 1, topicConfig("A", 8), topicConfig("C", 4)), t0)
			},
			want: tableState{
				brokers: map[string]map[int64]string{"broker-a": {0: masterA.addr}},
				topics:  map[string]map[string]QueueData{"A": {"broker-a": qd("broker-a", 4)}, "B": {"broker-a": qd("broker-a", 4)}},
			},
		},
		{
			name: "changed data version replaces the broker's topics",
			run: func(t *testing.T, rt *RouteTable) {
				rt.Register(reg(masterA, 1, topicConfig("A", 4), topicConfig("B", 4)), t0)
				rt.Register(reg(masterB, 1, topicConfig("B", 2)), t0)
				rt.Register(reg(masterA, 2, topicConfig("A", 8), topicConfig("C", 4)), t0)
			},
			want: tableState{
				brokers: map[string]map[int64]string{"broker-a": {0: masterA.addr}, "broker-b": {0: masterB.addr}},
				topics: map[string]map[string]QueueData{
					"A": {"broker-a": qd("broker-a", 8)},
					"B": {"broker-b": qd("broker-b", 2)},
					"C": {"broker-a": qd("broker-a", 4)},
				},
			},
		},
		{
			name: "a registration without topics only refreshes liveness",
			run: func(t *testing.T, rt *RouteTable) {
				rt.Register(reg(masterA, 1, topicConfig("A", 4)), t0)
				rt.Register(reg(masterA, 2), t0)
			},
			want: tableState{
				brokers: map[string]map[int64]string{"broker-a": {0: masterA.addr}},
				topics:  map[string]map[string]QueueData{"A": {"broker-a": qd("broker-a", 4)}},
			},
		},
		{
			name: "a slave's topics are not recorded",
			run:  func(t *testing.T, rt *RouteTable) { rt.Register(reg(slaveA, 1, topicConfig("A", 4)), t0) },
			want: tableState{
				brokers: map[string]map[int64]string{"broker-a": {1: slaveA.addr}},
				topics:  map[string]map[string]QueueData{},
			},
		},
		{
			name: "a promoted slave is listed once, under its new id",
			run: func(t *testing.T, rt *RouteTable) {
				rt.Register(reg(slaveA, 1), t0)
				promoted := slaveA
				promoted.id = MasterID
				rt.Register(reg(promoted, 1, topicConfig("A", 4)), t0)
			},
			want: tableState{
				brokers: map[string]map[int64]string{"broker-a": {0: slaveA.addr}},
				topics:  map[string]map[string]QueueData{"A": {"broker-a": qd("broker-a", 4)}},
			},
		},
		{
			name: "removing the last address removes the broker name and its topics",
			run: func(t *testing.T, rt *RouteTable) {
				rt.Register(reg(masterA, 1, topicConfig("A", 4), topicConfig("Shared", 4)), t0)
				rt.Register(reg(slaveA, 1), t0)
				rt.Register(reg(masterB, 1, topicConfig("Shared", 2)), t0)
				rt.RemoveBroker(masterA.addr)
				rt.RemoveBroker(slaveA.addr)
			},
			want: tableState{
				brokers: map[string]map[int64]string{"broker-b": {0: masterB.addr}},
				topics:  map[string]map[string]QueueData{"Shared": {"broker-b": qd("broker-b", 2)}},
			},
		},
		{
			name: "a slave left alone keeps the broker name's topics",
			run: func(t *testing.T, rt *RouteTable) {
				rt.Register(reg(masterA, 1, topicConfig("A", 4)), t0)
				rt.Register(reg(slaveA, 1), t0)
				rt.RemoveBroker(masterA.addr)
			},
			want: tableState{
				brokers: map[string]map[int64]string{"broker-a": {1: slaveA.addr}},
				topics:  map[string]map[string]QueueData{"A": {"broker-a": qd("broker-a", 4)}},
			},
		},
		{
			name: "expiry honours a broker's own timeout",
			run: func(t *testing.T, rt *RouteTable) {
				short := reg(masterA, 1, topicConfig("A", 4))
				short.Timeout = 10 * time.Second
				rt.Register(short, t0)
				rt.Register(reg(masterB, 1, topicConfig("B", 4)), t0)
				got := rt.Expire(t0.Add(11*time.Second), 120*time.Second)
				if len(got) != 1 || got[0].BrokerAddr != masterA.addr {
					t.Fatalf("expired %+v", got)
				}
				if got := rt.Expire(t0.Add(120*time.Second), 120*time.Second); len(got) != 0 {
					t.Fatalf("expired %+v at exactly the timeout", got)
				}
			},
			want: tableState{
				brokers: map[string]map[int64]string{"broker-b": {0: masterB.addr}},
				topics:  map[string]map[string]QueueData{"B": {"broker-b": qd("broker-b", 4)}},
			},
		},
		{
			name: "dropping a nil connection drops nothing",
			run: func(t *testing.T, rt *RouteTable) {
				rt.Register(reg(masterA, 1, topicConfig("A", 4)), t0)
				if got := rt.DropConn(nil); got != nil {
					t.Fatalf("dropped %v", got)
				}
			},
			want: tableState{
				brokers: map[string]map[int64]string{"broker-a": {0: masterA.addr}},
				topics:  map[string]map[string]QueueData{"A": {"broker-a": qd("broker-a", 4)}},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt := NewRouteTable()
			tc.run(t, rt)
			if got := stateOf(rt); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("state\n got %+v\nwant %+v", got, tc.want)
			}
			// The liveness table lists exactly the addresses brokers hold.
			var listed []string
			for _, addrs := range stateOf(rt).brokers {
				listed = slices.AppendSeq(listed, maps.Values(addrs))
			}
			slices.Sort(listed)
			var live []string
			for _, l := range rt.LiveBrokers() {
				live = append(live, l.BrokerAddr)
			}
			if !slices.Equal(listed, live) {
				t.Fatalf("listed addresses %v, live %v", listed, live)
			}
		})
	}
}

func TestRouteTableConcurrentUse(t *testing.T) {
	rt := NewRouteTable()
	t0 := time.Unix(0, 0)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			b := broker{cluster: "C", name: fmt.Sprintf("b%d", i%3), addr: fmt.Sprintf("127.0.0.1:%d", 10000+i), id: int64(i / 3)}
			for n := range 200 {
				rt.Register(reg(b, int64(n%5), topicConfig("T", 4), topicConfig(fmt.Sprintf("T%d", n%7), 2)), t0.Add(time.Duration(n)*time.Second))
				rt.TopicRoute("T")
				rt.ClusterInfo()
				if n%50 == 49 {
					rt.Expire(t0.Add(time.Duration(n)*time.Second), 10*time.Second)
					rt.RemoveBroker(b.addr)
				}
			}
		})
	}
	wg.Wait()
}

func TestLifecycle(t *testing.T) {
	ns := New(testOptions(t, nil))
	if ns.Addr() != "" {
		t.Fatalf("Addr before Start = %q", ns.Addr())
	}
	if err := ns.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := ns.Start("127.0.0.1:0"); err == nil {
		t.Fatal("second Start succeeded")
	}
	if ns.Addr() == "" {
		t.Fatal("no Addr after Start")
	}
	if err := ns.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ns.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := ns.Start("127.0.0.1:0"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start after Close = %v, want ErrClosed", err)
	}
	if err := New(testOptions(t, nil)).Close(); err != nil {
		t.Fatalf("Close without Start: %v", err)
	}
	// A failed Start (address in use) leaves nothing running.
	first := startNameServer(t, nil)
	second := New(testOptions(t, nil))
	if err := second.Start(first.Addr()); err == nil {
		t.Fatal("Start on a used address succeeded")
	}
	if err := second.Close(); err != nil {
		t.Fatalf("Close after a failed Start: %v", err)
	}
}
