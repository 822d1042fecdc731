package broker

import (
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// TestNewGroupStartsAtZeroOnlyWhileTheQueueStartIsInMemory checks RocketMQ
// 4.9's answer to QUERY_CONSUMER_OFFSET for a group that never committed:
// offset 0 while the queue's first message lies within the in-memory ratio
// of the log's end, QUERY_NOT_FOUND (the client then starts where its
// ConsumeFromWhere says) once it is further behind.
func TestNewGroupStartsAtZeroOnlyWhileTheQueueStartIsInMemory(t *testing.T) {
	b := testBrokerWith(t, t.TempDir(), func(o *Options) {
		o.Store.MemoryBytes = 1 << 20 // 40% of it, ~410 KiB, counts as in memory
	})
	defer b.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	call(t, cl, b.Addr(), sendRequest("Old", 0, "first", "k"))
	filler := strings.Repeat("f", 1024)
	for range 600 {
		call(t, cl, b.Addr(), sendRequest("Filler", 0, filler, "f"))
	}
	call(t, cl, b.Addr(), sendRequest("Young", 0, "first", "k"))
	if err := b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	query := func(topic string) *remoting.Command {
		h := remoting.QueryConsumerOffsetRequestHeader{ConsumerGroup: "new-group", Topic: topic, QueueID: 0}
		return call(t, cl, b.Addr(), remoting.NewRequest(remoting.RequestQueryConsumerOffset, h.Encode(nil), nil))
	}
	if resp := query("Old"); resp.Code != remoting.ResponseQueryNotFound {
		t.Fatalf("a queue whose start is on disk answered %v", resp)
	}
	for _, topic := range []string{"Young", "NoSuchTopic"} {
		var oh remoting.OffsetResponseHeader
		if resp := query(topic); resp.Code != remoting.ResponseSuccess || oh.Decode(resp.ExtFields) != nil || oh.Offset != 0 {
			t.Fatalf("%s answered %v, want offset 0", topic, resp)
		}
	}
}
