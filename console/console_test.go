package console

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/admin"
	"github.com/rocketstore/rocketstore/internal/testcluster"
)

// startConsole starts a console for a test cluster; opts may be changed
// by configure before it starts.
func startConsole(t *testing.T, cl *testcluster.Cluster, configure ...func(*Options)) *Server {
	t.Helper()
	ac := admin.New(&admin.Options{NameServers: []string{cl.NameServer}})
	o := &Options{Addr: "127.0.0.1:0", Admin: ac, Gatherer: cl.Broker.MetricsRegistry(), SampleInterval: time.Hour}
	for _, f := range configure {
		f(o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		ac.Close()
	})
	return s
}

// get fetches a path and returns the status and body.
func get(t *testing.T, s *Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + s.Addr() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// getJSON fetches an API path that must answer 200 and decodes it.
func getJSON(t *testing.T, s *Server, path string, v any) {
	t.Helper()
	code, body := get(t, s, path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
}

func postJSON(t *testing.T, s *Server, path, contentType, body string) (int, string) {
	t.Helper()
	resp, err := http.Post("http://"+s.Addr()+path, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMetricsHealthAndPprof(t *testing.T) {
	cl := testcluster.Start(t)
	for range 3 {
		cl.Send(t, "Metered", 0, "m", "", "")
	}
	var healthErr error
	s := startConsole(t, cl, func(o *Options) { o.Health = func() error { return healthErr } })

	code, body := get(t, s, "/metrics")
	if code != http.StatusOK || !strings.Contains(body, `rocketmq_messages_in_total{topic="Metered"} 3`) {
		t.Fatalf("/metrics: %d\n%.2000s", code, body)
	}
	if code, body := get(t, s, "/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	healthErr = errors.New("dispatcher stopped")
	if code, body := get(t, s, "/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "dispatcher stopped") {
		t.Fatalf("/healthz when unhealthy: %d %q", code, body)
	}
	if code, _ := get(t, s, "/debug/pprof/"); code != http.StatusNotFound {
		t.Fatalf("pprof without the flag: %d", code)
	}
	withPprof := startConsole(t, cl, func(o *Options) { o.Pprof = true })
	if code, body := get(t, withPprof, "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Fatalf("pprof: %d", code)
	}
	bare := startConsole(t, cl, func(o *Options) { o.Gatherer, o.Admin = nil, nil })
	if code, _ := get(t, bare, "/metrics"); code != http.StatusNotFound {
		t.Fatalf("/metrics without a gatherer: %d", code)
	}
	if code, _ := get(t, bare, "/api/cluster"); code != http.StatusNotFound {
		t.Fatalf("/api without an admin client: %d", code)
	}
}

func TestPagesAreEmbeddedWithAPolicy(t *testing.T) {
	cl := testcluster.Start(t)
	s := startConsole(t, cl)
	resp, err := http.Get("http://" + s.Addr() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `<script src="app.js"`) {
		t.Fatalf("index: %d %s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("policy %q", csp)
	}
	for _, path := range []string{"/app.js", "/style.css"} {
		if code, body := get(t, s, path); code != http.StatusOK || len(body) < 100 {
			t.Errorf("%s: %d", path, code)
		}
	}
	// Nothing in the pages comes from elsewhere (the SVG namespace is a
	// name, not a fetch).
	for _, path := range []string{"/", "/app.js", "/style.css"} {
		_, body := get(t, s, path)
		body = strings.ReplaceAll(body, `"http://www.w3.org/2000/svg"`, "")
		if strings.Contains(body, "http://") || strings.Contains(body, "https://") || strings.Contains(body, `"//`) {
			t.Errorf("%s refers to another site", path)
		}
	}
}

func TestAPIClusterTopicsAndGroups(t *testing.T) {
	cl := testcluster.Start(t)
	cl.Backlog(t, "Pay", 6, 2, "m")
	cl.Commit(t, "billing", "Pay", 0, 1)
	cl.Commit(t, "billing", "Pay", 1, 3)
	cl.Heartbeat(t, "billing", "client-1", "Pay")
	s := startConsole(t, cl)

	var cluster struct {
		Brokers []brokerView `json:"brokers"`
	}
	getJSON(t, s, "/api/cluster", &cluster)
	if len(cluster.Brokers) != 1 || cluster.Brokers[0].Role != "master" || cluster.Brokers[0].Addr != cl.BrokerAddr ||
		cluster.Brokers[0].PutTotal != 6 || cluster.Brokers[0].Error != "" {
		t.Fatalf("cluster: %+v", cluster)
	}

	var topics struct {
		Topics []topicView `json:"topics"`
	}
	getJSON(t, s, "/api/topics", &topics)
	var pay *topicView
	for i := range topics.Topics {
		if topics.Topics[i].Topic == "Pay" {
			pay = &topics.Topics[i]
		}
	}
	if pay == nil || pay.Messages != 6 || pay.WriteQueues != 4 || pay.System || pay.Perm != "RW-" {
		t.Fatalf("topics: %+v", topics)
	}

	var topic struct {
		Queues []queueOffsets `json:"queues"`
		Groups []groupLag     `json:"groups"`
	}
	getJSON(t, s, "/api/topic?topic=Pay", &topic)
	if len(topic.Queues) != 4 || topic.Queues[0].MaxOffset != 3 || len(topic.Groups) != 1 || topic.Groups[0] != (groupLag{Group: "billing", Lag: 2}) {
		t.Fatalf("topic: %+v", topic)
	}

	var groups struct {
		Groups []groupView `json:"groups"`
	}
	getJSON(t, s, "/api/groups", &groups)
	if len(groups.Groups) != 1 || groups.Groups[0].Group != "billing" || groups.Groups[0].Members != 1 || groups.Groups[0].Lag != 2 {
		t.Fatalf("groups: %+v", groups)
	}

	var group struct {
		Progress admin.Progress           `json:"progress"`
		Members  admin.ConsumerConnection `json:"members"`
		Topics   []string                 `json:"topics"`
	}
	getJSON(t, s, "/api/group?group=billing", &group)
	if group.Progress.DiffTotal != 2 || len(group.Members.ConnectionSet) != 1 || group.Members.ConnectionSet[0].ClientID != "client-1" ||
		!strings.Contains(strings.Join(group.Topics, ","), "Pay") {
		t.Fatalf("group: %+v", group)
	}

	for path, want := range map[string]int{
		"/api/topic":                         http.StatusBadRequest,
		"/api/topic?topic=NoSuchOne":         http.StatusNotFound,
		"/api/group":                         http.StatusBadRequest,
		"/api/messages?topic=Pay":            http.StatusBadRequest,
		"/api/message?id=nonsense":           http.StatusBadRequest,
		"/api/messages?topic=Pay&key=absent": http.StatusNotFound,
	} {
		code, body := get(t, s, path)
		var e struct{ Error string }
		if code != want || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
			t.Errorf("GET %s: %d %s, want %d with an error", path, code, body, want)
		}
	}
}

func TestAPIResetOffsetMovesTheLag(t *testing.T) {
	cl := testcluster.Start(t)
	cl.Backlog(t, "Backlog", 8, 4, "m")
	for q := range int32(4) {
		cl.Commit(t, "slow", "Backlog", q, 0)
	}
	s := startConsole(t, cl)
	lag := func() int64 {
		var g struct {
			Progress admin.Progress `json:"progress"`
		}
		getJSON(t, s, "/api/group?group=slow", &g)
		return g.Progress.DiffTotal
	}
	if l := lag(); l != 8 {
		t.Fatalf("lag before: %d", l)
	}
	code, body := postJSON(t, s, "/api/group/reset", "application/json", `{"group":"slow","topic":"Backlog","to":"latest"}`)
	if code != http.StatusOK {
		t.Fatalf("reset: %d %s", code, body)
	}
	var resets []admin.OffsetReset
	if err := json.Unmarshal([]byte(body), &resets); err != nil || len(resets) != 1 || len(resets[0].Queues) != 4 {
		t.Fatalf("reset answer %s (%v)", body, err)
	}
	if l := lag(); l != 0 {
		t.Fatalf("lag after a reset to the end: %d", l)
	}
	if code, body := postJSON(t, s, "/api/group/reset", "application/json", `{"group":"slow","topic":"Backlog","to":"earliest"}`); code != http.StatusOK {
		t.Fatalf("reset to earliest: %d %s", code, body)
	}
	if l := lag(); l != 8 {
		t.Fatalf("lag after a reset to the start: %d", l)
	}
	for _, tc := range []struct{ ct, body string }{
		{"text/plain", `{"group":"slow","topic":"Backlog","to":"latest"}`}, // a cross-site form could send this
		{"application/json", `{"group":"slow","topic":"Backlog","to":"tomorrow"}`},
		{"application/json", `{"group":"slow","to":"latest"}`},
		{"application/json", `{"group":"slow","topic":"Backlog","to":"time"}`},
		{"application/json", `{"group":"slow","topic":"Backlog","to":"latest","extra":1}`},
	} {
		if code, body := postJSON(t, s, "/api/group/reset", tc.ct, tc.body); code != http.StatusBadRequest {
			t.Errorf("POST %s %s: %d %s", tc.ct, tc.body, code, body)
		}
	}
	if l := lag(); l != 8 {
		t.Fatalf("a refused reset moved the lag to %d", l)
	}
}

func TestAPIMessageLookup(t *testing.T) {
	cl := testcluster.Start(t)
	sent := cl.Send(t, "Pay", 2, "hello console", "TagA", "order-42")
	cl.Send(t, "Pay", 2, string([]byte{0xff, 0xfe, 0x00}), "TagB", "binary")
	cl.WaitRoute(t, "Pay")
	cl.WaitDispatched(t)
	s := startConsole(t, cl)

	var list []messageSummary
	getJSON(t, s, "/api/messages?topic=Pay&key=order-42", &list)
	if len(list) != 1 || list[0].MsgID != sent.MsgID || list[0].QueueID != 2 || list[0].BodySize != len("hello console") {
		t.Fatalf("by key: %+v", list)
	}
	var m messageDetail
	getJSON(t, s, "/api/message?topic=Pay&id="+sent.MsgID, &m)
	if m.BodyText != "hello console" || m.BodyBinary || m.Properties["KEYS"] != "order-42" || m.OffsetMsgID != sent.OffsetMsgID {
		t.Fatalf("by id: %+v", m)
	}
	getJSON(t, s, "/api/messages?topic=Pay&key=binary", &list)
	var bin messageDetail
	getJSON(t, s, "/api/message?id="+list[0].OffsetMsgID, &bin)
	if !bin.BodyBinary || bin.BodyText != "" || len(bin.Body) != 3 {
		t.Fatalf("binary body: %+v", bin)
	}
	if code, body := get(t, s, "/api/trace?id="+sent.MsgID); code != http.StatusNotFound || !strings.Contains(body, "RMQ_SYS_TRACE_TOPIC") {
		t.Fatalf("trace without a trace topic: %d %s", code, body)
	}
}

func TestSamplerTurnsCountersIntoRates(t *testing.T) {
	cl := testcluster.Start(t)
	cl.Send(t, "Rated", 0, "m", "", "")
	cl.WaitRoute(t, "Rated")
	cl.WaitDispatched(t)             // the first reading sees the first message in its queue
	cl.Commit(t, "g", "Rated", 1, 0) // and the group's offsets: rates need two readings
	c := admin.New(&admin.Options{NameServers: []string{cl.NameServer}})
	defer c.Close()
	sm := newSampler(c, 3, 256, nil)
	ctx := context.Background()
	sm.sample(ctx)
	if pts, _, _ := sm.throughput(); len(pts) != 0 {
		t.Fatalf("one reading gives no rate yet: %+v", pts)
	}
	for range 10 {
		cl.Send(t, "Rated", 1, "m", "", "")
	}
	cl.WaitDispatched(t)
	cl.Commit(t, "g", "Rated", 1, 10)
	time.Sleep(10 * time.Millisecond) // a measurable interval between readings
	sm.sample(ctx)
	pts, lastErr, _ := sm.throughput()
	if lastErr != "" || len(pts) != 1 || pts[0].In <= 0 {
		t.Fatalf("points %+v, error %q", pts, lastErr)
	}
	r, ok := sm.topicRate("Rated")
	if !ok || r.In <= 0 || r.Out <= 0 {
		t.Fatalf("topic rate %+v %v", r, ok)
	}
	// 10 stored and 10 committed in the same interval: the same rate.
	if r.In != r.Out || pts[0].In != r.In {
		t.Fatalf("in %v, out %v, cluster in %v", r.In, r.Out, pts[0].In)
	}
	for range 4 {
		sm.sample(ctx)
	}
	if pts, _, _ := sm.throughput(); len(pts) != 3 {
		t.Fatalf("the ring keeps %d points, want its history of 3", len(pts))
	}
}

func TestCounterDeltas(t *testing.T) {
	before := map[string]int64{"a": 10, "b": 100}
	after := map[string]int64{"a": 25, "b": 4, "c": 7}
	// a moved 15; b went down (a restart) and counts 4 from zero; c was
	// not in the first reading (a broker that did not answer) and has no
	// rate yet.
	if got := perSecond(before, after, 2); got != (15+4)/2.0 {
		t.Fatalf("perSecond = %v", got)
	}
}

func TestClusterViewShowsTheSlave(t *testing.T) {
	cl := testcluster.Start(t)
	slave := cl.StartSlave(t)
	cl.Send(t, "Replicated", 0, "m", "", "")
	testcluster.WaitFor(t, 20*time.Second, "the slave to catch up", func() bool {
		return slave.Store().CommitLog().MaxOffset() == cl.Broker.Store().CommitLog().MaxOffset()
	})
	s := startConsole(t, cl)
	var cluster struct {
		Brokers []brokerView `json:"brokers"`
	}
	getJSON(t, s, "/api/cluster", &cluster)
	if len(cluster.Brokers) != 2 {
		t.Fatalf("brokers: %+v", cluster.Brokers)
	}
	m, sl := cluster.Brokers[0], cluster.Brokers[1]
	if m.Role != "master" || sl.Role != "slave" || sl.BrokerID != 1 || sl.Addr != slave.Addr() || sl.BrokerName != m.BrokerName {
		t.Fatalf("roles: %+v", cluster.Brokers)
	}
	if sl.CommitLogMaxOffset != m.CommitLogMaxOffset || m.CommitLogMaxOffset == 0 || sl.ReplicationLag != 0 || sl.Active {
		t.Fatalf("a caught-up slave: %+v", sl)
	}
}

func TestReplicationLagIsTheMastersLead(t *testing.T) {
	views := []brokerView{
		{BrokerRef: admin.BrokerRef{BrokerName: "a", BrokerID: 0}, Role: "master", RuntimeStats: admin.RuntimeStats{CommitLogMaxOffset: 1000}},
		{BrokerRef: admin.BrokerRef{BrokerName: "a", BrokerID: 1}, Role: "slave", RuntimeStats: admin.RuntimeStats{CommitLogMaxOffset: 400}},
		{BrokerRef: admin.BrokerRef{BrokerName: "a", BrokerID: 2}, Role: "slave", RuntimeStats: admin.RuntimeStats{CommitLogMaxOffset: 900}},
		{BrokerRef: admin.BrokerRef{BrokerName: "b", BrokerID: 1}, Role: "slave", RuntimeStats: admin.RuntimeStats{CommitLogMaxOffset: 5}}, // master gone
		{BrokerRef: admin.BrokerRef{BrokerName: "c", BrokerID: 0}, Role: "master", Error: "unreachable"},
		{BrokerRef: admin.BrokerRef{BrokerName: "c", BrokerID: 1}, Role: "slave", RuntimeStats: admin.RuntimeStats{CommitLogMaxOffset: 5}},
	}
	fillReplicationLag(views)
	for i, want := range []int64{600, 600, 100, 0, 0, 0} {
		if views[i].ReplicationLag != want {
			t.Errorf("broker %d (%s/%d): lag %d, want %d", i, views[i].BrokerName, views[i].BrokerID, views[i].ReplicationLag, want)
		}
	}
}
