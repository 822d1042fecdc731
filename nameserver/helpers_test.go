package nameserver

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 5 * time.Second

// fakeClock is a settable Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// startNameServer starts a name server on a free loopback port and closes
// it when the test ends. Unless opts says otherwise, its KV config lives in
// a temporary directory and its log is discarded.
func startNameServer(t *testing.T, opts *Options) *NameServer {
	t.Helper()
	ns := New(testOptions(t, opts))
	if err := ns.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ns.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return ns
}

// testOptions is opts with a temporary KV config path and a discarding
// logger where opts leaves them unset.
func testOptions(t *testing.T, opts *Options) *Options {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.KVConfigPath == "" {
		o.KVConfigPath = filepath.Join(t.TempDir(), "kvConfig.json")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &o
}

// hostConn is a raw connection from a chosen loopback address, so that a
// test can play a peer on another host (Linux routes all of 127/8 to
// loopback).
type hostConn struct {
	nc  net.Conn
	buf []byte
}

// dialFrom connects to addr from ip and closes the connection when the
// test ends.
func dialFrom(t *testing.T, ip, addr string) *hostConn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: testTimeout}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, ip, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &hostConn{nc: nc}
}

// call sends req and reads its response.
func (h *hostConn) call(t *testing.T, req *remoting.Command) *remoting.Command {
	t.Helper()
	frame, err := remoting.Encode(nil, req, remoting.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.nc.SetDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.nc.Write(frame); err != nil {
		t.Fatal(err)
	}
	raw, err := remoting.ReadFrame(h.nc, 0, h.buf)
	if err != nil {
		t.Fatal(err)
	}
	resp, _, err := remoting.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// newClient returns a remoting client closed when the test ends. Each
// client holds one connection per address, so a broker registered
// through its own client can be made to disconnect alone.
func newClient(t *testing.T) *remoting.Client {
	t.Helper()
	cl := remoting.NewClient(remoting.ClientOptions{})
	t.Cleanup(func() { cl.Close() })
	return cl
}

// invoke sends req to addr and fails the test on a transport error.
func invoke(t *testing.T, cl *remoting.Client, addr string, req *remoting.Command) *remoting.Command {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	resp, err := cl.InvokeSync(ctx, addr, req)
	if err != nil {
		t.Fatalf("invoke code %d: %v", req.Code, err)
	}
	return resp
}

// wantCode fails the test unless resp has code.
func wantCode(t *testing.T, resp *remoting.Command, code int16) {
	t.Helper()
	if resp.Code != code {
		t.Fatalf("response code %d (remark %q), want %d", resp.Code, resp.Remark, code)
	}
}

// eventually polls cond until it holds or testTimeout passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// broker names one broker process for a test.
type broker struct {
	cluster, name, addr, ha string
	id                      int64
}

// The brokers the end-to-end tests register: a master and a slave of
// broker-a, and broker-b alone in another cluster.
var (
	masterA = broker{cluster: "DefaultCluster", name: "broker-a", addr: "127.0.0.1:10911", ha: "127.0.0.1:10912", id: 0}
	slaveA  = broker{cluster: "DefaultCluster", name: "broker-a", addr: "127.0.0.1:10921", ha: "127.0.0.1:10922", id: 1}
	masterB = broker{cluster: "OtherCluster", name: "broker-b", addr: "127.0.0.1:20911", ha: "127.0.0.1:20912", id: 0}
)

// header returns the fields shared by register, unregister and query data
// version requests.
func (b broker) header() map[string]string {
	return map[string]string{
		"clusterName": b.cluster,
		"brokerName":  b.name,
		"brokerAddr":  b.addr,
		"brokerId":    strconv.FormatInt(b.id, 10),
	}
}

// registerRequest is a REGISTER_BROKER request as a Java broker builds it,
// with the body's CRC.
func (b broker) registerRequest(body []byte) *remoting.Command {
	ext := b.header()
	ext["haServerAddr"] = b.ha
	ext["compressed"] = "false"
	ext["bodyCrc32"] = strconv.Itoa(int(javaCRC32(body)))
	return remoting.NewRequest(remoting.RequestRegisterBroker, ext, body)
}

// topicConfig is a topic as a broker configures it by default.
func topicConfig(name string, queues int32) TopicConfig {
	return TopicConfig{TopicName: name, ReadQueueNums: queues, WriteQueueNums: queues, Perm: 6, TopicFilterType: "SINGLE_TAG"}
}

// wrapperBody encodes a TopicConfigSerializeWrapper body.
func wrapperBody(t *testing.T, v DataVersion, topics ...TopicConfig) []byte {
	t.Helper()
	w := TopicConfigWrapper{TopicConfigTable: map[string]TopicConfig{}, DataVersion: v}
	for _, tc := range topics {
		w.TopicConfigTable[tc.TopicName] = tc
	}
	body, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// register registers b with topics at version v and returns the response.
func register(t *testing.T, cl *remoting.Client, ns *NameServer, b broker, v DataVersion, topics ...TopicConfig) *remoting.Command {
	t.Helper()
	resp := invoke(t, cl, ns.Addr(), b.registerRequest(wrapperBody(t, v, topics...)))
	wantCode(t, resp, remoting.ResponseSuccess)
	return resp
}

// queryRoute asks for topic's route.
func queryRoute(t *testing.T, cl *remoting.Client, ns *NameServer, topic string) *remoting.Command {
	t.Helper()
	req := remoting.NewRequest(remoting.RequestGetRouteInfoByTopic, map[string]string{"topic": topic}, nil)
	return invoke(t, cl, ns.Addr(), req)
}

// clientQueueData is rocketmq-client-go v2.1.2's QueueData (its JSON
// names, including its topicSynFlag spelling).
type clientQueueData struct {
	BrokerName     string `json:"brokerName"`
	ReadQueueNums  int    `json:"readQueueNums"`
	WriteQueueNums int    `json:"writeQueueNums"`
	Perm           int    `json:"perm"`
	TopicSynFlag   int    `json:"topicSynFlag"`
}

// clientBrokerData is what rocketmq-client-go v2.1.2 builds per broker.
type clientBrokerData struct {
	Cluster         string
	BrokerName      string
	BrokerAddresses map[int64]string
}

// decodeRouteLikeGoClient reads a route body the way rocketmq-client-go
// v2.1.2's TopicRouteData.decode does: queueDatas through a JSON decoder,
// but each brokerAddrs object from its raw text, split on ',' and then at
// the first ':', with quotes stripped and parse errors ignored.
func decodeRouteLikeGoClient(t *testing.T, body []byte) ([]clientQueueData, []clientBrokerData) {
	t.Helper()
	var route struct {
		QueueDatas  json.RawMessage   `json:"queueDatas"`
		BrokerDatas []json.RawMessage `json:"brokerDatas"`
	}
	if err := json.Unmarshal(body, &route); err != nil {
		t.Fatalf("route body %s: %v", body, err)
	}
	var qds []clientQueueData
	if err := json.Unmarshal(route.QueueDatas, &qds); err != nil {
		t.Fatalf("queueDatas %s: %v", route.QueueDatas, err)
	}
	bds := make([]clientBrokerData, 0, len(route.BrokerDatas))
	for _, raw := range route.BrokerDatas {
		var bd struct {
			Cluster     string          `json:"cluster"`
			BrokerName  string          `json:"brokerName"`
			BrokerAddrs json.RawMessage `json:"brokerAddrs"`
		}
		if err := json.Unmarshal(raw, &bd); err != nil {
			t.Fatalf("brokerData %s: %v", raw, err)
		}
		bds = append(bds, clientBrokerData{
			Cluster:         bd.Cluster,
			BrokerName:      bd.BrokerName,
			BrokerAddresses: splitBrokerAddrsLikeGoClient(string(bd.BrokerAddrs)),
		})
	}
	return qds, bds
}

// splitBrokerAddrsLikeGoClient is the Go client's hand-written reading of
// a brokerAddrs object's raw text. It slices off the braces without
// checking, as the client does; the caller passes an object.
func splitBrokerAddrsLikeGoClient(addrs string) map[int64]string {
	out := make(map[int64]string)
	for _, entry := range strings.Split(addrs[1:len(addrs)-1], ",") {
		i := strings.Index(entry, ":")
		if i < 0 {
			continue
		}
		id, _ := strconv.ParseInt(strings.ReplaceAll(entry[:i], `"`, ""), 10, 64)
		out[id] = strings.ReplaceAll(entry[i+1:], `"`, "")
	}
	return out
}
