package broker

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

// producerClient is a test producer: it heartbeats as clientID of group and
// collects the CHECK_TRANSACTION_STATE requests the broker sends it.
type testProducer struct {
	t      *testing.T
	cl     *remoting.Client
	addr   string
	checks chan *remoting.Command
}

func newTestProducer(t *testing.T, addr, group, clientID string) *testProducer {
	t.Helper()
	p := &testProducer{t: t, addr: addr, checks: make(chan *remoting.Command, 64)}
	p.cl = remoting.NewClient(remoting.ClientOptions{Handler: func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
		switch req.Code {
		case remoting.RequestCheckTransactionState:
			p.checks <- req
			return nil
		case remoting.RequestPushReplyMessageToClient:
			p.checks <- req
			return remoting.NewResponse(req, remoting.ResponseSuccess, "")
		}
		return remoting.NewResponse(req, remoting.ResponseRequestCodeNotSupported, "")
	}})
	t.Cleanup(func() { p.cl.Close() })
	p.heartbeat(group, clientID)
	return p
}

func (p *testProducer) heartbeat(group, clientID string) {
	p.t.Helper()
	body, _ := json.Marshal(map[string]any{"clientID": clientID, "producerDataSet": []map[string]string{{"groupName": group}}})
	if resp := call(p.t, p.cl, p.addr, remoting.NewRequest(remoting.RequestHeartBeat, nil, body)); resp.Code != remoting.ResponseSuccess {
		p.t.Fatalf("heartbeat: %v", resp)
	}
}

// sendHalf sends a transactional message of group to topic/queueID and
// returns the send's answer.
func (p *testProducer) sendHalf(group, topic string, queueID int32, body, uniq string) remoting.SendMessageResponseHeader {
	p.t.Helper()
	h := remoting.SendMessageRequestHeader{
		ProducerGroup: group, Topic: topic, DefaultTopic: AutoCreateTopicKey, DefaultTopicQueueNums: 4,
		QueueID: queueID, SysFlag: message.TransactionPreparedType, BornTimestamp: time.Now().UnixMilli(), MaxReconsumeTimes: -1,
		Properties: string(message.EncodeProperties(map[string]string{
			message.PropertyTransactionPrepared: "true", message.PropertyProducerGroup: group,
			message.PropertyUniqKey: uniq, message.PropertyKeys: uniq,
		})),
	}
	resp := call(p.t, p.cl, p.addr, remoting.NewRequest(remoting.RequestSendMessageV2, h.EncodeV2(nil), []byte(body)))
	var rh remoting.SendMessageResponseHeader
	if resp.Code != remoting.ResponseSuccess || rh.Decode(resp.ExtFields) != nil {
		p.t.Fatalf("send half: %v", resp)
	}
	return rh
}

// end sends END_TRANSACTION for the half message at queue offset
// tranOffset and physical offset phys, and returns the answer.
func (p *testProducer) end(group string, tranOffset, phys int64, state int32, fromCheck bool) *remoting.Command {
	p.t.Helper()
	ext := map[string]string{
		"producerGroup": group, "tranStateTableOffset": strconv.FormatInt(tranOffset, 10),
		"commitLogOffset": strconv.FormatInt(phys, 10), "commitOrRollback": strconv.Itoa(int(state)),
		"fromTransactionCheck": strconv.FormatBool(fromCheck), "msgId": "x",
	}
	return call(p.t, p.cl, p.addr, remoting.NewRequest(remoting.RequestEndTransaction, ext, nil))
}

// endSent ends the half message a send answered.
func (p *testProducer) endSent(group string, rh remoting.SendMessageResponseHeader, state int32) *remoting.Command {
	p.t.Helper()
	_, phys, err := message.ParseOffsetMsgID(rh.MsgID)
	if err != nil {
		p.t.Fatal(err)
	}
	return p.end(group, rh.QueueOffset, phys, state, false)
}

// nextCheck waits for a check request.
func (p *testProducer) nextCheck(within time.Duration) *remoting.Command {
	p.t.Helper()
	select {
	case req := <-p.checks:
		return req
	case <-time.After(within):
		p.t.Fatalf("no request from the broker within %v", within)
		return nil
	}
}

