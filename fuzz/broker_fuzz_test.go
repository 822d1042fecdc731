package fuzz

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/acl"
	"github.com/rocketstore/rocketstore/broker"
	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// The broker under fuzzing checks every request against these accounts:
// the well-behaved client owns topic Good and group good-cg; the attackers'
// account may do anything else but touch those, or use admin codes.
const fuzzACL = `accounts:
  - accessKey: goodClient
    secretKey: goodSecret
    defaultTopicPerm: DENY
    defaultGroupPerm: DENY
    topicPerms: [Good=PUB|SUB]
    groupPerms: [good-cg=SUB]
  - accessKey: attacker
    secretKey: attackerSecret
    defaultTopicPerm: PUB|SUB
    defaultGroupPerm: PUB|SUB
    topicPerms: [Good=DENY]
    groupPerms: [good-cg=DENY]
`

// fuzzCodes are the request codes the attackers send: every processor the
// broker has, and two it has not.
var fuzzCodes = []int16{
	remoting.RequestSendMessage, remoting.RequestSendMessageV2, remoting.RequestSendBatchMessage,
	remoting.RequestPullMessage, remoting.RequestQueryMessage, remoting.RequestViewMessageByID,
	remoting.RequestHeartBeat, remoting.RequestUnregisterClient, remoting.RequestConsumerSendMsgBack,
	remoting.RequestEndTransaction, remoting.RequestGetConsumerListByGroup, remoting.RequestQueryConsumerOffset,
	remoting.RequestUpdateConsumerOffset, remoting.RequestUpdateAndCreateTopic, remoting.RequestGetAllTopicConfig,
	remoting.RequestGetMaxOffset, remoting.RequestGetMinOffset, remoting.RequestSearchOffsetByTimestamp,
	remoting.RequestDeleteTopicInBroker, remoting.RequestLockBatchMQ, remoting.RequestUnlockBatchMQ,
	remoting.RequestGetBrokerRuntimeInfo, remoting.RequestGetTopicStatsInfo, remoting.RequestGetConsumeStats,
	remoting.RequestSendReplyMessageV2, remoting.RequestCheckClientConfig, remoting.RequestUpdateBrokerConfig,
	remoting.RequestInvokeBrokerToResetOffset, remoting.RequestUpdateAndCreateACLConfig, remoting.RequestQueryConsumeQueue,
	remoting.RequestGetTimerCheckPoint, 999, -1,
}

