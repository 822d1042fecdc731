package remoting

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestQueueKeysRoundTripThroughQuoteObjectKeys(t *testing.T) {
	body := []byte(`{"consumeTps":1.5,"offsetTable":{`)
	body = AppendQueueKey(body, MessageQueue{Topic: `T"x`, BrokerName: "b", QueueID: 0})
	body = append(body, `{"brokerOffset":5,"list":[1,{"a":"}{:,"}]},`...)
	body = AppendQueueKey(body, MessageQueue{Topic: "T", BrokerName: "b", QueueID: 1})
	body = append(body, `{"brokerOffset":7,"list":[]}}}`...)
	if json.Valid(body) {
		t.Fatal("fastjson text with object keys is not JSON; the test builds the wrong thing")
	}
	js, err := QuoteObjectKeys(body)
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
	if js, err := QuoteObjectKeys(plain); err != nil || string(js) != string(plain) {
		t.Fatalf("JSON changed: %s %v", js, err)
	}
	for _, bad := range []string{`{{"a":1`, `{"a":1}}`, `{"a`} {
		if _, err := QuoteObjectKeys([]byte(bad)); !errors.Is(err, ErrFastJSON) {
			t.Errorf("%s: err %v, want ErrFastJSON", bad, err)
		}
	}
}
