package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/admin"
	"github.com/rocketstore/rocketstore/internal/testcluster"
)

// adminRun runs `rocketstore admin args...` in process and returns its exit
// status, stdout and stderr.
func adminRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut strings.Builder
	code := runAdmin(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// mustAdmin runs a command that must succeed.
func mustAdmin(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := adminRun(t, args...)
	if code != 0 {
		t.Fatalf("admin %v: exit %d\nstdout: %s\nstderr: %s", args, code, out, errOut)
	}
	return out
}

// mustJSON runs a command with -o json and decodes its output into v.
func mustJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out := mustAdmin(t, append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("admin %v -o json: %v\n%s", args, err, out)
	}
}

// hasRow reports whether some line of a table holds the cells in order,
// separated by column padding.
func hasRow(table string, cells ...string) bool {
	quoted := make([]string, len(cells))
	for i, c := range cells {
		quoted[i] = regexp.QuoteMeta(c)
	}
	return regexp.MustCompile(`(?m)^` + strings.Join(quoted, `\s+`) + `\s*$`).MatchString(table)
}

func TestAdminTopicCommands(t *testing.T) {
	cl := testcluster.Start(t)
	ns := cl.NameServer

	out := mustAdmin(t, "updateTopic", "-b", cl.BrokerAddr, "-t", "Orders", "-r", "2", "-w", "2", "-order", "true")
	if !strings.Contains(out, "create topic to "+cl.BrokerAddr+" success.") {
		t.Fatalf("updateTopic: %s", out)
	}
	cl.WaitRoute(t, "Orders")

	if out := mustAdmin(t, "topicList", "-n", ns); !hasRow(out, "Orders") {
		t.Fatalf("topicList: %s", out)
	}
	var topics []string
	mustJSON(t, &topics, "topicList", "-n", ns)
	if !slices.Contains(topics, "Orders") {
		t.Fatalf("topicList -o json: %v", topics)
	}

	out = mustAdmin(t, "topicRoute", "-n", ns, "-t", "Orders")
	if !hasRow(out, cl.ClusterName, cl.BrokerName, "{0="+cl.BrokerAddr+"}", "2", "2", "RW-") || !hasRow(out, "Total:", "1", "2", "2") {
		t.Fatalf("topicRoute:\n%s", out)
	}
	var rd admin.TopicRouteData
	mustJSON(t, &rd, "topicRoute", "-namesrvAddr", ns, "-topic", "Orders")
	if len(rd.QueueDatas) != 1 || rd.QueueDatas[0].WriteQueueNums != 2 || rd.BrokerDatas[0].BrokerAddrs[0] != cl.BrokerAddr {
		t.Fatalf("topicRoute -o json: %+v", rd)
	}

	out = mustAdmin(t, "deleteTopic", "-n", ns, "-t", "Orders", "-c", cl.ClusterName)
	if !strings.Contains(out, "delete topic [Orders] from cluster ["+cl.ClusterName+"] success.") {
		t.Fatalf("deleteTopic: %s", out)
	}
	code, _, errOut := adminRun(t, "topicRoute", "-n", ns, "-t", "Orders")
	if code != 1 || !strings.Contains(errOut, "TOPIC_NOT_EXIST") || !strings.Contains(errOut, ns) {
		t.Fatalf("topicRoute of a deleted topic: exit %d, %s", code, errOut)
	}
}

func TestAdminMessageCommands(t *testing.T) {
	cl := testcluster.Start(t)
	ns := cl.NameServer
	a := cl.Send(t, "Pay", 0, "hello", "TagA", "order-7")
	cl.Send(t, "Pay", 1, "world", "TagB", "order-8")
	cl.WaitRoute(t, "Pay")
	cl.WaitDispatched(t)

	out := mustAdmin(t, "queryMsgByKey", "-n", ns, "-t", "Pay", "-k", "order-7")
	if !hasRow(out, a.MsgID, "0", "0") {
		t.Fatalf("queryMsgByKey:\n%s", out)
	}
	out = mustAdmin(t, "queryMsgById", "-n", ns, "-t", "Pay", "-i", a.MsgID)
	for _, row := range [][]string{{"OffsetID:", a.OffsetMsgID}, {"Tags:", "[TagA]"}, {"Keys:", "[order-7]"}, {"Message Body:", "hello"}} {
		if !hasRow(out, row...) {
			t.Errorf("queryMsgById lacks %v:\n%s", row, out)
		}
	}
	var m admin.Message
	mustJSON(t, &m, "queryMsgById", "-i", a.OffsetMsgID)
	if m.MsgID != a.MsgID || string(m.Body) != "hello" || m.Properties["KEYS"] != "order-7" {
		t.Fatalf("queryMsgById -o json: %+v", m)
	}

	var all []admin.QueuedMessage
	mustJSON(t, &all, "printMsg", "-n", ns, "-t", "Pay")
	if len(all) != 2 || string(all[1].Body) != "world" || all[1].BrokerName != cl.BrokerName {
		t.Fatalf("printMsg -o json: %+v", all)
	}
	out = mustAdmin(t, "printMsg", "-n", ns, "-t", "Pay", "-s", "TagB")
	if strings.Contains(out, "hello") || !strings.Contains(out, "world") {
		t.Fatalf("printMsg -s TagB:\n%s", out)
	}
}