// fuzzKeys are header keys of those codes (the V2 send header's single
// letters among them).
var fuzzKeys = []string{"topic", "queueId", "queueOffset", "maxMsgNums", "sysFlag", "commitOffset", "suspendTimeoutMillis",
	"subscription", "subVersion", "expressionType", "consumerGroup", "producerGroup", "defaultTopic", "defaultTopicQueueNums",
	"bornTimestamp", "properties", "key", "maxNum", "beginTimestamp", "endTimestamp", "offset", "group", "delayLevel",
	"commitLogOffset", "tranStateTableOffset", "commitOrRollback", "timestamp", "clientID",
	"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "m"}

// fuzzValues are the values they take, besides bytes of the script.
var fuzzValues = []string{"", "0", "1", "-1", "3", "32", "Good", "good-cg", "Evil", "evil-cg", "%RETRY%good-cg", "TBW102",
	"9223372036854775807", "-9223372036854775808", "2147483648", "true", "*", "TAG", "SQL92", "a > 1",
	"KEYS\x01k\x02TAGS\x01t\x02", "\x01\x02\x01"}

// fuzzBroker starts a broker with ACL on, its store in memory.
func fuzzBroker(t *testing.T) *broker.Broker {
	t.Helper()
	dir := t.TempDir()
	aclPath := filepath.Join(dir, "plain_acl.yml")
	if err := os.WriteFile(aclPath, []byte(fuzzACL), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := broker.New(&broker.Options{
		ListenAddr: "127.0.0.1:0", DataDir: dir, ACLEnable: true, ACLFile: aclPath,
		SuspendMax: 200 * time.Millisecond, MaxSuspendedPullsPerConn: 8, Logger: discardLogger,
		Store: store.Options{
			CommitLog:                commitlog.Options{FileSize: 1 << 20, MaxMessageSize: 64 << 10},
			ConsumeQueueUnitsPerFile: 256, IndexSlotCount: 256, IndexMaxEntries: 1024,
			CleanResourceInterval: -1, FS: mappedfile.NewMemFS(), DelayLevels: "100ms",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// attackRequest builds a request from the script at p and says how many
// bytes it used.
func attackRequest(script []byte, p int) (*remoting.Command, int) {
	take := func() byte {
		if p < len(script) {
			p++
			return script[p-1]
		}
		return 0
	}
	start := p
	code := fuzzCodes[int(take())%len(fuzzCodes)]
	ext := map[string]string{}
	for range int(take() % 8) {
		k := fuzzKeys[int(take())%len(fuzzKeys)]
		if v := take(); v >= 0xe0 && p < len(script) {
			n := min(int(v-0xe0), len(script)-p)
			ext[k] = string(script[p : p+n])
			p += n
		} else {
			ext[k] = fuzzValues[int(v)%len(fuzzValues)]
		}
	}
	var body []byte
	switch take() % 4 {
	case 1: // raw bytes
		n := min(int(take()), len(script)-p)
		body = script[p : p+n]
		p += n
	case 2: // a heartbeat naming groups and topics
		body, _ = json.Marshal(map[string]any{"clientID": "attacker-" + strconv.Itoa(p),
			"consumerDataSet": []any{map[string]any{"groupName": fuzzValues[int(take())%len(fuzzValues)],
				"subscriptionDataSet": []any{map[string]any{"topic": fuzzValues[int(take())%len(fuzzValues)], "subString": "*"}}}}})
	case 3: // a record as a body (forgery)
		rec := message.Record{Message: message.Message{Topic: "Good", Body: []byte("forged")}, PhysicalOffset: int64(take()) * 64}
		rec.BodyCRC = message.BodyCRC(rec.Body)
		buf := make([]byte, 512)
		if n, err := message.Encode(buf, &rec); err == nil {
			body = buf[:n]
		}
	}
	req := remoting.NewRequest(code, ext, body)
	switch take() % 4 {
	case 0, 1:
		acl.Sign(req, "attacker", "attackerSecret")
	case 2:
		acl.Sign(req, "goodClient", "not-the-secret")
	}
	if take()%8 == 0 {
		req.Flag |= remoting.FlagOneway
	}
	return req, p - start
}

// FuzzBrokerUnderMixedRequests drives a broker (ACL on) with a script of
// requests on up to four connections — requests of every code with
// headers and bodies drawn from the script, signed, unsigned or with a
// wrong secret, raw bytes, closes — while a well-behaved client sends to
// and pulls from its own topic. The client's every send is stored at the
// next offset and pulled back intact, whatever the attackers did.
func FuzzBrokerUnderMixedRequests(f *testing.F) {
	f.Add([]byte{2, 0x01, 0, 3, 1, 0, 0, 0, 0, 0x11, 3, 2, 4, 0, 0, 0, 0, 0x21, 6, 1, 3, 4, 2, 0})
	f.Add([]byte{3, 0x01, 3, 2, 2, 7, 11, 9, 2, 0, 0, 0x31, 1, 0xff, 0, 3, 3, 1, 0})
	f.Add([]byte{1, 0x02, 40, 0x00, 0, 0, 0, 0, 0x13, 0x01, 18, 1, 4, 12, 2, 1, 0})
	f.Add([]byte{4, 0x01, 5, 3, 1, 2, 3, 7, 5, 12, 0xe3, 'a', 'b', 'c', 0, 0, 0x03, 0, 0x01, 32, 0, 0, 0, 0})
	f.Fuzz(runBrokerScript)
}

// runBrokerScript runs one script of FuzzBrokerUnderMixedRequests.
func runBrokerScript(t *testing.T, script []byte) {
	if len(script) == 0 {
		return
	}
	b := fuzzBroker(t)
	attackers := make([]net.Conn, 1+int(script[0])%4)
	for i := range attackers {
		nc, err := net.Dial("tcp", b.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if script[0]&0x80 == 0 { // readers, or not: both must be survived
			go io.Copy(io.Discard, nc)
		}
		attackers[i] = nc
	}
	good := &goodClient{t: t, cl: remoting.NewClient(remoting.ClientOptions{}), addr: b.Addr()}
	defer good.cl.Close()
	for step, p := 0, 1; p < len(script) && step < 200; step++ {
		op := script[p]
		p++
		nc := attackers[int(op>>4)%len(attackers)]
		var out []byte
		switch op & 0x3 {
		case 0, 1: // a request
			req, n := attackRequest(script, p)
			p += n
			out, _ = remoting.Encode(nil, req, remoting.SerializeType(op>>2&1))
		case 2: // raw bytes
			n := 0
			if p < len(script) {
				n = min(int(script[p]), len(script)-p-1)
				out = script[p+1 : p+1+n]
			}
			p += 1 + n
		case 3:
			nc.Close()
		}
		if len(out) > 0 {
			if err := nc.SetWriteDeadline(time.Now().Add(50 * time.Millisecond)); err == nil {
				nc.Write(out) // the broker may have closed it or stopped reading: both are fine
			}
		}
		if step%4 == 0 {
			good.roundTrip(script[:p])
		}
	}
	good.roundTrip(script)
}

// goodClient sends to topic Good, queue 0, and pulls each message back.
type goodClient struct {
	t    *testing.T
	cl   *remoting.Client
	addr string
	sent int64
}

func (g *goodClient) call(req *remoting.Command) *remoting.Command {
	g.t.Helper()
	acl.Sign(req, "goodClient", "goodSecret")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := g.cl.InvokeSync(ctx, g.addr, req)
	if err != nil {
		g.t.Fatalf("the well-behaved client's call failed: %v", err)
	}
	return resp
}

// roundTrip sends one message and pulls it back.
func (g *goodClient) roundTrip(script []byte) {
	g.t.Helper()
	body := fmt.Sprintf("good-%d", g.sent)
	h := remoting.SendMessageRequestHeader{ProducerGroup: "good-pg", Topic: "Good", DefaultTopic: broker.AutoCreateTopicKey,
		DefaultTopicQueueNums: 1, QueueID: 0, BornTimestamp: time.Now().UnixMilli(), MaxReconsumeTimes: -1}
	resp := g.call(remoting.NewRequest(remoting.RequestSendMessageV2, h.EncodeV2(nil), []byte(body)))
	var rh remoting.SendMessageResponseHeader
	if resp.Code != remoting.ResponseSuccess || rh.Decode(resp.ExtFields) != nil || rh.QueueOffset != g.sent {
		g.t.Fatalf("script %x: the good send %d answered %v", script, g.sent, resp)
	}
	ph := remoting.PullMessageRequestHeader{ConsumerGroup: "good-cg", Topic: "Good", QueueID: 0, QueueOffset: g.sent,
		MaxMsgNums: 1, SuspendTimeoutMillis: 2000, SysFlag: 0x2 | 0x4, SubVersion: 1, ExpressionType: "TAG", Subscription: "*"}
	resp = g.call(remoting.NewRequest(remoting.RequestPullMessage, ph.Encode(nil), nil))
	if resp.Code != remoting.ResponseSuccess {
		g.t.Fatalf("script %x: the good pull of %d answered %v", script, g.sent, resp)
	}
	rec, err := message.Decode(resp.Body, true)
	if err != nil || string(rec.Body) != body || rec.QueueOffset != g.sent {
		g.t.Fatalf("script %x: the good pull of %d got %q at %d: %v", script, g.sent, rec.Body, rec.QueueOffset, err)
	}
	g.sent++
}

// discardLogger keeps the attackers' thousands of refusals out of the
// fuzzer's output.
var discardLogger = slog.New(slog.NewTextHandler(io.Discard, nil))
