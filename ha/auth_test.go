package ha

import (
	"context"
	"crypto/hmac"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/logtest"
	"github.com/rocketstore/rocketstore/mappedfile"
)

const testSecret = "the-cluster-secret"

// TestAuthenticatedSlaveReplicatesAndAcknowledges: master and slave that
// share the secret replicate, and the slave's acknowledgements let a
// synchronous put through.
func TestAuthenticatedSlaveReplicatesAndAcknowledges(t *testing.T) {
	src, sink := openLog(t, nil, "master"), openLog(t, nil, "slave")
	m := startMaster(t, src, &MasterOptions{Secret: testSecret})
	startSlave(t, sink, m.Addr(), &SlaveOptions{Secret: testSecret, ReconnectInterval: 20 * time.Millisecond})
	// Connected is not enough: until its first report the slave is not in
	// sync, and a synchronous put finds no slave available.
	waitFor(t, 5*time.Second, "the slave's first report", func() bool { return len(m.Slaves()) == 1 && m.Slaves()[0].AckOffset >= 0 })
	end := appendRecords(t, src, 0, 300)
	m.Notify()
	if err := m.WaitReplicated(context.Background(), end); err != nil {
		t.Fatalf("WaitReplicated: %v", err)
	}
	waitFor(t, 5*time.Second, "the slave to hold everything", func() bool { return sink.MaxOffset() == end })
	sameLog(t, src, sink)
}

// TestAFakeSlaveWithoutTheSecretNeverAcknowledges: a peer that answers
// the challenge with anything but a proof made with the secret (nothing
// at all, RocketMQ's report, a proof made with another secret) is closed,
// logged, never counted as a slave, so a SYNC_MASTER's put is not
// acknowledged on its word.
func TestAFakeSlaveWithoutTheSecretNeverAcknowledges(t *testing.T) {
	src := openLog(t, nil, "master")
	log, logs := logtest.New()
	m := startMaster(t, src, &MasterOptions{Secret: testSecret, HandshakeTimeout: 300 * time.Millisecond, Logger: log})
	end := appendRecords(t, src, 0, 10)
	for _, tc := range []struct {
		name   string
		answer func(challenge []byte) []byte
	}{
		{"silent", nil},
		{"a report", func([]byte) []byte { return make([]byte, answerSize) }},
		{"another secret", func(c []byte) []byte {
			nonce := make([]byte, nonceSize)
			return append(nonce, proof("another-secret", slaveDomain, c[len(authMagic)+4:], nonce)...)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := dialMaster(t, m)
			challenge := make([]byte, challengeSize)
			p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadFull(p.conn, challenge); err != nil || string(challenge[:4]) != authMagic {
				t.Fatalf("challenge %q: %v", challenge, err)
			}
			if tc.answer != nil {
				p.write(tc.answer(challenge))
				p.report(end) // and claims to hold everything
			}
			p.expectClosed()
			if n := len(m.Slaves()); n != 0 {
				t.Fatalf("%d slaves counted", n)
			}
			if err := m.WaitReplicated(context.Background(), end); !errors.Is(err, ErrSlaveNotAvailable) {
				t.Fatalf("WaitReplicated = %v, want ErrSlaveNotAvailable", err)
			}
		})
	}
	waitFor(t, 5*time.Second, "the log line of the refused peers", func() bool { return len(logs.Lines("slave refused: authentication failed")) > 0 })
}

// TestASlaveFollowsOnlyAMasterThatProvesTheSecret: a slave given the
// secret refuses a master with another secret, and one without any.
func TestASlaveFollowsOnlyAMasterThatProvesTheSecret(t *testing.T) {
	for _, tc := range []struct{ name, masterSecret string }{{"another secret", "another-secret"}, {"no secret", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			src, sink := openLog(t, nil, "master"), openLog(t, nil, "slave")
			appendRecords(t, src, 0, 10)
			m := startMaster(t, src, &MasterOptions{Secret: tc.masterSecret, HandshakeTimeout: 300 * time.Millisecond})
			s := startSlave(t, sink, m.Addr(), &SlaveOptions{Secret: testSecret, HandshakeTimeout: 300 * time.Millisecond,
				ReconnectInterval: 20 * time.Millisecond})
			waitFor(t, 5*time.Second, "the slave's refusal", func() bool { return errors.Is(s.LastError(), ErrAuth) })
			if sink.MaxOffset() != 0 {
				t.Fatalf("the slave appended %d bytes from a master it did not trust", sink.MaxOffset())
			}
		})
	}
}

