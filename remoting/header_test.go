package remoting

import (
	"errors"
	"reflect"
	"testing"
)

// wantFieldError checks that err is a *FieldError for key wrapping sentinel.
func wantFieldError(t *testing.T, err error, key string, sentinel error) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Key != key || !errors.Is(err, sentinel) {
		t.Fatalf("error %v, want a *FieldError for %q wrapping %v", err, key, sentinel)
	}
}

func TestCommandFieldAccessors(t *testing.T) {
	c := &Command{}
	c.Set("s", "text")
	c.SetInt32("i32", -7)
	c.SetInt64("i64", 1<<40)
	c.SetBool("b", true)
	c.Set("upper", "TRUE")
	c.Set("plus", "+5")
	c.Set("empty", "")
	c.Set("word", "yes")
	c.Set("big", "2147483648")

	if v, err := c.Field("s"); v != "text" || err != nil {
		t.Errorf("Field = %q, %v", v, err)
	}
	if v, err := c.Int32("i32"); v != -7 || err != nil {
		t.Errorf("Int32 = %d, %v", v, err)
	}
	if v, err := c.Int32("plus"); v != 5 || err != nil {
		t.Errorf("Int32(+5) = %d, %v", v, err)
	}
	if v, err := c.Int64("i64"); v != 1<<40 || err != nil {
		t.Errorf("Int64 = %d, %v", v, err)
	}
	if v, err := c.Int64("big"); v != 1<<31 || err != nil {
		t.Errorf("Int64(big) = %d, %v", v, err)
	}
	for _, key := range []string{"b", "upper"} {
		if v, err := c.Bool(key); !v || err != nil {
			t.Errorf("Bool(%s) = %v, %v", key, v, err)
		}
	}
	if v, ok := c.Lookup("empty"); !ok || v != "" {
		t.Errorf("Lookup(empty) = %q, %v", v, ok)
	}
	if _, ok := c.Lookup("absent"); ok {
		t.Error("Lookup(absent) found something")
	}

	for _, tc := range []struct {
		name string
		get  func() error
		key  string
		want error
	}{
		{"missing string", func() error { _, err := c.Field("absent"); return err }, "absent", ErrMissingField},
		{"missing int32", func() error { _, err := c.Int32("absent"); return err }, "absent", ErrMissingField},
		{"missing int64", func() error { _, err := c.Int64("absent"); return err }, "absent", ErrMissingField},
		{"missing bool", func() error { _, err := c.Bool("absent"); return err }, "absent", ErrMissingField},
		{"empty int32", func() error { _, err := c.Int32("empty"); return err }, "empty", ErrInvalidField},
		{"int32 out of range", func() error { _, err := c.Int32("big"); return err }, "big", ErrInvalidField},
		{"text as int64", func() error { _, err := c.Int64("s"); return err }, "s", ErrInvalidField},
		{"yes as bool", func() error { _, err := c.Bool("word"); return err }, "word", ErrInvalidField},
		{"nil ExtFields", func() error { _, err := (&Command{}).Field("topic"); return err }, "topic", ErrMissingField},
	} {
		t.Run(tc.name, func(t *testing.T) { wantFieldError(t, tc.get(), tc.key, tc.want) })
	}
}

func TestFieldErrorMessage(t *testing.T) {
	for _, tc := range []struct {
		err  FieldError
		want string
	}{
		{FieldError{Key: "topic", Want: "string", Err: ErrMissingField}, `remoting: missing header field "topic"`},
		{FieldError{Key: "queueId", Value: "x", Want: "int32", Err: ErrInvalidField},
			`remoting: invalid header field "queueId": "x" is not a valid int32`},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %s, want %s", got, tc.want)
		}
	}
}