func TestAdminWritePerm(t *testing.T) {
	cl := testcluster.Start(t)
	cl.Send(t, "Drain", 0, "x", "", "")
	cl.WaitRoute(t, "Drain")
	out := mustAdmin(t, "wipeWritePerm", "-n", cl.NameServer, "-b", cl.BrokerName)
	if !strings.Contains(out, "wipe write perm of broker["+cl.BrokerName+"] in name server["+cl.NameServer+"] OK") {
		t.Fatalf("wipeWritePerm: %s", out)
	}
	if out := mustAdmin(t, "topicRoute", "-n", cl.NameServer, "-t", "Drain"); !strings.Contains(out, "R--") {
		t.Fatalf("route after wipe:\n%s", out)
	}
	var res []admin.NameServerResult
	mustJSON(t, &res, "addWritePerm", "-n", cl.NameServer, "-b", cl.BrokerName)
	if len(res) != 1 || res[0].Count == 0 || res[0].Error != "" {
		t.Fatalf("addWritePerm -o json: %+v", res)
	}
}

func TestAdminUsageAndErrors(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{nil, 2, "clusterList"},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{[]string{"topicRoute", "-n", "127.0.0.1:1"}, 2, "-t is required"},
		{[]string{"topicList", "-n", "127.0.0.1:1", "-o", "yaml"}, 2, "-o is the output format"},
		{[]string{"topicList", "-n", "127.0.0.1:1", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"updateTopic", "-t", "T"}, 2, "-b broker address or -c cluster name is required"},
		{[]string{"resetOffsetByTime", "-n", "127.0.0.1:1", "-g", "g", "-t", "T", "-s", "yesterday"}, 2, "yyyy-MM-dd#HH:mm:ss:SSS"},
		{[]string{"topicList", "-n", "127.0.0.1:1"}, 1, "name server 127.0.0.1:1: GET_ALL_TOPIC_LIST_FROM_NAMESERVER"},
	}
	for _, tc := range cases {
		code, _, errOut := adminRun(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.inStderr) {
			t.Errorf("admin %v: exit %d, stderr %q; want exit %d with %q", tc.args, code, errOut, tc.code, tc.inStderr)
		}
	}
	if code, _, errOut := adminRun(t, "topicStatus", "-h"); code != 0 || !strings.Contains(errOut, "-topic") {
		t.Errorf("topicStatus -h: exit %d, %s", code, errOut)
	}
}

