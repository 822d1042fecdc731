package broker

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// connectionJSON is RocketMQ's Connection.
type connectionJSON struct {
	ClientID   string `json:"clientId"`
	ClientAddr string `json:"clientAddr"`
	Language   string `json:"language"`
	Version    int    `json:"version"`
}

func TestConsumerAndProducerConnectionLists(t *testing.T) {
	f := newOpsFixture(t)
	consumer := remoting.NewClient(remoting.ClientOptions{})
	defer consumer.Close()
	f.heartbeat(t, consumer, "client-c", "cg-conn", "Conns", "pg-both")
	producer := remoting.NewClient(remoting.ClientOptions{})
	defer producer.Close()
	f.heartbeat(t, producer, "client-p", "", "", "pg-both")

	var cc struct {
		ConnectionSet     []connectionJSON `json:"connectionSet"`
		SubscriptionTable map[string]struct {
			Topic      string `json:"topic"`
			SubString  string `json:"subString"`
			SubVersion int64  `json:"subVersion"`
		} `json:"subscriptionTable"`
		ConsumeType      string `json:"consumeType"`
		MessageModel     string `json:"messageModel"`
		ConsumeFromWhere string `json:"consumeFromWhere"`
	}
	if err := json.Unmarshal(f.admin(t, remoting.RequestGetConsumerConnectionList, map[string]string{"consumerGroup": "cg-conn"}, nil).Body, &cc); err != nil {
		t.Fatal(err)
	}
	if len(cc.ConnectionSet) != 1 || cc.ConnectionSet[0].ClientID != "client-c" || cc.ConnectionSet[0].Language != remoting.LanguageGo ||
		cc.ConnectionSet[0].Version != int(remoting.DefaultVersion) || cc.ConnectionSet[0].ClientAddr == "" {
		t.Fatalf("consumer connections %+v", cc.ConnectionSet)
	}
	if s := cc.SubscriptionTable["Conns"]; s.Topic != "Conns" || s.SubString != "*" || s.SubVersion != 1 {
		t.Fatalf("subscription table %+v", cc.SubscriptionTable)
	}
	if cc.ConsumeType != "CONSUME_PASSIVELY" || cc.MessageModel != "CLUSTERING" || cc.ConsumeFromWhere != "CONSUME_FROM_LAST_OFFSET" {
		t.Fatalf("consume mode %q %q %q", cc.ConsumeType, cc.MessageModel, cc.ConsumeFromWhere)
	}

	var pc struct {
		ConnectionSet []connectionJSON `json:"connectionSet"`
	}
	if err := json.Unmarshal(f.admin(t, remoting.RequestGetProducerConnectionList, map[string]string{"producerGroup": "pg-both"}, nil).Body, &pc); err != nil {
		t.Fatal(err)
	}
	if len(pc.ConnectionSet) != 2 || pc.ConnectionSet[0].ClientID != "client-c" || pc.ConnectionSet[1].ClientID != "client-p" {
		t.Fatalf("producer connections %+v", pc.ConnectionSet)
	}

	if r := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestGetConsumerConnectionList, map[string]string{"consumerGroup": "nobody"}, nil)); r.Code != remoting.ResponseConsumerNotOnline {
		t.Fatalf("unknown consumer group: code %d", r.Code)
	}
	if r := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestGetProducerConnectionList, map[string]string{"producerGroup": "nobody"}, nil)); r.Code != remoting.ResponseSystemError {
		t.Fatalf("unknown producer group: code %d", r.Code)
	}

	// The connection gauges count by the role heartbeats gave; f.cl made
	// requests but never sent a heartbeat.
	kinds := func() map[string]float64 {
		return gaugeValues(t, f.b, "rocketstore_connections", "kind")
	}
	if k := kinds(); k["consumer"] != 1 || k["producer"] != 1 || k["other"] != 1 {
		t.Fatalf("connections by kind %v, want one of each", k)
	}
	// A closed connection is forgotten.
	consumer.Close()
	waitFor(t, "the consumer's connection to be dropped", func() bool { return kinds()["consumer"] == 0 })
	if r := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestGetConsumerConnectionList, map[string]string{"consumerGroup": "cg-conn"}, nil)); r.Code != remoting.ResponseConsumerNotOnline {
		t.Fatalf("after the consumer left: code %d", r.Code)
	}
}

func TestGetConsumerRunningInfoIsAskedOfTheConsumer(t *testing.T) {
	f := newOpsFixture(t)
	var mu sync.Mutex
	var asked map[string]string
	consumer := remoting.NewClient(remoting.ClientOptions{Handler: func(c *remoting.Conn, req *remoting.Command) *remoting.Command {
		if req.Code != remoting.RequestGetConsumerRunningInfo {
			return nil
		}
		mu.Lock()
		asked = req.ExtFields
		mu.Unlock()
		resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
		resp.Body = []byte(`{"properties":{"PROP_CONSUME_TYPE":"CONSUME_PASSIVELY"},"subscriptionSet":[],"mqTable":{},"statusTable":{}}`)
		return resp
	}})
	defer consumer.Close()
	f.heartbeat(t, consumer, "client-r", "cg-run", "Running", "")

	ext := map[string]string{"consumerGroup": "cg-run", "clientId": "client-r", "jstackEnable": "false"}
	resp := f.admin(t, remoting.RequestGetConsumerRunningInfo, ext, nil)
	var info struct {
		Properties map[string]string `json:"properties"`
	}
	if err := json.Unmarshal(resp.Body, &info); err != nil || info.Properties["PROP_CONSUME_TYPE"] != "CONSUME_PASSIVELY" {
		t.Fatalf("relayed running info %s (%v)", resp.Body, err)
	}
	mu.Lock()
	if asked["clientId"] != "client-r" || asked["consumerGroup"] != "cg-run" {
		t.Fatalf("the consumer was asked with %v", asked)
	}
	mu.Unlock()
	ext["clientId"] = "client-gone"
	if r := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestGetConsumerRunningInfo, ext, nil)); r.Code != remoting.ResponseSystemError {
		t.Fatalf("unknown client: code %d %q", r.Code, r.Remark)
	}
}

// gaugeValues gathers the broker's registry and returns the values of
// metric name by the value of label.
func gaugeValues(t *testing.T, b *Broker, name, label string) map[string]float64 {
	t.Helper()
	mfs, err := b.MetricsRegistry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			key := ""
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label {
					key = lp.GetValue()
				}
			}
			switch {
			case m.Gauge != nil:
				out[key] += m.GetGauge().GetValue()
			case m.Counter != nil:
				out[key] += m.GetCounter().GetValue()
			case m.Histogram != nil:
				out[key] += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

// waitForValue waits until get returns want.
func waitForValue(t *testing.T, what string, want float64, get func() float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := get()
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v, want %v", what, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