// queueBodies pulls every message of topic/queueID.
func queueBodies(t *testing.T, b *Broker, cl *remoting.Client, topic string, queueID int32) []message.Record {
	t.Helper()
	if err := b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	resp := call(t, cl, b.Addr(), pullCommand(topic, queueID, 0, 0))
	if resp.Code != remoting.ResponseSuccess {
		return nil
	}
	return decodeRecords(t, resp.Body)
}

func fastChecks(o *Options) {
	o.TransactionCheckInterval = 50 * time.Millisecond
	o.TransactionTimeout = 200 * time.Millisecond
}

func TestTransactionCommitAndRollback(t *testing.T) {
	b := testBrokerWith(t, t.TempDir(), fastChecks)
	defer b.Close()
	p := newTestProducer(t, b.Addr(), "tpg", "client-1")

	commit := p.sendHalf("tpg", "Txn", 1, "to-commit", "u1")
	if commit.QueueID != 1 {
		t.Fatalf("the send answered queue %d, want the real queue 1", commit.QueueID)
	}
	rollback := p.sendHalf("tpg", "Txn", 1, "to-roll-back", "u2")
	if recs := queueBodies(t, b, p.cl, "Txn", 1); len(recs) != 0 {
		t.Fatalf("a half message is visible to consumers: %q", recs[0].Body)
	}
	if resp := p.endSent("tpg", commit, message.TransactionCommitType); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("commit: %v", resp)
	}
	if resp := p.endSent("tpg", rollback, message.TransactionRollbackType); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("rollback: %v", resp)
	}
	recs := queueBodies(t, b, p.cl, "Txn", 1)
	if len(recs) != 1 || string(recs[0].Body) != "to-commit" {
		t.Fatalf("after commit and rollback the queue holds %d messages", len(recs))
	}
	r := recs[0]
	_, halfPhys, _ := message.ParseOffsetMsgID(commit.MsgID)
	if message.TransactionType(r.SysFlag) != message.TransactionCommitType || r.PreparedTransactionOffset != halfPhys ||
		r.Properties.Get(message.PropertyRealTopic) != "" || r.Properties.Get(message.PropertyTransactionPrepared) != "" ||
		r.Properties.Get(message.PropertyUniqKey) != "u1" {
		t.Fatalf("committed record: sysFlag %#x, prepared offset %d, properties %q", r.SysFlag, r.PreparedTransactionOffset, r.Properties)
	}

	// Ending either again is refused, also once the check service has
	// passed them: nothing is delivered twice.
	for _, rh := range []remoting.SendMessageResponseHeader{commit, rollback} {
		if resp := p.endSent("tpg", rh, message.TransactionCommitType); resp.Code != remoting.ResponseSystemError {
			t.Fatalf("a second commit answered %v", resp)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if off, _ := b.offsets.query(transCheckGroup, TransHalfTopic, 0); off >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the check service did not pass the resolved half messages")
		}
	}
	for _, rh := range []remoting.SendMessageResponseHeader{commit, rollback} {
		if resp := p.endSent("tpg", rh, message.TransactionCommitType); resp.Code != remoting.ResponseSystemError {
			t.Fatalf("a second commit answered %v", resp)
		}
	}
	// A wrong group or offset is refused too.
	other := p.sendHalf("tpg", "Txn", 1, "other", "u3")
	if resp := p.endSent("other-group", other, message.TransactionCommitType); resp.Code != remoting.ResponseSystemError {
		t.Fatalf("a commit by another group answered %v", resp)
	}
	_, otherPhys, _ := message.ParseOffsetMsgID(other.MsgID)
	if resp := p.end("tpg", other.QueueOffset+1, otherPhys, message.TransactionCommitType, false); resp.Code != remoting.ResponseSystemError {
		t.Fatalf("a commit naming the wrong queue offset answered %v", resp)
	}
	if recs := queueBodies(t, b, p.cl, "Txn", 1); len(recs) != 1 {
		t.Fatalf("the queue holds %d messages after refused commits", len(recs))
	}
	if resp := p.end("tpg", 0, r.PhysicalOffset, message.TransactionCommitType, false); resp.Code != remoting.ResponseSystemError {
		t.Fatalf("committing a message that is not a half message answered %v", resp)
	}
	// Resolved half messages are never checked.
	for range 2 {
		select {
		case req := <-p.checks:
			if id := req.ExtFields["msgId"]; id == "u1" || id == "u2" {
				t.Fatalf("resolved message %s was checked", id)
			}
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func TestTransactionUnknownIsCheckedAndCommittedOnce(t *testing.T) {
	b := testBrokerWith(t, t.TempDir(), fastChecks)
	defer b.Close()
	p := newTestProducer(t, b.Addr(), "tpg", "client-1")
	sent := p.sendHalf("tpg", "Txn", 2, "unknown", "u-unknown")
	if resp := p.endSent("tpg", sent, message.TransactionNotType); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("end with an unknown state: %v", resp)
	}
	req := p.nextCheck(10 * time.Second)
	e := req.ExtFields
	rec, err := message.Decode(req.Body, true)
	if err != nil {
		t.Fatal(err)
	}
	if e["msgId"] != "u-unknown" || e["transactionId"] != "u-unknown" || rec.Topic != "Txn" || rec.QueueID != 2 ||
		string(rec.Body) != "unknown" || rec.Properties.Get(propCheckTimes) != "1" ||
		e["offsetMsgId"] != rec.OffsetMsgID() || e["commitLogOffset"] != strconv.FormatInt(rec.PhysicalOffset, 10) {
		t.Fatalf("check request %v with record %s/%d %q", e, rec.Topic, rec.QueueID, rec.Properties)
	}
	copyOffset, _ := strconv.ParseInt(e["tranStateTableOffset"], 10, 64)
	if copyOffset == sent.QueueOffset {
		t.Fatal("the check names the original half message, not its copy")
	}
	// The producer answers the check, and its answer to the send arrives
	// late too: one message is delivered.
	if resp := p.end("tpg", copyOffset, rec.PhysicalOffset, message.TransactionCommitType, true); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("commit from the check: %v", resp)
	}
	if resp := p.endSent("tpg", sent, message.TransactionCommitType); resp.Code != remoting.ResponseSystemError {
		t.Fatalf("a late commit of the original answered %v", resp)
	}
	recs := queueBodies(t, b, p.cl, "Txn", 2)
	if len(recs) != 1 || string(recs[0].Body) != "unknown" {
		t.Fatalf("the queue holds %d messages", len(recs))
	}
	select {
	case req := <-p.checks:
		t.Fatalf("checked again after the commit: %v", req.ExtFields)
	case <-time.After(500 * time.Millisecond):
	}
}