func TestParseTimestampForms(t *testing.T) {
	now := time.Date(2024, 3, 5, 10, 20, 30, 400e6, time.Local)
	ms := now.UnixMilli()
	for in, want := range map[string]int64{"now": ms, "1700000000000": 1700000000000, "2024-03-05#10:20:30:400": ms} {
		got, err := parseTimestamp(in, now)
		if err != nil || got != want {
			t.Errorf("parseTimestamp(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestAdminGroupAndOffsetCommands(t *testing.T) {
	cl := testcluster.Start(t)
	ns := cl.NameServer
	cl.Backlog(t, "Pay", 6, 2, "m")
	cl.Commit(t, "g1", "Pay", 0, 1)
	cl.Heartbeat(t, "g1", "client-1", "Pay")
	cl.WaitRoute(t, "%RETRY%g1")

	// Queue 0 holds 3 and the group committed 1; queue 1 holds 3, none
	// committed.
	out := mustAdmin(t, "consumerProgress", "-n", ns, "-g", "g1")
	if !hasRow(out, "Pay", cl.BrokerName, "0", "3", "1", "2", "0", mustMatch(t, out, `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)) ||
		!hasRow(out, "Pay", cl.BrokerName, "1", "3", "0", "3", "0", "N/A") || !strings.Contains(out, "Consume Diff Total: 5") {
		t.Fatalf("consumerProgress:\n%s", out)
	}
	var p admin.Progress
	mustJSON(t, &p, "consumerProgress", "-n", ns, "-g", "g1", "-t", "Pay")
	if p.DiffTotal != 5 || len(p.Queues) != 4 || p.Queues[0].ConsumerOffset != 1 || p.Queues[0].Diff != 2 {
		t.Fatalf("consumerProgress -o json: %+v", p)
	}
	if out := mustAdmin(t, "consumerProgress", "-n", ns); !hasRow(out, "g1", "1", "317", "PUSH", "CLUSTERING", "0", "5") {
		t.Fatalf("consumerProgress of all groups:\n%s", out)
	}
	out = mustAdmin(t, "consumerConnection", "-n", ns, "-g", "g1")
	if !hasRow(out, "client-1", mustMatch(t, out, `127\.0\.0\.1:\d+`), "GO", "317") || !hasRow(out, "Pay", "*") || !strings.Contains(out, "MessageModel: CLUSTERING") {
		t.Fatalf("consumerConnection:\n%s", out)
	}

	// Skip the backlog: lag goes to 0; back to the start: lag is the whole
	// topic again.
	mustAdmin(t, "skipAccumulatedMessage", "-n", ns, "-g", "g1", "-t", "Pay")
	mustJSON(t, &p, "consumerProgress", "-n", ns, "-g", "g1", "-t", "Pay")
	if p.DiffTotal != 0 {
		t.Fatalf("lag after skipAccumulatedMessage: %+v", p)
	}
	var resets []admin.OffsetReset
	mustJSON(t, &resets, "resetOffsetByTime", "-n", ns, "-g", "g1", "-t", "Pay", "-s", "0")
	if len(resets) != 1 || len(resets[0].Queues) != 4 || resets[0].Queues[0].Offset != 0 {
		t.Fatalf("resetOffsetByTime -o json: %+v", resets)
	}
	mustJSON(t, &p, "consumerProgress", "-n", ns, "-g", "g1", "-t", "Pay")
	if p.DiffTotal != 6 {
		t.Fatalf("lag after resetOffsetByTime 0: %+v", p)
	}
	out = mustAdmin(t, "resetOffsetByTime", "-n", ns, "-g", "g1", "-t", "Pay", "-b", cl.BrokerAddr, "-q", "1", "-offset", "2")
	if !strings.Contains(out, "reset consumer offset to 2") {
		t.Fatalf("resetOffsetByTime -b -q: %s", out)
	}
	mustJSON(t, &p, "consumerProgress", "-n", ns, "-g", "g1", "-t", "Pay")
	if p.Queues[1].ConsumerOffset != 2 {
		t.Fatalf("queue 1 after the one-queue reset: %+v", p.Queues[1])
	}
}

func TestAdminSubscriptionGroupAndBrokerCommands(t *testing.T) {
	cl := testcluster.Start(t)
	out := mustAdmin(t, "updateSubGroup", "-n", cl.NameServer, "-c", cl.ClusterName, "-g", "billing", "-r", "3", "-s", "false")
	if !strings.Contains(out, "create subscription group to "+cl.BrokerAddr+" success.") {
		t.Fatalf("updateSubGroup: %s", out)
	}
	c := admin.New(&admin.Options{})
	defer c.Close()
	w, err := c.SubscriptionGroups(t.Context(), cl.BrokerAddr)
	if err != nil {
		t.Fatal(err)
	}
	if g := w.SubscriptionGroupTable["billing"]; g.RetryMaxTimes != 3 || g.ConsumeEnable || !g.ConsumeFromMinEnable {
		t.Fatalf("group as stored: %+v", g)
	}
	mustAdmin(t, "deleteSubGroup", "-b", cl.BrokerAddr, "-g", "billing")
	if w, err = c.SubscriptionGroups(t.Context(), cl.BrokerAddr); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.SubscriptionGroupTable["billing"]; ok {
		t.Fatal("billing is still configured after deleteSubGroup")
	}

	out = mustAdmin(t, "clusterList", "-n", cl.NameServer)
	if !hasRow(out, cl.ClusterName, cl.BrokerName, "0", cl.BrokerAddr, mustMatch(t, out, `V4_9_4 \(rocketstore \S+\)`),
		mustMatch(t, out, `\d+\.\d\d  +\d+\.\d\d  +\d+  +\d+\.\d\d  +\d\.\d{4}`), "true") {
		t.Fatalf("clusterList:\n%s", out)
	}
	if out := mustAdmin(t, "brokerStatus", "-b", cl.BrokerAddr); !hasRow(out, "brokerActive", "true") || !hasRow(out, "commitLogMinOffset", "0") {
		t.Fatalf("brokerStatus:\n%s", out)
	}
	if out := mustAdmin(t, "getBrokerConfig", "-b", cl.BrokerAddr); !hasRow(out, "brokerName", cl.BrokerName) {
		t.Fatalf("getBrokerConfig:\n%s", out)
	}
	out = mustAdmin(t, "updateBrokerConfig", "-b", cl.BrokerAddr, "-k", "brokerPermission", "-v", "4")
	if !strings.Contains(out, "update broker config success, "+cl.BrokerAddr) {
		t.Fatalf("updateBrokerConfig: %s", out)
	}
	var tables []brokerTable
	mustJSON(t, &tables, "getBrokerConfig", "-n", cl.NameServer, "-c", cl.ClusterName)
	if len(tables) != 1 || tables[0].Values["brokerPermission"] != "4" {
		t.Fatalf("getBrokerConfig -o json: %+v", tables)
	}
	code, _, errOut := adminRun(t, "updateBrokerConfig", "-b", cl.BrokerAddr, "-k", "brokerName", "-v", "other")
	if code != 1 || !strings.Contains(errOut, "UPDATE_BROKER_CONFIG") || !strings.Contains(errOut, "brokerName") {
		t.Fatalf("a key that cannot change live: exit %d, %s", code, errOut)
	}
}

// mustMatch returns the first match of a pattern in s.
func mustMatch(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindString(s)
	if m == "" {
		t.Fatalf("no %s in:\n%s", pattern, s)
	}
	return m
}

func TestAdminStatusConnectionAndTraceCommands(t *testing.T) {
	cl := testcluster.Start(t)
	ns := cl.NameServer
	sent := cl.Send(t, "Orders", 1, "o", "TagA", "k1")
	cl.Send(t, "Orders", 1, "o", "TagA", "k2")
	// A trace as rocketmq-client-go writes it: Pub and SubAfter records
	// in RMQ_SYS_TRACE_TOPIC, keyed by the traced message's id.
	trace := strings.Join([]string{"Pub", "1700000000100", "DefaultRegion", "pg", "Orders", sent.MsgID, "TagA", "k1",
		cl.BrokerAddr, "1", "4", "0", sent.OffsetMsgID, "true", "10.1.2.3"}, "\x01") + "\x02" +
		strings.Join([]string{"SubAfter", "req-1", sent.MsgID, "7", "true", "k1", "0", "1700000000200", "billing"}, "\x01") + "\x02"
	cl.Send(t, admin.DefaultTraceTopic, 0, trace, "", sent.MsgID+" k1")
	cl.ProducerHeartbeat(t, "pg", "producer-1")
	cl.WaitRoute(t, "Orders")
	cl.WaitRoute(t, admin.DefaultTraceTopic)
	cl.WaitDispatched(t)

	out := mustAdmin(t, "topicStatus", "-n", ns, "-t", "Orders")
	if !hasRow(out, cl.BrokerName, "1", "0", "2", mustMatch(t, out, `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)) || !hasRow(out, cl.BrokerName, "0", "0", "0", "N/A") {
		t.Fatalf("topicStatus:\n%s", out)
	}
	var st topicStatus
	mustJSON(t, &st, "topicStatus", "-n", ns, "-t", "Orders")
	if len(st.Queues) != 4 || st.Queues[1].Queue.QueueID != 1 || st.Queues[1].MaxOffset != 2 {
		t.Fatalf("topicStatus -o json: %+v", st)
	}

	out = mustAdmin(t, "producerConnection", "-n", ns, "-g", "pg", "-t", "Orders")
	if !hasRow(out, "0001", "producer-1", mustMatch(t, out, `127\.0\.0\.1:\d+`), "GO", "317") {
		t.Fatalf("producerConnection:\n%s", out)
	}

	out = mustAdmin(t, "queryMsgTraceById", "-n", ns, "-i", sent.MsgID)
	if !hasRow(out, "Pub", "pg", "10.1.2.3", mustMatch(t, out, `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`), "4ms", "success") ||
		!strings.Contains(out, "SubAfter") || !strings.Contains(out, "7ms") {
		t.Fatalf("queryMsgTraceById:\n%s", out)
	}
	var events []admin.TraceEvent
	mustJSON(t, &events, "queryMsgTraceById", "-n", ns, "-i", sent.MsgID)
	if len(events) != 2 || events[0].Type != "Pub" || events[1].GroupName != "billing" || events[1].CostTime != 7 {
		t.Fatalf("queryMsgTraceById -o json: %+v", events)
	}

	out = mustAdmin(t, "topicList", "-n", ns, "-c")
	if !hasRow(out, cl.ClusterName, "Orders") {
		t.Fatalf("topicList -c:\n%s", out)
	}
	var rows []brokerRow
	mustJSON(t, &rows, "clusterList", "-n", ns)
	if len(rows) != 1 || rows[0].Addr != cl.BrokerAddr || rows[0].PutTotal != 3 || !rows[0].Active || rows[0].Error != "" {
		t.Fatalf("clusterList -o json: %+v", rows)
	}
	var tables []brokerTable
	mustJSON(t, &tables, "brokerStatus", "-b", cl.BrokerAddr)
	if len(tables) != 1 || tables[0].Values["msgPutTotalTodayNow"] != "3" {
		t.Fatalf("brokerStatus -o json: %+v", tables)
	}
}
