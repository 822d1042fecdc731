package remoting

import (
	"reflect"
	"testing"
)

// goClientV2 is the V2 send header rocketmq-client-go v2.1.2 writes for a
// batch, plus ACL keys that must pass through the conversion untouched.
var goClientV2 = map[string]string{
	"a": "pg", "b": "T", "c": "TBW102", "d": "4", "e": "3", "f": "0", "g": "1700000000000", "h": "0",
	"i": "UNIQ_KEY\x010A\x02", "j": "1", "k": "false", "l": "16", "m": "true",
	"AccessKey": "ak", "Signature": "sig",
}

var goClientV2Header = SendMessageRequestHeader{
	ProducerGroup: "pg", Topic: "T", DefaultTopic: "TBW102", DefaultTopicQueueNums: 4, QueueID: 3,
	BornTimestamp: 1700000000000, Properties: "UNIQ_KEY\x010A\x02", ReconsumeTimes: 1,
	MaxReconsumeTimes: 16, Batch: true,
}

func TestSendMessageV2ToV1(t *testing.T) {
	got := SendMessageV2ToV1(goClientV2)
	want := map[string]string{
		"producerGroup": "pg", "topic": "T", "defaultTopic": "TBW102", "defaultTopicQueueNums": "4",
		"queueId": "3", "sysFlag": "0", "bornTimestamp": "1700000000000", "flag": "0",
		"properties": "UNIQ_KEY\x010A\x02", "reconsumeTimes": "1", "unitMode": "false",
		"maxReconsumeTimes": "16", "batch": "true", "AccessKey": "ak", "Signature": "sig",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("\n got %v\nwant %v", got, want)
	}
	if goClientV2["a"] != "pg" || len(goClientV2) != 15 {
		t.Fatal("SendMessageV2ToV1 modified its input")
	}
	var h SendMessageRequestHeader
	if err := h.Decode(got); err != nil || !reflect.DeepEqual(h, goClientV2Header) {
		t.Fatalf("V1 decode of the converted map: %+v, %v", h, err)
	}
}

func TestParseSendMessageRequestHeader(t *testing.T) {
	v1 := goClientV2Header.Encode(nil)
	for _, tc := range []struct {
		name string
		code int16
		ext  map[string]string
	}{
		{"SEND_MESSAGE", RequestSendMessage, v1},
		{"SEND_REPLY_MESSAGE", RequestSendReplyMessage, v1},
		{"SEND_MESSAGE_V2", RequestSendMessageV2, goClientV2},
		{"SEND_BATCH_MESSAGE", RequestSendBatchMessage, goClientV2},
		{"SEND_REPLY_MESSAGE_V2", RequestSendReplyMessageV2, goClientV2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseSendMessageRequestHeader(&Command{Code: tc.code, ExtFields: tc.ext})
			if err != nil || !reflect.DeepEqual(h, goClientV2Header) {
				t.Fatalf("got %+v, %v", h, err)
			}
		})
	}
	// A V2 request with V1 keys is missing "a", and the error says so.
	_, err := ParseSendMessageRequestHeader(&Command{Code: RequestSendMessageV2, ExtFields: v1})
	wantFieldError(t, err, "a", ErrMissingField)
}

func TestSendHeaderEncodeV2(t *testing.T) {
	ext := goClientV2Header.EncodeV2(map[string]string{"AccessKey": "ak", "Signature": "sig"})
	if !reflect.DeepEqual(ext, goClientV2) {
		t.Fatalf("\n got %v\nwant %v", ext, goClientV2)
	}
	var h SendMessageRequestHeader
	if err := h.DecodeV2(ext); err != nil || !reflect.DeepEqual(h, goClientV2Header) {
		t.Fatalf("DecodeV2: %+v, %v", h, err)
	}
}
