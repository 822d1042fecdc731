package broker

import (
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

func queryRequest(topic, key string, maxNum int32) *remoting.Command {
	q := remoting.QueryMessageRequestHeader{Topic: topic, Key: key, MaxNum: maxNum, EndTimestamp: time.Now().UnixMilli() + 60_000}
	return remoting.NewRequest(remoting.RequestQueryMessage, q.Encode(nil), nil)
}

// TestQueryMessageIsCappedByCountAndBytes: a huge maxNum gets at most
// QueryMaxNum records, and never more bytes than QueryMaxBytes (but at
// least one record).
func TestQueryMessageIsCappedByCountAndBytes(t *testing.T) {
	f := newOpsFixture(t, func(o *Options) { o.QueryMaxNum = 10 })
	for i := range 30 {
		call(t, f.cl, f.addr, sendRequest("Keys", 0, fmt.Sprintf("body-%04d-%s", i, bytes.Repeat([]byte("x"), 1000)), "same"))
	}
	if err := f.b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	resp := call(t, f.cl, f.addr, queryRequest("Keys", "same", math.MaxInt32))
	if resp.Code != remoting.ResponseSuccess {
		t.Fatalf("query: %v", resp)
	}
	if n := len(decodeRecords(t, resp.Body)); n != 10 {
		t.Fatalf("maxNum 2^31-1 answered %d records, want QueryMaxNum 10", n)
	}

	g := newOpsFixture(t, func(o *Options) { o.QueryMaxBytes = 5000 })
	for i := range 30 {
		call(t, g.cl, g.addr, sendRequest("Keys", 0, fmt.Sprintf("body-%04d-%s", i, bytes.Repeat([]byte("x"), 1000)), "same"))
	}
	if err := g.b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	resp = call(t, g.cl, g.addr, queryRequest("Keys", "same", 64))
	recs := decodeRecords(t, resp.Body)
	if len(resp.Body) > 5000 || len(recs) == 0 {
		t.Fatalf("QueryMaxBytes 5000 answered %d bytes in %d records", len(resp.Body), len(recs))
	}
	// One record larger than the bound still goes.
	h := newOpsFixture(t, func(o *Options) { o.QueryMaxBytes = 10 })
	call(t, h.cl, h.addr, sendRequest("Keys", 0, "a record larger than ten bytes", "big"))
	if err := h.b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if resp := call(t, h.cl, h.addr, queryRequest("Keys", "big", 64)); len(decodeRecords(t, resp.Body)) != 1 {
		t.Fatalf("query of one record above QueryMaxBytes: %v", resp)
	}
}

// offsetOf is the physical offset of a send's answer.
func offsetOf(t testing.TB, resp *remoting.Command) int64 {
	t.Helper()
	var h remoting.SendMessageResponseHeader
	if resp.Code != remoting.ResponseSuccess || h.Decode(resp.ExtFields) != nil {
		t.Fatalf("send: %v", resp)
	}
	_, phys, err := message.ParseOffsetMsgID(h.MsgID)
	if err != nil {
		t.Fatal(err)
	}
	return phys
}

func viewRequest(phys int64) *remoting.Command {
	return remoting.NewRequest(remoting.RequestViewMessageByID, map[string]string{"offset": strconv.FormatInt(phys, 10)}, nil)
}

// TestViewMessageByIDRefusesRecordsForgedInABody: a client can send a body
// that is a well-formed record; asked for the offset of that body, the
// broker refuses, whether the forged record names another offset (its
// PHYSICALOFFSET) or, predicted, the very one it sits at (its consume
// queue points elsewhere).
func TestViewMessageByIDRefusesRecordsForgedInABody(t *testing.T) {
	f := newOpsFixture(t)
	forge := func(phys int64) []byte {
		rec := message.Record{Message: message.Message{Topic: "Victim", Body: []byte("forged"),
			BornHost: netip.MustParseAddrPort("10.0.0.1:1")}, PhysicalOffset: phys, QueueOffset: 0}
		rec.BodyCRC = message.BodyCRC(rec.Body)
		b := make([]byte, 4096)
		n, err := message.Encode(b, &rec)
		if err != nil {
			t.Fatal(err)
		}
		return b[:n]
	}
	size := len(forge(0))
	call(t, f.cl, f.addr, sendRequest("Victim", 0, "the real one", "")) // Victim's queue 0 offset 0
	p1 := offsetOf(t, call(t, f.cl, f.addr, sendRequest("Carrier", 0, string(bytes.Repeat([]byte("x"), size)), "")))
	if err := f.b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	first := call(t, f.cl, f.addr, viewRequest(p1))
	if first.Code != remoting.ResponseSuccess {
		t.Fatalf("view of a real message: %v", first)
	}
	bodyAt := int64(bytes.Index(first.Body, bytes.Repeat([]byte("x"), size)))
	p2 := p1 + int64(len(first.Body)) // the next send lands here

	wrong := forge(12345)
	if got := offsetOf(t, call(t, f.cl, f.addr, sendRequest("Carrier", 0, string(wrong), ""))); got != p2 {
		t.Fatalf("the carrier landed at %d, predicted %d", got, p2)
	}
	p3 := p2 + int64(len(first.Body))
	predicted := forge(p3 + bodyAt)
	if got := offsetOf(t, call(t, f.cl, f.addr, sendRequest("Carrier", 0, string(predicted), ""))); got != p3 {
		t.Fatalf("the carrier landed at %d, predicted %d", got, p3)
	}
	if err := f.b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	for name, at := range map[string]int64{"wrong PHYSICALOFFSET": p2 + bodyAt, "predicted PHYSICALOFFSET": p3 + bodyAt} {
		if resp := call(t, f.cl, f.addr, viewRequest(at)); resp.Code == remoting.ResponseSuccess {
			rec, _ := message.Decode(resp.Body, false)
			t.Fatalf("%s: the view answered the forged record %q", name, rec.Body)
		}
	}
	if resp := call(t, f.cl, f.addr, viewRequest(p3)); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("view of the carrier itself: %v", resp)
	}
}

