package broker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

// BenchmarkPullFilteredQueue drains a queue of 10,000 messages (256-byte
// bodies) of which one in ten is tagged "Wanted", over loopback, and
// reports the pull-response bytes per delivered (wanted) message:
//
//   - client-side: the pull asks for "*" and the consumer drops the other
//     tags, which is what every message cost before the broker filtered
//     (and what it costs when the subscription is not by tag);
//   - tag: the broker filters by the tag hash in the consume queue;
//   - sql92: the broker evaluates TAGS = 'Wanted' on each record.
func BenchmarkPullFilteredQueue(b *testing.B) {
	const total, oneIn, bodySize = 10_000, 10, 256
	br := newRoleBroker(b, b.TempDir(), RoleAsyncMaster, "", "", func(o *Options) { o.EnablePropertyFilter = true })
	defer br.Close()
	if err := br.topics.put(newTopicConfig("Bench", 1, DefaultPerm)); err != nil {
		b.Fatal(err)
	}
	body := make([]byte, bodySize)
	for i := range total {
		tag := "Other"
		if i%oneIn == 0 {
			tag = "Wanted"
		}
		m := &message.Message{Topic: "Bench", Body: body,
			Properties: message.EncodeProperties(map[string]string{message.PropertyTags: tag})}
		if _, err := br.store.PutMessage(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
	if err := br.store.WaitDispatched(30 * time.Second); err != nil {
		b.Fatal(err)
	}
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	for _, mode := range []struct{ name, typ, expr string }{
		{"client-side", "TAG", "*"},
		{"tag", "TAG", "Wanted"},
		{"sql92", "SQL92", "TAGS = 'Wanted'"},
	} {
		b.Run(mode.name, func(b *testing.B) {
			var bytes, delivered, pulls int64
			for b.Loop() {
				n, d, p := drainQueue(b, cl, br.Addr(), mode.typ, mode.expr)
				bytes, delivered, pulls = bytes+n, delivered+d, pulls+p
			}
			if delivered != int64(b.N)*total/oneIn {
				b.Fatalf("delivered %d, want %d", delivered, b.N*total/oneIn)
			}
			b.ReportMetric(float64(bytes)/float64(delivered), "pull-B/delivered")
			b.ReportMetric(float64(pulls)/float64(b.N), "pulls/op")
		})
	}
}

// drainQueue pulls queue 0 of "Bench" from its start to its end with the
// given subscription, keeping the "Wanted" messages as a consumer would;
// it returns the response-body bytes, the messages kept and the pulls.
func drainQueue(b *testing.B, cl *remoting.Client, addr, typ, expr string) (bytes, delivered, pulls int64) {
	offset := int64(0)
	for {
		h := remoting.PullMessageRequestHeader{ConsumerGroup: "bench", Topic: "Bench", QueueOffset: offset,
			MaxMsgNums: 32, SysFlag: pullSubscription, ExpressionType: typ, Subscription: expr}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := cl.InvokeSync(ctx, addr, remoting.NewRequest(remoting.RequestPullMessage, h.Encode(nil), nil))
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		pulls++
		var rh remoting.PullMessageResponseHeader
		if err := rh.Decode(resp.ExtFields); err != nil {
			b.Fatal(err)
		}
		switch resp.Code {
		case remoting.ResponseSuccess:
			bytes += int64(len(resp.Body))
			for rest := resp.Body; len(rest) > 0; {
				rec, err := message.Decode(rest, false)
				if err != nil {
					b.Fatal(err)
				}
				if rec.Tags() == "Wanted" {
					delivered++
				}
				rest = rest[rec.StoreSize:]
			}
		case remoting.ResponsePullRetryImmediately:
		case remoting.ResponsePullNotFound:
			return bytes, delivered, pulls
		default:
			b.Fatal(fmt.Errorf("pull: code %d %s", resp.Code, resp.Remark))
		}
		offset = rh.NextBeginOffset
	}
}
