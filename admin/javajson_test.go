package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

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
