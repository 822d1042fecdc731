package remoting

import (
	"encoding/json"
	"reflect"
	"testing"
)

// jsonHeaderSeeds are headers as clients send them, and near misses the
// fast parser must leave to encoding/json.
var jsonHeaderSeeds = []string{
	`{"code":310,"language":"GO","version":317,"opaque":7,"flag":0,"remark":"","extFields":{"a":"pg","b":"TopicTest","c":"TBW102","d":"4","e":"0","f":"0","g":"1700000000000","h":"0","i":"UNIQ_KEY\u00017F0000012A\u0002WAIT\u0001true\u0002","j":"0","k":"false","m":"false"}}`,
	`{"code":11,"flag":0,"language":"JAVA","opaque":1,"serializeTypeCurrentRPC":"JSON","version":399}`,
	`{"code":0,"extFields":{},"flag":1,"language":"GO","opaque":-5,"remark":"ok","version":0}`,
	` { "code" : 34 , "extFields" : { "x\"y" : "\\\/\b\f\n\r\t\u00e9" } } `,
	`{}`,
	`{"Code":12}`,
	`{"code":12,"code":13}`,
	`{"CODE":12,"code":13}`,
	`{"unknown":{"a":1},"code":3}`,
	`{"extFields":{"a":"1"},"extFields":{"b":"2"}}`,
	`{"code":1.0}`,
	`{"code":1e2}`,
	`{"code":40000}`,
	`{"code":-0}`,
	`{"code":01}`,
	`{"opaque":2147483648}`,
	`{"remark":null}`,
	`{"extFields":null}`,
	`{"remark":"\ud83d\ude00"}`,
	`{"remark":"\ud800"}`,
	"{\"remark\":\"\xff\"}",
	"{\"remark\":\"é\"}",
	`{"code":1}x`,
	`{"code":1,}`,
	`{"extFields":{"a":1}}`,
	`{"remark":"\u00zz"}`,
	// Lenient extFields values: numbers keep their text, booleans become
	// words, null is absent; objects and arrays are refused.
	`{"code":11,"opaque":3,"extFields":{"queueId":0,"maxMsgNums":32,"commitOffset":-1,"t":1.5e4,"u":-0.0E-0,"ok":true,"no":false,"gone":null,"s":"x"}}`,
	`{"extFields":{"a":"x","a":null}}`,
	`{"extFields":{"a":null,"a":1}}`,
	`{"extFields":{"a":01}}`,
	`{"extFields":{"a":-01}}`,
	`{"extFields":{"a":1.}}`,
	`{"extFields":{"a":.5}}`,
	`{"extFields":{"a":-}}`,
	`{"extFields":{"a":1e}}`,
	`{"extFields":{"a":1e+}}`,
	`{"extFields":{"a":tru}}`,
	`{"extFields":{"a":truex}}`,
	`{"extFields":{"a":nul}}`,
	`{"extFields":{"a":NaN}}`,
	`{"extFields":{"a":{"b":1}}}`,
	`{"extFields":{"a":[1]}}`,
	`{"extFields":{"a":1 , "b" : true }}`,
	`{"code":200050,"opaque":9}`,
	`{"code":-2147483648}`,
	`{"code":2147483648}`,
}

// TestJSONHeaderFastPathAgreesWithEncodingJSON: on every seed, the fast
// parser either gives up or returns what encoding/json returns.
func TestJSONHeaderFastPathAgreesWithEncodingJSON(t *testing.T) {
	accepted := 0
	for _, h := range jsonHeaderSeeds {
		if checkFastPath(t, []byte(h)) {
			accepted++
		}
	}
	// The client shapes must take the fast path, or it is pointless.
	for _, h := range jsonHeaderSeeds[:4] {
		if _, ok := parseJSONHeaderFast([]byte(h)); !ok {
			t.Errorf("fast path refused a client header: %s", h)
		}
	}
	if accepted == len(jsonHeaderSeeds) {
		t.Error("fast path accepted every seed, including those it must refuse")
	}
}

// checkFastPath fails t when the fast parser accepts h with a result that
// differs from encoding/json's (or accepts what encoding/json rejects), and
// reports whether it accepted.
func checkFastPath(t *testing.T, h []byte) bool {
	t.Helper()
	fast, ok := parseJSONHeaderFast(h)
	if !ok {
		return false
	}
	var ref jsonHeader
	if err := json.Unmarshal(h, &ref); err != nil {
		t.Fatalf("fast path accepted %q, which encoding/json rejects: %v", h, err)
	}
	if len(ref.ExtFields) == 0 && len(fast.ExtFields) == 0 {
		ref.ExtFields, fast.ExtFields = nil, nil // decodeJSONHeader treats both as none
	}
	if !reflect.DeepEqual(fast, ref) {
		t.Fatalf("header %q:\nfast          %+v\nencoding/json %+v", h, fast, ref)
	}
	return true
}

func FuzzJSONHeaderFastPath(f *testing.F) {
	for _, h := range jsonHeaderSeeds {
		f.Add([]byte(h))
	}
	f.Fuzz(func(t *testing.T, h []byte) { checkFastPath(t, h) })
}

// BenchmarkDecodeJSONHeader decodes a Go client's SEND_MESSAGE_V2 header
// the way the server does, and with encoding/json alone for comparison.
func BenchmarkDecodeJSONHeader(b *testing.B) {
	h := []byte(jsonHeaderSeeds[0])
	b.Run("decodeJSONHeader", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := decodeJSONHeader(h); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var jh jsonHeader
			if err := json.Unmarshal(h, &jh); err != nil {
				b.Fatal(err)
			}
		}
	})
}
