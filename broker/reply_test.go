package broker

import (
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

func TestReplyIsPushedToTheRequesterAndStored(t *testing.T) {
	b := testBroker(t, t.TempDir())
	defer b.Close()
	requester := newTestProducer(t, b.Addr(), "requesters", "host@requester")
	replier := remoting.NewClient(remoting.ClientOptions{})
	defer replier.Close()

	reply := func(to string) *remoting.Command {
		h := remoting.SendMessageRequestHeader{ProducerGroup: "repliers", Topic: b.replyTopic(), DefaultTopic: AutoCreateTopicKey,
			DefaultTopicQueueNums: 4, QueueID: 0, BornTimestamp: time.Now().UnixMilli(), MaxReconsumeTimes: -1,
			Properties: string(message.EncodeProperties(map[string]string{
				propReplyToClient: to, "CORRELATION_ID": "corr-1", "MSG_TYPE": "reply",
			}))}
		return call(t, replier, b.Addr(), remoting.NewRequest(remoting.RequestSendReplyMessage, h.Encode(nil), []byte("the answer")))
	}
	if resp := reply("host@requester"); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("reply: %v", resp)
	}
	push := requester.nextCheck(5 * time.Second)
	props := message.Properties(push.ExtFields["properties"])
	if push.Code != remoting.RequestPushReplyMessageToClient || string(push.Body) != "the answer" ||
		props.Get("CORRELATION_ID") != "corr-1" || props.Get(propPushReplyTime) == "" || push.ExtFields["topic"] != "DefaultCluster_REPLY_TOPIC" {
		t.Fatalf("push: code %d ext %v body %q", push.Code, push.ExtFields, push.Body)
	}
	if recs := queueBodies(t, b, replier, b.replyTopic(), 0); len(recs) != 1 || string(recs[0].Body) != "the answer" {
		t.Fatalf("the reply topic holds %d messages", len(recs))
	}
	// A reply to nobody known is refused, and not stored.
	if resp := reply("host@gone"); resp.Code != remoting.ResponseSystemError {
		t.Fatalf("a reply to an unknown client answered %v", resp)
	}
	if resp := reply(""); resp.Code != remoting.ResponseSystemError {
		t.Fatalf("a reply without REPLY_TO_CLIENT answered %v", resp)
	}
	if recs := queueBodies(t, b, replier, b.replyTopic(), 0); len(recs) != 1 {
		t.Fatalf("refused replies were stored: %d messages", len(recs))
	}
}

func TestSendsAnswerTraceOnAndTheTraceTopicExists(t *testing.T) {
	for _, tc := range []struct {
		name      string
		set       func(*Options)
		traceOn   string
		traceTopc string
	}{
		{"defaults", nil, "true", ""},
		{"traceTopicEnable", func(o *Options) { o.TraceTopicEnable = true }, "true", DefaultTraceTopic},
		{"own trace topic, traceOn=false", func(o *Options) {
			o.TraceTopicEnable, o.MsgTraceTopicName, o.DisableTraceOn = true, "MyTraces", true
		}, "false", "MyTraces"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := testBrokerWith(t, t.TempDir(), tc.set)
			defer b.Close()
			cl := remoting.NewClient(remoting.ClientOptions{})
			defer cl.Close()
			resp := call(t, cl, b.Addr(), sendRequest("Traced", 0, "x", "k"))
			if resp.ExtFields[remoting.KeyTraceOn] != tc.traceOn || resp.ExtFields[remoting.KeyMsgRegion] != defaultRegionID {
				t.Fatalf("send answered %v", resp.ExtFields)
			}
			_, hasDefault := b.topics.get(DefaultTraceTopic)
			if tc.traceTopc != "" {
				if _, ok := b.topics.get(tc.traceTopc); !ok {
					t.Fatalf("no trace topic %s", tc.traceTopc)
				}
			} else if hasDefault {
				t.Fatal("the trace topic exists without traceTopicEnable")
			}
			if _, ok := b.topics.get(b.replyTopic()); !ok {
				t.Fatal("no reply topic")
			}
		})
	}
}