// TestTheHandshakeProofsCannotBeReplayed: the master's nonce changes with
// every connection, so the proof of one handshake fails the next.
func TestTheHandshakeProofsCannotBeReplayed(t *testing.T) {
	m := startMaster(t, openLog(t, nil, "master"), &MasterOptions{Secret: testSecret, HandshakeTimeout: 300 * time.Millisecond})
	read := func(p *fakePeer) []byte {
		c := make([]byte, challengeSize)
		p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(p.conn, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	first := dialMaster(t, m)
	c1 := read(first)
	slaveNonce := make([]byte, nonceSize)
	answer := append(slaveNonce, proof(testSecret, slaveDomain, c1[8:], slaveNonce)...)
	first.write(answer)
	got := make([]byte, proofSize)
	if _, err := io.ReadFull(first.conn, got); err != nil || !hmac.Equal(got, proof(testSecret, masterDomain, c1[8:], slaveNonce)) {
		t.Fatalf("the master's proof: %x, %v", got, err)
	}
	second := dialMaster(t, m)
	if c2 := read(second); string(c2[8:]) == string(c1[8:]) {
		t.Fatal("the master's nonce repeated")
	}
	second.write(answer) // the first connection's answer
	second.expectClosed()
}

// TestMaxSlavesRefusesTheOneTooMany: above MaxSlaves a connection is
// closed and logged; the slaves served go on.
func TestMaxSlavesRefusesTheOneTooMany(t *testing.T) {
	src := openLog(t, nil, "master")
	log, logs := logtest.New()
	m := startMaster(t, src, &MasterOptions{MaxSlaves: 2, Logger: log})
	for range 2 {
		p := dialMaster(t, m)
		p.report(0)
	}
	waitFor(t, 5*time.Second, "two slaves", func() bool { return len(m.Slaves()) == 2 })
	third := dialMaster(t, m)
	third.report(0)
	third.expectClosed()
	if n := len(m.Slaves()); n != 2 {
		t.Fatalf("%d slaves served, want 2", n)
	}
	waitFor(t, 5*time.Second, "the log line of the refused slave", func() bool { return len(logs.Lines("too many slaves")) > 0 })
}

// countingSource counts how often senders look at the log's end.
type countingSource struct {
	Source
	looks atomic.Int64
}

func (c *countingSource) MaxOffset() int64 {
	c.looks.Add(1)
	return c.Source.MaxOffset()
}

func (c *countingSource) ReadRange(offset int64, n int) (mappedfile.Slice, error) {
	return c.Source.ReadRange(offset, n)
}

// TestIdleSendersSleepUntilNotified: caught-up slaves cost their master
// nothing until new data is announced (no polling), and Notify sends it
// at once.
func TestIdleSendersSleepUntilNotified(t *testing.T) {
	log := openLog(t, nil, "master")
	src := &countingSource{Source: log}
	m := startMaster(t, src, &MasterOptions{MaxSlaves: 20})
	var sinks []Sink
	for i := range 20 {
		sink := openLog(t, nil, "slave"+string(rune('a'+i)))
		sinks = append(sinks, sink)
		startSlave(t, sink, m.Addr(), nil)
	}
	waitFor(t, 5*time.Second, "20 slaves", func() bool { return len(m.Slaves()) == 20 })
	time.Sleep(50 * time.Millisecond) // the senders reach their idle wait
	before := src.looks.Load()
	time.Sleep(500 * time.Millisecond)
	// Polling every millisecond would look about 10,000 times.
	if looks := src.looks.Load() - before; looks > 100 {
		t.Fatalf("idle senders looked at the log %d times in 500 ms", looks)
	}
	// Heartbeats come every 5 s: data within 2 s came from Notify.
	end := appendRecords(t, log, 0, 5)
	m.Notify()
	for _, sink := range sinks {
		waitFor(t, 2*time.Second, "the new records on every slave", func() bool { return sink.MaxOffset() == end })
	}
}