func TestTransactionCheckedTooOftenMovesToCheckMaxTopic(t *testing.T) {
	b := testBrokerWith(t, t.TempDir(), func(o *Options) {
		fastChecks(o)
		o.TransactionCheckMax = 2
	})
	defer b.Close()
	p := newTestProducer(t, b.Addr(), "tpg", "client-1")
	p.sendHalf("tpg", "Txn", 0, "never-answered", "u-silent")
	for i := 1; i <= 2; i++ {
		if req := p.nextCheck(10 * time.Second); req.ExtFields["msgId"] != "u-silent" {
			t.Fatalf("check %d: %v", i, req.ExtFields)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if recs := queueBodies(t, b, p.cl, TransCheckMaxTimeTopic, 0); len(recs) == 1 {
			if recs[0].Properties.Get(message.PropertyRealTopic) != "Txn" {
				t.Fatalf("discarded record properties %q", recs[0].Properties)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the half message did not reach " + TransCheckMaxTimeTopic)
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case req := <-p.checks:
		t.Fatalf("a third check after %d: %v", 2, req.ExtFields)
	case <-time.After(500 * time.Millisecond):
	}
	if recs := queueBodies(t, b, p.cl, "Txn", 0); len(recs) != 0 {
		t.Fatal("a discarded half message was delivered")
	}
}

func TestTransactionStateSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	b := testBrokerWith(t, dir, func(o *Options) { o.TransactionTimeout = time.Hour })
	p := newTestProducer(t, b.Addr(), "tpg", "client-1")
	committed := p.sendHalf("tpg", "Txn", 0, "committed-before", "u-before")
	p.sendHalf("tpg", "Txn", 0, "open-across", "u-open")
	if resp := p.endSent("tpg", committed, message.TransactionCommitType); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("commit: %v", resp)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	b = testBrokerWith(t, dir, fastChecks)
	defer b.Close()
	p = newTestProducer(t, b.Addr(), "tpg", "client-1")
	req := p.nextCheck(10 * time.Second)
	if req.ExtFields["msgId"] != "u-open" {
		t.Fatalf("after the restart %s was checked", req.ExtFields["msgId"])
	}
	rec, err := message.Decode(req.Body, true)
	if err != nil {
		t.Fatal(err)
	}
	off, _ := strconv.ParseInt(req.ExtFields["tranStateTableOffset"], 10, 64)
	if resp := p.end("tpg", off, rec.PhysicalOffset, message.TransactionCommitType, true); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("commit after the restart: %v", resp)
	}
	recs := queueBodies(t, b, p.cl, "Txn", 0)
	got := map[string]int{}
	for _, r := range recs {
		got[string(r.Body)]++
	}
	if len(recs) != 2 || got["committed-before"] != 1 || got["open-across"] != 1 {
		t.Fatalf("after the restart the queue holds %v", got)
	}
}

func TestTransactionRequestsRefused(t *testing.T) {
	b := testBroker(t, t.TempDir())
	defer b.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	withProps := func(topic string, sysFlag int32, props map[string]string, code int16) *remoting.Command {
		h := remoting.SendMessageRequestHeader{ProducerGroup: "pg", Topic: topic, DefaultTopic: AutoCreateTopicKey,
			DefaultTopicQueueNums: 4, SysFlag: sysFlag, BornTimestamp: time.Now().UnixMilli(), MaxReconsumeTimes: -1,
			Properties: string(message.EncodeProperties(props))}
		return remoting.NewRequest(code, h.EncodeV2(nil), []byte("x"))
	}
	batch, _ := message.EncodeBatch([]message.Message{{Body: []byte("a")}})
	batchReq := withProps("T", message.TransactionPreparedType, map[string]string{message.PropertyTransactionPrepared: "true"}, remoting.RequestSendBatchMessage)
	batchReq.Body = batch
	for name, tc := range map[string]struct {
		req  *remoting.Command
		code int16
	}{
		"delayed transaction":    {withProps("T", 0, map[string]string{message.PropertyTransactionPrepared: "true", message.PropertyDelayLevel: "2"}, remoting.RequestSendMessageV2), remoting.ResponseMessageIllegal},
		"commit type in a send":  {withProps("T", message.TransactionCommitType, nil, remoting.RequestSendMessageV2), remoting.ResponseMessageIllegal},
		"send to the half topic": {withProps(TransHalfTopic, 0, nil, remoting.RequestSendMessageV2), remoting.ResponseNoPermission},
		"transactional batch":    {batchReq, remoting.ResponseMessageIllegal},
		"end without offsets":    {remoting.NewRequest(remoting.RequestEndTransaction, map[string]string{"producerGroup": "pg", "commitOrRollback": "8"}, nil), remoting.ResponseInvalidParameter},
		"end with a bad state": {remoting.NewRequest(remoting.RequestEndTransaction, map[string]string{"producerGroup": "pg", "tranStateTableOffset": "0",
			"commitLogOffset": "0", "commitOrRollback": "3"}, nil), remoting.ResponseInvalidParameter},
	} {
		if resp := call(t, cl, b.Addr(), tc.req); resp.Code != tc.code {
			t.Errorf("%s: answered %v, want code %d", name, resp, tc.code)
		}
	}
	if _, ok := b.topics.get("T"); ok && b.store.GetMaxOffsetInQueue(TransHalfTopic, 0) != 0 {
		t.Fatal("a refused send stored a half message")
	}
}

func TestEndTransactionOnASlaveIsRefused(t *testing.T) {
	b := testBrokerWith(t, t.TempDir(), func(o *Options) { o.BrokerID = 1 })
	defer b.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	ext := map[string]string{"producerGroup": "pg", "tranStateTableOffset": "0", "commitLogOffset": "0", "commitOrRollback": fmt.Sprint(message.TransactionCommitType)}
	if resp := call(t, cl, b.Addr(), remoting.NewRequest(remoting.RequestEndTransaction, ext, nil)); resp.Code != remoting.ResponseSlaveNotAvailable {
		t.Fatalf("END_TRANSACTION on a broker with id 1 answered %v", resp)
	}
}
