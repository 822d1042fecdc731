package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestNormalizeJSONQuotesNonStringKeys(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"standard JSON is compacted", `{ "a" : [1, 2.5e3, -3], "b": {"c": null, "d": true} }`, `{"a":[1,2.5e3,-3],"b":{"c":null,"d":true}}`},
		{"number keys, as fastjson writes Long keys", `{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"}}`, `{"brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"}}`},
		{"object keys, as fastjson writes MessageQueue keys", `{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"t"}:{"maxOffset":3}}}`,
			`{"offsetTable":{"{\"brokerName\":\"b\",\"queueId\":0,\"topic\":\"t\"}":{"maxOffset":3}}}`},
		{"braces and quotes inside strings are not structure", `{"a":"}{\":,","b":{{"x":"]["}:1}}`, `{"a":"}{\":,","b":{"{\"x\":\"][\"}":1}}`},
		{"empty containers", `{"a":{},"b":[]}`, `{"a":{},"b":[]}`},
		{"unicode passes through", `{"名":"値"}`, `{"名":"値"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalizeJSON([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestNormalizeJSONRejectsMalformedBodies(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a"}`, `{"a":1,}`, `[1 2]`, `{"a":1} x`, `"open`, `{"a":tru}`, `{"a":1-}`,
		strings.Repeat("[", maxJSONDepth+2) + strings.Repeat("]", maxJSONDepth+2)} {
		if _, err := normalizeJSON([]byte(in)); !errors.Is(err, errJavaJSON) {
			t.Errorf("%.40q: err = %v, want errJavaJSON", in, err)
		}
	}
}

// A ConsumeStats body as a RocketMQ broker writes it: fastjson, fields in
// alphabetical order, MessageQueue objects as map keys.
const fastjsonConsumeStats = `{"consumeTps":1.5,"offsetTable":{{"brokerName":"broker-a","queueId":1,"topic":"T"}:{"brokerOffset":10,"consumerOffset":4,"lastTimestamp":1700000000000,"pullOffset":6},{"brokerName":"broker-a","queueId":0,"topic":"T"}:{"brokerOffset":7,"consumerOffset":7,"lastTimestamp":0,"pullOffset":7}}}`

func TestDecodeConsumeStatsWithQueueKeys(t *testing.T) {
	var cs ConsumeStats
	if err := decodeJavaJSON([]byte(fastjsonConsumeStats), &cs); err != nil {
		t.Fatal(err)
	}
	q1 := MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 1}
	if got := cs.OffsetTable[q1]; got != (OffsetWrapper{BrokerOffset: 10, ConsumerOffset: 4, PullOffset: 6, LastTimestamp: 1700000000000}) {
		t.Fatalf("queue 1: %+v", got)
	}
	if cs.ConsumeTps != 1.5 || len(cs.OffsetTable) != 2 || cs.TotalDiff() != 6 {
		t.Fatalf("decoded %+v (diff %d)", cs, cs.TotalDiff())
	}
	// Encoding writes the keys back as their object text, which decodes to
	// the same table: a quoted-key body from a broker that writes standard
	// JSON reads the same.
	enc, err := json.Marshal(cs)
	if err != nil {
		t.Fatal(err)
	}
	var again ConsumeStats
	if err := decodeJavaJSON(enc, &again); err != nil {
		t.Fatal(err)
	}
	if again.OffsetTable[q1] != cs.OffsetTable[q1] || len(again.OffsetTable) != 2 {
		t.Fatalf("round trip: %s", enc)
	}
	// A queue as a value is an object, not a string.
	v, _ := json.Marshal(struct{ Q MessageQueue }{q1})
	if !bytes.Contains(v, []byte(`{"Q":{"topic":"T"`)) {
		t.Fatalf("queue value encodes as %s", v)
	}
}

func TestDecodeRejectsABadQueueKey(t *testing.T) {
	var cs ConsumeStats
	err := decodeJavaJSON([]byte(`{"offsetTable":{"not a queue":{"brokerOffset":1}}}`), &cs)
	if !errors.Is(err, errJavaJSON) {
		t.Fatalf("err = %v", err)
	}
}

func FuzzNormalizeJSON(f *testing.F) {
	for _, s := range []string{fastjsonConsumeStats, `{0:"a",1:{"b":[1,2]}}`, `[]`, `"x\"y"`, `{"a":-1.5e-3}`, `{[1]:2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := normalizeJSON(in)
		if err != nil {
			return
		}
		// Whatever is accepted comes out as JSON unless a string inside
		// holds a bad escape, which encoding/json reports.
		if !json.Valid(out) {
			var v any
			if json.Unmarshal(out, &v) == nil {
				t.Fatalf("invalid output %q from %q", out, in)
			}
		}
		// Standard JSON passes through as its compact form.
		if json.Valid(in) {
			var want bytes.Buffer
			if err := json.Compact(&want, in); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, want.Bytes()) {
				t.Fatalf("normalize(%q) = %q, want %q", in, out, want.Bytes())
			}
		}
	})
}
