package compat

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/broker"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// TestTracesAreStoredAndFoundByMessageID: with traceTopicEnable the broker
// has RMQ_SYS_TRACE_TOPIC and answers sends with TRACE_ON=true, so a
// producer and a consumer with tracing on send their traces there, keyed by
// message id.
func TestTracesAreStoredAndFoundByMessageID(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	runDriver(t, "create-topic", "-ns", ns, "-broker-addr", c.broker.Addr(), "-topic", "Traced", "-queues", "2")
	cons := c.startConsumerOn(t, "Traced", "-group", "cg-traced", "-trace")
	lines := runDriver(t, "send", "-ns", ns, "-topic", "Traced", "-n", "3", "-prefix", "tr", "-trace")
	var ids []string
	for _, l := range lines {
		var id, body string
		if _, err := fmt.Sscanf(l, "TRACED %s %s", &id, &body); err == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) != 3 {
		t.Fatalf("sent %v", lines)
	}
	cons.waitUntil(t, 60*time.Second, "the 3 traced messages", hasAtLeast(3))

	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	for _, id := range ids {
		deadline := time.Now().Add(60 * time.Second)
		for {
			traces := queryTraces(t, cl, c.broker.Addr(), id)
			if strings.Contains(traces, "Pub\x01") && strings.Contains(traces, "SubBefore\x01") && strings.Contains(traces, "SubAfter\x01") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("traces of %s: %q", id, traces)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// queryTraces returns the bodies of the trace messages keyed by id.
func queryTraces(t *testing.T, cl *remoting.Client, addr, id string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q := remoting.QueryMessageRequestHeader{Topic: broker.DefaultTraceTopic, Key: id, MaxNum: 32, EndTimestamp: time.Now().UnixMilli() + 60_000}
	resp, err := cl.InvokeSync(ctx, addr, remoting.NewRequest(remoting.RequestQueryMessage, q.Encode(nil), nil))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for body := resp.Body; len(body) > 0; {
		rec, err := message.Decode(body, true)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(rec.Body)
		body = body[rec.StoreSize:]
	}
	return out.String()
}

// TestRequestReply: the client's Request sends a message and waits for the
// reply, which a replier sends with SEND_REPLY_MESSAGE to the cluster's
// reply topic and the broker pushes to the requester.
func TestRequestReply(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	runDriver(t, "create-topic", "-ns", ns, "-broker-addr", c.broker.Addr(), "-topic", "Requests", "-queues", "2")
	c.waitForRoute(t, "Requests", c.broker.Addr())
	server := startDriver(t, "reply-server", "-ns", ns, "-topic", "Requests")
	server.waitUntil(t, 30*time.Second, "replier ready", hasLine("READY"))
	lines := runDriver(t, "request", "-ns", ns, "-topic", "Requests", "-n", "3")
	for i := range 3 {
		if want := fmt.Sprintf("REPLY req-%d re:req-%d", i, i); !hasLine(want)(lines) {
			t.Fatalf("no %q in %v", want, lines)
		}
	}
}

// TestNewGroupStartsFromTheLastOffset: a new group with
// CONSUME_FROM_LAST_OFFSET on a queue whose first message is no longer in
// memory (past the store's in-memory ratio; 1 MiB of memory here) starts at
// the queue's end and receives only what is sent after it started.
func TestNewGroupStartsFromTheLastOffset(t *testing.T) {
	t.Parallel()
	c := startClusterWith(t, broker.Options{DataDir: t.TempDir(), Store: store.Options{MemoryBytes: 1 << 20}})
	ns := c.ns.Addr()
	runDriver(t, "create-topic", "-ns", ns, "-broker-addr", c.broker.Addr(), "-topic", "History", "-queues", "1")
	c.waitForRoute(t, "History", c.broker.Addr())
	runDriver(t, "send", "-ns", ns, "-topic", "History", "-n", "600", "-size", "1024", "-mode", "batch", "-prefix", "old")
	// The queue's end is what is dispatched: wait for all of it, or the
	// group would start inside the history.
	if err := c.broker.Store().WaitDispatched(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	cons := c.startConsumerOn(t, "History", "-group", "cg-from-last", "-from", "last")
	// The client commits the offset it started from within 5 s: the end.
	waitForCommittedOffsets(t, c, "cg-from-last", "History", 600)
	runDriver(t, "send", "-ns", ns, "-topic", "History", "-n", "5", "-prefix", "new")
	cons.waitUntil(t, 60*time.Second, "the 5 new messages", hasAtLeast(5))
	time.Sleep(500 * time.Millisecond)
	exactlyOnce(t, cons.snapshot(), []string{"new-0", "new-1", "new-2", "new-3", "new-4"}, "old-")
}

// TestNumericHeaderValuesAreAccepted sends raw frames whose JSON header has
// numbers and booleans as extFields values, as some clients write them and
// the Java broker accepts.
func TestNumericHeaderValuesAreAccepted(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	conn, err := net.DialTimeout("tcp", c.broker.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	props := "TAGS\x01A\x02KEYS\x01numeric\x02"
	send := fmt.Sprintf(`{"code":310,"language":"JAVA","version":399,"opaque":1,"flag":0,"extFields":`+
		`{"a":"pg","b":"Numeric","c":"TBW102","d":4,"e":0,"f":0,"g":%d,"h":0,"i":%s,"j":0,"k":false,"l":16,"m":false}}`,
		time.Now().UnixMilli(), jsonString(props))
	resp := rawCall(t, conn, send, []byte("numeric-body"))
	if resp.Code != remoting.ResponseSuccess {
		t.Fatalf("send with numeric header values answered %v", resp)
	}
	if err := c.broker.Store().WaitDispatched(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	query := `{"code":14,"language":"JAVA","version":399,"opaque":2,"flag":0,"extFields":{"consumerGroup":"g","topic":"Numeric","queueId":0}}`
	if resp := rawCall(t, conn, query, nil); resp.Code != remoting.ResponseSuccess && resp.Code != remoting.ResponseQueryNotFound {
		t.Fatalf("QUERY_CONSUMER_OFFSET with a numeric queueId answered %v", resp)
	}
	// sysFlag 4 (FLAG_SUBSCRIPTION): the pull carries its own expression,
	// as the group sent no heartbeat.
	pull := `{"code":11,"language":"JAVA","version":399,"opaque":3,"flag":0,"extFields":{"consumerGroup":"g","topic":"Numeric",` +
		`"queueId":0,"queueOffset":0,"maxMsgNums":32,"sysFlag":4,"commitOffset":0,"suspendTimeoutMillis":0,"subscription":"*","subVersion":0,"expressionType":"TAG"}}`
	resp = rawCall(t, conn, pull, nil)
	if resp.Code != remoting.ResponseSuccess {
		t.Fatalf("pull with numeric header values answered %v", resp)
	}
	if rec, err := message.Decode(resp.Body, true); err != nil || string(rec.Body) != "numeric-body" {
		t.Fatalf("pulled %q (%v)", rec.Body, err)
	}
}

// rawCall writes one frame with a JSON header written by hand and reads the
// answer.
func rawCall(t *testing.T, conn net.Conn, header string, body []byte) *remoting.Command {
	t.Helper()
	var frame bytes.Buffer
	binary.Write(&frame, binary.BigEndian, int32(4+len(header)+len(body)))
	binary.Write(&frame, binary.BigEndian, int32(len(header))) // serialize type 0 (JSON) in the top byte
	frame.WriteString(header)
	frame.Write(body)
	if _, err := conn.Write(frame.Bytes()); err != nil {
		t.Fatal(err)
	}
	raw, err := remoting.ReadFrame(conn, 16<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, _, err := remoting.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// jsonString is s as a JSON string literal (Go's %q escapes are not JSON's).
func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}
