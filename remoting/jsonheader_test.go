package remoting

import (
	"reflect"
	"strings"
	"testing"
)

// TestDecodePeerJSONHeaders decodes headers as the two peers print them:
// the Java broker (fastjson: sorted members, nulls omitted, an extra
// serializeTypeCurrentRPC member) and rocketmq-client-go v2.1.2 (struct
// order, empty remark, extFields possibly null).
func TestDecodePeerJSONHeaders(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header string
		want   Command
	}{
		{
			name: "Java broker send response",
			header: `{"code":0,"extFields":{"queueId":"2","TRACE_ON":"true","MSG_REGION":"DefaultRegion",` +
				`"msgId":"C0A8010100002A9F0000000000001234","queueOffset":"17"},"flag":1,"language":"JAVA",` +
				`"opaque":42,"serializeTypeCurrentRPC":"JSON","version":395}`,
			want: Command{Code: 0, Language: "JAVA", Version: 395, Opaque: 42, Flag: 1, ExtFields: map[string]string{
				"queueId": "2", "TRACE_ON": "true", "MSG_REGION": "DefaultRegion",
				"msgId": "C0A8010100002A9F0000000000001234", "queueOffset": "17",
			}},
		},
		{
			name: "Java broker error response without extFields",
			header: `{"code":17,"flag":1,"language":"JAVA","opaque":43,` +
				`"remark":"topic[T] not exist, apply first please!","serializeTypeCurrentRPC":"JSON","version":395}`,
			want: Command{Code: 17, Language: "JAVA", Version: 395, Opaque: 43, Flag: 1,
				Remark: "topic[T] not exist, apply first please!"},
		},
		{
			name: "Java broker request to a client",
			header: `{"code":40,"extFields":{"consumerGroup":"g"},"flag":2,"language":"JAVA","opaque":7,` +
				`"serializeTypeCurrentRPC":"JSON","suspended":false,"version":395}`,
			want: Command{Code: 40, Language: "JAVA", Version: 395, Opaque: 7, Flag: 2,
				ExtFields: map[string]string{"consumerGroup": "g"}},
		},
		{
			name: "Go client V2 send",
			header: `{"code":310,"language":"GO","version":317,"opaque":1,"flag":0,"remark":"","extFields":` +
				`{"a":"pg","b":"T","c":"TBW102","d":"4","e":"0","f":"0","g":"1700000000000","h":"0",` +
				`"i":"UNIQ_KEY\u00010A\u0002","j":"0","k":"false","l":"0","m":"false"}}`,
			want: Command{Code: 310, Language: "GO", Version: 317, Opaque: 1, ExtFields: map[string]string{
				"a": "pg", "b": "T", "c": "TBW102", "d": "4", "e": "0", "f": "0", "g": "1700000000000",
				"h": "0", "i": "UNIQ_KEY\x010A\x02", "j": "0", "k": "false", "l": "0", "m": "false",
			}},
		},
		{
			name:   "Go client heartbeat with null extFields",
			header: `{"code":34,"language":"GO","version":317,"opaque":5,"flag":0,"remark":"","extFields":null}`,
			want:   Command{Code: 34, Language: "GO", Version: 317, Opaque: 5},
		},
		{
			name:   "whitespace, negative numbers and escapes",
			header: " \n{ \"code\" : -1006 , \"opaque\":-5, \"remark\":\"a\\\"b\\\\c\\u00e9\\ud83d\\ude00\" }\t",
			want:   Command{Code: -1006, Opaque: -5, Remark: "a\"b\\cé😀"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, st, err := Decode(withHeaderWord(0, []byte(tc.header), []byte("body")))
			if err != nil || st != JSON {
				t.Fatalf("Decode: %v, %v", st, err)
			}
			tc.want.Body = []byte("body")
			if !reflect.DeepEqual(*got, tc.want) {
				t.Fatalf("\n got %#v\nwant %#v", *got, tc.want)
			}
		})
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{"q\"b\\s/", `"q\"b\\s/"`},
		{"\n\r\t\x00\x1f", `"\n\r\t\u0000\u001f"`},
		{"é中😀", `"é中😀"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"bad\xffutf8", `"bad\ufffdutf8"`},
		{"<&>", `"<&>"`},
	} {
		if got := string(appendJSONString(nil, tc.in)); got != tc.want {
			t.Errorf("appendJSONString(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestEncodeJSONOmitsEmptyMembers checks the shape Java expects: remark and
// extFields are left out when empty rather than sent as "" or null.
func TestEncodeJSONOmitsEmptyMembers(t *testing.T) {
	frame := mustEncode(t, &Command{Code: 1, Language: "JAVA", ExtFields: map[string]string{}}, JSON)
	want := `{"code":1,"language":"JAVA","version":0,"opaque":0,"flag":0}`
	if got := string(frame[8:]); got != want {
		t.Fatalf("header %s, want %s", got, want)
	}
	if strings.Contains(string(frame), "remark") {
		t.Fatal("empty remark was written")
	}
}
