package timer

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/message"
)

func TestRewrite(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	ms := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).UnixMilli(), 10) }
	for _, tc := range []struct {
		name    string
		props   map[string]string
		sysFlag int32
		enabled bool
		want    error
		timer   bool
		dueMs   int64
	}{
		{name: "deliver at", props: map[string]string{PropertyDeliverMs: ms(time.Minute)}, timer: true, dueMs: now.Add(time.Minute).UnixMilli()},
		{name: "delay seconds", props: map[string]string{PropertyDelaySec: "30"}, timer: true, dueMs: now.Add(30 * time.Second).UnixMilli()},
		{name: "delay ms", props: map[string]string{PropertyDelayMs: "1500"}, timer: true, dueMs: now.Add(1500 * time.Millisecond).UnixMilli()},
		{name: "seconds win over ms and deliver", props: map[string]string{PropertyDelaySec: "2", PropertyDelayMs: "9000", PropertyDeliverMs: ms(time.Hour)}, timer: true, dueMs: now.Add(2 * time.Second).UnixMilli()},
		{name: "due already: at once", props: map[string]string{PropertyDeliverMs: ms(-time.Second)}},
		{name: "exactly the max delay", props: map[string]string{PropertyDelaySec: "60"}, timer: true, dueMs: now.Add(time.Minute).UnixMilli()},
		{name: "beyond the max delay", props: map[string]string{PropertyDelaySec: "61"}, want: ErrDelayTooLong},
		{name: "not a number", props: map[string]string{PropertyDelayMs: "soon"}, want: ErrIllegal},
		{name: "absurd", props: map[string]string{PropertyDelaySec: "9223372036854775807"}, want: ErrIllegal},
		{name: "disabled", props: map[string]string{PropertyDelaySec: "5"}, enabled: false, want: ErrDisabled},
		{name: "cancel", props: map[string]string{PropertyDeleteKey: "k", PropertyDelaySec: "5"}, want: ErrNotSupported},
		{name: "a delay level wins", props: map[string]string{message.PropertyDelayLevel: "3", PropertyDelaySec: "5"}},
		{name: "timed already", props: map[string]string{PropertyOutMs: ms(time.Second), PropertyDelaySec: "5"}},
		{name: "prepared transaction", props: map[string]string{PropertyDelaySec: "5"}, sysFlag: message.TransactionPreparedType},
		{name: "plain", props: map[string]string{"KEYS": "k"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enabled := tc.enabled || tc.want != ErrDisabled
			m := message.Message{Topic: "Real", QueueID: 3, SysFlag: tc.sysFlag, Body: []byte("b"),
				Properties: message.EncodeProperties(tc.props).Set(PropertyOrigin, "123")}
			got, err := Rewrite(&m, now, time.Minute, enabled)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) || got != tc.timer {
				t.Fatalf("Rewrite = %v, %v; want %v, %v", got, err, tc.timer, tc.want)
			}
			if _, ok := m.Properties.Lookup(PropertyOrigin); ok {
				t.Fatal("a producer's TIMER_ORIGIN_OFFSET was kept")
			}
			if !tc.timer {
				if m.Topic != "Real" || m.QueueID != 3 {
					t.Fatalf("moved to %s/%d", m.Topic, m.QueueID)
				}
				if _, ok := tc.props[message.PropertyDelayLevel]; ok && HasTimerProperty(m.Properties) {
					t.Fatal("the timer properties stayed beside a delay level")
				}
				return
			}
			p := m.Properties
			if m.Topic != Topic || m.QueueID != 0 || p.Get(message.PropertyRealTopic) != "Real" || p.Get(message.PropertyRealQueueID) != "3" {
				t.Fatalf("rewritten to %s/%d, props %v", m.Topic, m.QueueID, p.Map())
			}
			if due, err := outMs(p); err != nil || due != tc.dueMs {
				t.Fatalf("TIMER_OUT_MS %d (%v), want %d", due, err, tc.dueMs)
			}
		})
	}
}

func TestDeliveredMessage(t *testing.T) {
	m := message.Message{Topic: "Real", QueueID: 2, Body: []byte("b"), Properties: message.EncodeProperties(map[string]string{PropertyDelaySec: "5", "KEYS": "k"})}
	if ok, err := Rewrite(&m, time.Now(), 0, true); !ok || err != nil {
		t.Fatalf("Rewrite: %v %v", ok, err)
	}
	rec := message.Record{Message: m}
	d, err := delivered(&rec, 4242, false)
	if err != nil || d.Topic != "Real" || d.QueueID != 2 || d.Properties.Get("KEYS") != "k" {
		t.Fatalf("delivered %s/%d %v: %v", d.Topic, d.QueueID, d.Properties.Map(), err)
	}
	if _, ok := d.Properties.Lookup(message.PropertyRealTopic); ok {
		t.Fatal("REAL_TOPIC kept")
	}
	if o, ok := originOf(d.Properties); !ok || o != 4242 {
		t.Fatalf("origin %d %v", o, ok)
	}
	r, err := delivered(&rec, 4242, true)
	if err != nil || r.Topic != Topic || r.Properties.Get(PropertyRollTimes) != "1" || r.Properties.Get(message.PropertyRealTopic) != "Real" {
		t.Fatalf("rolled %s %v: %v", r.Topic, r.Properties.Map(), err)
	}
	rec.Properties = rec.Properties.Delete(message.PropertyRealQueueID)
	if _, err := delivered(&rec, 1, false); !errors.Is(err, errNoRealTopic) {
		t.Fatalf("no REAL_QID: %v", err)
	}
}