// without returns a copy of m lacking key.
func without(m map[string]string, key string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// header is what every typed header implements.
type header interface {
	Encode(map[string]string) map[string]string
	Decode(map[string]string) error
}

// TestTypedHeadersRoundTrip encodes each typed header and decodes it into a
// fresh value; the keys are checked against RocketMQ's names.
func TestTypedHeadersRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in, out  header
		wantKeys []string
	}{
		{"send request", &SendMessageRequestHeader{ProducerGroup: "pg", Topic: "T", DefaultTopic: "TBW102",
			DefaultTopicQueueNums: 4, QueueID: 3, SysFlag: 1, BornTimestamp: 1700000000000, Flag: 9,
			Properties: "KEYS\x01k\x02", ReconsumeTimes: 2, UnitMode: true, MaxReconsumeTimes: 16, Batch: true},
			&SendMessageRequestHeader{}, []string{"producerGroup", "topic", "defaultTopic", "defaultTopicQueueNums",
				"queueId", "sysFlag", "bornTimestamp", "flag", "properties", "reconsumeTimes", "unitMode",
				"maxReconsumeTimes", "batch"}},
		{"send response", &SendMessageResponseHeader{MsgID: "C0A8", QueueID: 1, QueueOffset: 99,
			TransactionID: "tx", MsgRegion: "DefaultRegion", TraceOn: true}, &SendMessageResponseHeader{},
			[]string{"msgId", "queueId", "queueOffset", "transactionId", "MSG_REGION", "TRACE_ON"}},
		{"pull request", &PullMessageRequestHeader{ConsumerGroup: "cg", Topic: "T", QueueID: 2, QueueOffset: 10,
			MaxMsgNums: 32, SysFlag: 7, CommitOffset: 8, SuspendTimeoutMillis: 20000, Subscription: "a || b",
			SubVersion: 123, ExpressionType: "TAG"}, &PullMessageRequestHeader{},
			[]string{"consumerGroup", "topic", "queueId", "queueOffset", "maxMsgNums", "sysFlag", "commitOffset",
				"suspendTimeoutMillis", "subscription", "subVersion", "expressionType"}},
		{"pull response", &PullMessageResponseHeader{SuggestWhichBrokerID: 1, NextBeginOffset: 42, MinOffset: 0,
			MaxOffset: 100}, &PullMessageResponseHeader{},
			[]string{"suggestWhichBrokerId", "nextBeginOffset", "minOffset", "maxOffset"}},
		{"query consumer offset", &QueryConsumerOffsetRequestHeader{ConsumerGroup: "cg", Topic: "T", QueueID: 1},
			&QueryConsumerOffsetRequestHeader{}, []string{"consumerGroup", "topic", "queueId"}},
		{"update consumer offset", &UpdateConsumerOffsetRequestHeader{ConsumerGroup: "cg", Topic: "T", QueueID: 1,
			CommitOffset: 5}, &UpdateConsumerOffsetRequestHeader{},
			[]string{"consumerGroup", "topic", "queueId", "commitOffset"}},
		{"get max offset", &GetMaxOffsetRequestHeader{Topic: "T", QueueID: 3}, &GetMaxOffsetRequestHeader{},
			[]string{"topic", "queueId"}},
		{"search offset", &SearchOffsetRequestHeader{Topic: "T", QueueID: 3, Timestamp: 1700000000000},
			&SearchOffsetRequestHeader{}, []string{"topic", "queueId", "timestamp"}},
		{"offset response", &GetMinOffsetResponseHeader{Offset: -1}, &OffsetResponseHeader{}, []string{"offset"}},
		{"query message", &QueryMessageRequestHeader{Topic: "T", Key: "order-1", MaxNum: 32, BeginTimestamp: 1,
			EndTimestamp: 2}, &QueryMessageRequestHeader{},
			[]string{"topic", "key", "maxNum", "beginTimestamp", "endTimestamp"}},
		{"query message response", &QueryMessageResponseHeader{IndexLastUpdateTimestamp: 3,
			IndexLastUpdatePhyoffset: 4}, &QueryMessageResponseHeader{},
			[]string{"indexLastUpdateTimestamp", "indexLastUpdatePhyoffset"}},
		{"view message", &ViewMessageRequestHeader{Offset: 1 << 33, Topic: "T"}, &ViewMessageRequestHeader{},
			[]string{"offset", "topic"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ext := tc.in.Encode(nil)
			if len(ext) != len(tc.wantKeys) {
				t.Fatalf("Encode wrote %d keys, want %d: %v", len(ext), len(tc.wantKeys), ext)
			}
			for _, k := range tc.wantKeys {
				if _, ok := ext[k]; !ok {
					t.Fatalf("Encode did not write %q: %v", k, ext)
				}
			}
			if err := tc.out.Decode(ext); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tc.in, tc.out) {
				t.Fatalf("round trip\n got %+v\nwant %+v", tc.out, tc.in)
			}
			// Every key is required or optional; dropping a required one
			// must name it, and must leave the target untouched.
			for _, k := range tc.wantKeys {
				before := reflect.ValueOf(tc.out).Elem().Interface()
				err := tc.out.Decode(without(ext, k))
				if err == nil {
					continue
				}
				wantFieldError(t, err, k, ErrMissingField)
				if after := reflect.ValueOf(tc.out).Elem().Interface(); !reflect.DeepEqual(before, after) {
					t.Fatalf("failed Decode changed the header: %+v", after)
				}
			}
		})
	}
}

// TestRequiredHeaderFields checks which fields RocketMQ marks @CFNotNull.
func TestRequiredHeaderFields(t *testing.T) {
	full := (&SendMessageRequestHeader{MaxReconsumeTimes: 1}).Encode(nil)
	var required []string
	for _, names := range sendKeyNames {
		ext := without(full, names[sendV1])
		var h SendMessageRequestHeader
		if err := h.Decode(ext); err != nil {
			wantFieldError(t, err, names[sendV1], ErrMissingField)
			required = append(required, names[sendV1])
		}
	}
	want := []string{"producerGroup", "topic", "defaultTopic", "defaultTopicQueueNums", "queueId", "sysFlag",
		"bornTimestamp", "flag"}
	if !reflect.DeepEqual(required, want) {
		t.Fatalf("required send fields %v, want %v", required, want)
	}

	var h SendMessageRequestHeader
	ext := (&SendMessageRequestHeader{}).Encode(nil)
	delete(ext, "maxReconsumeTimes")
	delete(ext, "reconsumeTimes")
	if err := h.Decode(ext); err != nil || h.MaxReconsumeTimes != -1 || h.ReconsumeTimes != 0 {
		t.Fatalf("absent optional fields: %+v, %v", h, err)
	}
	if _, present := (&SendMessageRequestHeader{MaxReconsumeTimes: -1}).Encode(nil)["maxReconsumeTimes"]; present {
		t.Fatal("MaxReconsumeTimes -1 was written")
	}

	var pull PullMessageRequestHeader
	pext := (&PullMessageRequestHeader{}).Encode(nil)
	pext["queueOffset"] = "ten"
	wantFieldError(t, pull.Decode(pext), "queueOffset", ErrInvalidField)
}
