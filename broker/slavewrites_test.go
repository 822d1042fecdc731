package broker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/timer"
)

// commitLogBytes reads a whole commit log.
func commitLogBytes(t *testing.T, l *commitlog.Log) []byte {
	t.Helper()
	var out []byte
	for at := l.MinOffset(); at < l.MaxOffset(); {
		s, err := l.ReadRange(at, 1<<20)
		if err != nil {
			t.Fatalf("read %d: %v", at, err)
		}
		if len(s.Bytes) == 0 { // the rest of a file is free
			s.Release()
			at += int64(l.FileSize()) - at%int64(l.FileSize())
			continue
		}
		out = append(out, s.Bytes...)
		at += int64(len(s.Bytes))
		s.Release()
	}
	return out
}

func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func delayedRequest(topic, body string, level int) *remoting.Command {
	req := sendRequest(topic, 0, body, body)
	var h remoting.SendMessageRequestHeader
	_ = h.DecodeV2(req.ExtFields)
	h.Properties = string(message.Properties(h.Properties).Set(message.PropertyDelayLevel, fmt.Sprint(level)))
	req.ExtFields = h.EncodeV2(nil)
	return req
}

// TestSlaveNeverWritesItsOwnLog sends delayed messages and consumer retries
// through a master with a slave: the master's scheduler delivers them, the
// slave copies the master's progress and never runs a scheduler of its
// own, so the two commit logs stay equal byte for byte. A slave refuses
// every put, whatever asks for it.
func TestSlaveNeverWritesItsOwnLog(t *testing.T) {
	master := roleBroker(t, RoleSyncMaster, "", "")
	defer master.Close()
	// The slave copies the master's delay progress only every 2 s: a slave
	// scheduler, had one run, would deliver the messages on its own first.
	slave := newRoleBroker(t, t.TempDir(), RoleSlave, master.HAAddr(), master.Addr(), func(o *Options) { o.SlaveSyncInterval = 2 * time.Second })
	defer slave.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	waitUntil(t, 10*time.Second, "the slave to connect", master.hasSlaveInSync)

	const n = 20
	for i := range n {
		if resp := call(t, cl, master.Addr(), timerRequest("Timed", fmt.Sprint("t", i), map[string]string{timer.PropertyDelayMs: fmt.Sprint(100 + i*10)})); resp.Code != remoting.ResponseSuccess {
			t.Fatalf("timer send %d: %v", i, resp)
		}
		if resp := call(t, cl, master.Addr(), delayedRequest("Later", fmt.Sprint("d", i), 1+i%3)); resp.Code != remoting.ResponseSuccess {
			t.Fatalf("delayed send %d: %v", i, resp)
		}
		resp := call(t, cl, master.Addr(), sendRequest("Fails", 0, fmt.Sprint("f", i), "f"))
		var h remoting.SendMessageResponseHeader
		if resp.Code != remoting.ResponseSuccess || h.Decode(resp.ExtFields) != nil {
			t.Fatalf("send %d: %v", i, resp)
		}
		_, phys, _ := message.ParseOffsetMsgID(h.MsgID)
		ext := map[string]string{"offset": fmt.Sprint(phys), "group": "cg", "delayLevel": "0", "originMsgId": h.MsgID, "maxReconsumeTimes": "16"}
		if resp := call(t, cl, master.Addr(), remoting.NewRequest(remoting.RequestConsumerSendMsgBack, ext, nil)); resp.Code != remoting.ResponseSuccess {
			t.Fatalf("send back %d: %v", i, resp)
		}
		// The slave takes none of it.
		if resp := call(t, cl, slave.Addr(), remoting.NewRequest(remoting.RequestConsumerSendMsgBack, ext, nil)); resp.Code != remoting.ResponseServiceNotAvailable {
			t.Fatalf("send back to the slave: %v", resp)
		}
	}
	waitUntil(t, 20*time.Second, "the master to deliver the delayed messages, timer messages and retries", func() bool {
		return master.store.GetMaxOffsetInQueue("Later", 0) == n && master.store.GetMaxOffsetInQueue("%RETRY%cg", 0) == n &&
			master.store.GetMaxOffsetInQueue("Timed", 0) == n
	})
	ml, sl := master.store.CommitLog(), slave.store.CommitLog()
	waitUntil(t, 20*time.Second, "the slave to copy the log, the delay progress and the timer checkpoint", func() bool {
		mcp, _ := master.timer.Load().Checkpoint()
		scp, ok, err := timer.ReadCheckpoint(nil, slave.store.Root())
		return sl.MaxOffset() == ml.MaxOffset() && slave.store.DispatchBehindBytes() == 0 &&
			maps.Equal(slave.schedule.snapshot().OffsetTable, master.schedule.snapshot().OffsetTable) &&
			err == nil && ok && scp.FromMaster && scp.QueueOffset == n && scp.QueueOffset == mcp.QueueOffset
	})
	if slave.timer.Load() != nil {
		t.Fatal("a timer runs on the slave")
	}
	if got := slave.store.GetMaxOffsetInQueue("Later", 0); got != n {
		t.Fatalf("the slave's topic holds %d delayed messages, the master delivered %d", got, n)
	}
	if m, s := commitLogBytes(t, ml), commitLogBytes(t, sl); !bytes.Equal(m, s) {
		t.Fatalf("the slave's commit log (%d bytes) differs from the master's (%d bytes)", len(s), len(m))
	}
	if _, err := slave.putMessage(context.Background(), &message.Message{Topic: "Later", Body: []byte("x")}); !errors.Is(err, ErrSlaveNoWrite) {
		t.Fatalf("a put on the slave: %v, want ErrSlaveNoWrite", err)
	}
}
