package remoting

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestQueueKeysRoundTripThroughNormalizeFastJSON(t *testing.T) {
	body := []byte(`{"consumeTps":1.5,"offsetTable":{`)
	body = AppendQueueKey(body, MessageQueue{Topic: `T"x`, BrokerName: "b", QueueID: 0})
	body = append(body, `{"brokerOffset":5,"list":[1,{"a":"}{:,"}]},`...)
	body = AppendQueueKey(body, MessageQueue{Topic: "T", BrokerName: "b", QueueID: 1})
	body = append(body, `{"brokerOffset":7,"list":[]}}}`...)
	if json.Valid(body) {
		t.Fatal("fastjson text with object keys is not JSON; the test builds the wrong thing")
	}
	js, err := NormalizeFastJSON(body)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		ConsumeTps  float64 `json:"consumeTps"`
		OffsetTable map[string]struct {
			BrokerOffset int64 `json:"brokerOffset"`
		} `json:"offsetTable"`
	}
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatalf("%v in %s", err, js)
	}
	got := map[MessageQueue]int64{}
	for k, w := range v.OffsetTable {
		mq, err := ParseQueueKey(k)
		if err != nil {
			t.Fatal(err)
		}
		got[mq] = w.BrokerOffset
	}
	want := map[MessageQueue]int64{{Topic: `T"x`, BrokerName: "b"}: 5, {Topic: "T", BrokerName: "b", QueueID: 1}: 7}
	if len(got) != 2 || got[MessageQueue{Topic: `T"x`, BrokerName: "b"}] != 5 || got[MessageQueue{Topic: "T", BrokerName: "b", QueueID: 1}] != 7 {
		t.Fatalf("got %v, want %v", got, want)
	}
	plain := []byte(`{"a":[{"b":1},{"c":{"d":2}}]}`)
	if js, err := NormalizeFastJSON(plain); err != nil || string(js) != string(plain) {
		t.Fatalf("JSON changed: %s %v", js, err)
	}
	for _, bad := range []string{`{{"a":1`, `{"a":1}}`, `{"a`} {
		if _, err := NormalizeFastJSON([]byte(bad)); !errors.Is(err, ErrFastJSON) {
			t.Errorf("%s: err %v, want ErrFastJSON", bad, err)
		}
	}
}

func TestNormalizeFastJSONRejectsMalformedBodies(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a"}`, `{"a":1,}`, `[1 2]`, `{"a":1} x`, `"open`, `{"a":tru}`, `{"a":1-}`,
		strings.Repeat("[", maxJSONDepth+2) + strings.Repeat("]", maxJSONDepth+2)} {
		if _, err := NormalizeFastJSON([]byte(in)); !errors.Is(err, ErrFastJSON) {
			t.Errorf("%.40q: err = %v, want ErrFastJSON", in, err)
		}
	}
}

func FuzzNormalizeFastJSON(f *testing.F) {
	for _, s := range []string{`{"consumeTps":1.5,"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:{"brokerOffset":10}}}`, `{0:"a",1:{"b":[1,2]}}`, `[]`, `"x\"y"`, `{"a":-1.5e-3}`, `{[1]:2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := NormalizeFastJSON(in)
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

func TestNormalizeFastJSONQuotesNonStringKeys(t *testing.T) {
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
			got, err := NormalizeFastJSON([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