// TestAHugeSuspendTimeoutIsClamped: suspendTimeoutMillis near 2^63 does not
// overflow into an immediate answer; the pull is held (until SuspendMax).
func TestAHugeSuspendTimeoutIsClamped(t *testing.T) {
	f := newOpsFixture(t, func(o *Options) { o.SuspendMax = 3 * time.Second })
	f.send(t, "Held", 0, 1, "m")
	pull := pullCommand("Held", 0, 1, time.Second)
	pull.ExtFields["suspendTimeoutMillis"] = strconv.FormatInt(math.MaxInt64, 10)
	start := time.Now()
	resp := call(t, f.cl, f.addr, pull)
	if took := time.Since(start); resp.Code != remoting.ResponsePullNotFound || took < 2*time.Second {
		t.Fatalf("pull with suspendTimeoutMillis 2^63-1 answered %d after %v; want PULL_NOT_FOUND after ~3 s", resp.Code, took)
	}
	if suspendFor(-5, time.Second) != 0 || suspendFor(math.MaxInt64, time.Second) != time.Second || suspendFor(250, time.Second) != 250*time.Millisecond {
		t.Fatal("suspendFor does not clamp to [0, limit]")
	}
}

// TestSuspendedPullsAreCappedPerConnectionAndDroppedWithIt: above
// MaxSuspendedPullsPerConn a pull is answered at once; a closed
// connection's parked pulls go at once.
func TestSuspendedPullsAreCappedPerConnectionAndDroppedWithIt(t *testing.T) {
	f := newOpsFixture(t, func(o *Options) { o.MaxSuspendedPullsPerConn = 3 })
	f.send(t, "Held", 0, 1, "m")
	cl := remoting.NewClient(remoting.ClientOptions{})
	answered := make(chan int16, 5)
	for range 5 {
		go func() {
			ctx, cancel := timeoutContext(30 * time.Second)
			defer cancel()
			resp, err := cl.InvokeSync(ctx, f.addr, pullCommand("Held", 0, 1, 10*time.Second))
			if err != nil {
				answered <- -1
				return
			}
			answered <- resp.Code
		}()
	}
	for range 2 {
		select {
		case code := <-answered:
			if code != remoting.ResponsePullNotFound {
				t.Fatalf("pull above the cap answered %d", code)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no pull above the cap was answered at once")
		}
	}
	if n := f.b.polls.count.Load(); n != 3 {
		t.Fatalf("%d pulls parked, want 3", n)
	}
	cl.Close()
	deadline := time.Now().Add(5 * time.Second)
	for f.b.polls.count.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d pulls of a closed connection still parked", f.b.polls.count.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.b.polls.mu.Lock()
	left := len(f.b.polls.byConn)
	f.b.polls.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d connections still counted", left)
	}
}
