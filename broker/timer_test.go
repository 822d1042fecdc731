package broker

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/timer"
)

// timerRequest is a send of body to topic with timer properties set.
func timerRequest(topic, body string, props map[string]string) *remoting.Command {
	req := sendRequest(topic, 0, body, body)
	var h remoting.SendMessageRequestHeader
	_ = h.DecodeV2(req.ExtFields)
	p := message.Properties(h.Properties)
	for k, v := range props {
		p = p.Set(k, v)
	}
	h.Properties = string(p)
	req.ExtFields = h.EncodeV2(nil)
	return req
}

func TestTimerMessageArrivesAtItsTime(t *testing.T) {
	b := newRoleBroker(t, t.TempDir(), RoleAsyncMaster, "", "", func(o *Options) { o.Timer.Precision = 50 * time.Millisecond })
	defer b.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	due := time.Now().Add(700 * time.Millisecond).UnixMilli()
	for i, props := range []map[string]string{
		{timer.PropertyDeliverMs: strconv.FormatInt(due, 10)},
		{timer.PropertyDelayMs: "700"},
		{timer.PropertyDelaySec: "1"},
	} {
		if resp := call(t, cl, b.Addr(), timerRequest("Timed", "t"+strconv.Itoa(i), props)); resp.Code != remoting.ResponseSuccess {
			t.Fatalf("send %d: %v", i, resp)
		}
	}
	if max := b.store.GetMaxOffsetInQueue("Timed", 0); max != 0 {
		t.Fatalf("the timer messages are in their topic at once (max %d)", max)
	}
	var recs []message.Record
	deadline := time.Now().Add(10 * time.Second)
	for len(recs) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 3 timer messages arrived", len(recs))
		}
		resp := call(t, cl, b.Addr(), pullCommand("Timed", 0, int64(len(recs)), 2*time.Second))
		if resp.Code == remoting.ResponseSuccess {
			recs = append(recs, decodeRecords(t, resp.Body)...)
		}
	}
	for _, r := range recs {
		outMs, _ := strconv.ParseInt(r.Properties.Get(timer.PropertyOutMs), 10, 64)
		if r.StoreTimestamp < outMs || outMs < due-50 {
			t.Fatalf("%s stored at %d, due at %d (asked for about %d)", r.Body, r.StoreTimestamp, outMs, due)
		}
		if r.Properties.Get(message.PropertyRealTopic) != "" || r.Topic != "Timed" {
			t.Fatalf("%s delivered to %s with REAL_TOPIC %q", r.Body, r.Topic, r.Properties.Get(message.PropertyRealTopic))
		}
	}
}

func TestTimerMessagesRefused(t *testing.T) {
	b := newRoleBroker(t, t.TempDir(), RoleAsyncMaster, "", "", func(o *Options) { o.Timer.MaxDelay = time.Hour })
	defer b.Close()
	off := newRoleBroker(t, t.TempDir(), RoleAsyncMaster, "", "", func(o *Options) { o.Timer.Disabled = true })
	defer off.Close()
	if off.timer.Load() != nil {
		t.Fatal("a timer runs with timerWheelEnable=false")
	}
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	batch := func() *remoting.Command {
		body, _ := message.EncodeBatch([]message.Message{
			{Body: []byte("a")}, {Body: []byte("b"), Properties: message.EncodeProperties(map[string]string{timer.PropertyDelaySec: "5"})},
		})
		req := sendRequest("Timed", 0, "", "")
		req.Code, req.Body = remoting.RequestSendBatchMessage, body
		return req
	}
	for _, tc := range []struct {
		name   string
		addr   string
		req    *remoting.Command
		remark string
	}{
		{"beyond timerMaxDelaySec", b.Addr(), timerRequest("Timed", "x", map[string]string{timer.PropertyDelaySec: "3601"}), "max delay 3600000ms"},
		{"not a number", b.Addr(), timerRequest("Timed", "x", map[string]string{timer.PropertyDelayMs: "soon"}), "timer message illegal"},
		{"cancel", b.Addr(), timerRequest("Timed", "x", map[string]string{timer.PropertyDeleteKey: "k", timer.PropertyDelaySec: "5"}), "not supported"},
		{"in a batch", b.Addr(), batch(), "not supported in a batch"},
		{"timerWheelEnable=false", off.Addr(), timerRequest("Timed", "x", map[string]string{timer.PropertyDelaySec: "5"}), "timerWheelEnable is false"},
	} {
		resp := call(t, cl, tc.addr, tc.req)
		if resp.Code != remoting.ResponseMessageIllegal || !strings.Contains(resp.Remark, tc.remark) {
			t.Errorf("%s: %v, want MESSAGE_ILLEGAL saying %q", tc.name, resp, tc.remark)
		}
	}
	if max := b.store.GetMaxOffsetInQueue(timer.Topic, 0); max != 0 {
		t.Fatalf("refused timer messages were stored (%d)", max)
	}
}
