package broker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

const (
	masterChildEnv    = "ROCKETSTORE_BROKER_MASTER_CHILD" // "dir addr haAddr seqBase"
	masterCrashRounds = 6
	masterChildLimit  = 20 * time.Second
)

// runMasterChild is the killed SYNC_MASTER: a broker plus writers that send
// through it and print every acknowledged message (seq, physical offset).
func runMasterChild() {
	f := strings.Fields(os.Getenv(masterChildEnv))
	base, _ := strconv.ParseInt(f[3], 10, 64)
	b, err := New(&Options{
		ListenAddr: f[1], HAListenAddr: f[2], DataDir: f[0], Role: RoleSyncMaster,
		Store: store.Options{CommitLog: commitlog.Options{FileSize: 8 << 20}, ConsumeQueueUnitsPerFile: 10000,
			IndexSlotCount: 1000, IndexMaxEntries: 100000, CleanResourceInterval: -1},
	})
	if err == nil {
		err = b.Start()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "master:", err)
		os.Exit(2)
	}
	cl := remoting.NewClient(remoting.ClientOptions{})
	testkit.RunWriters(base, 4, masterChildLimit, 8, 500, func(seq int64, size int) (int64, error) {
		for {
			h := remoting.SendMessageRequestHeader{ProducerGroup: "pg", Topic: "Durable", DefaultTopic: AutoCreateTopicKey,
				DefaultTopicQueueNums: 4, QueueID: int32(seq % 4), BornTimestamp: time.Now().UnixMilli(), MaxReconsumeTimes: -1}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			resp, err := cl.InvokeSync(ctx, b.Addr(), remoting.NewRequest(remoting.RequestSendMessageV2, h.EncodeV2(nil), testkit.Body(seq, size)))
			cancel()
			if err != nil {
				return 0, err
			}
			if resp.Code != remoting.ResponseSuccess {
				time.Sleep(10 * time.Millisecond) // no slave in sync yet: not acknowledged, send again
				continue
			}
			var rh remoting.SendMessageResponseHeader
			if err := rh.Decode(resp.ExtFields); err != nil {
				return 0, err
			}
			_, phys, err := message.ParseOffsetMsgID(rh.MsgID)
			return phys, err
		}
	})
	os.Exit(0)
}

// TestSyncMasterKilledAfterAcknowledging kills a SYNC_MASTER with SIGKILL at
// random points: every message it acknowledged must already be on the
// slave, intact, at the offset the master gave.
func TestSyncMasterKilledAfterAcknowledging(t *testing.T) {
	// Fixed ports below the ephemeral range: every round's master comes
	// back at the same addresses.
	dir, addr, haAddr := t.TempDir(), testkit.LowPortAddr(t), testkit.LowPortAddr(t)
	slave := roleBroker(t, RoleSlave, haAddr, addr)
	defer slave.Close()
	rng := rand.New(rand.NewPCG(44, uint64(time.Now().UnixNano())))
	total := 0
	for round := range masterCrashRounds {
		env := []string{fmt.Sprintf("%s=%s %s %s %d", masterChildEnv, dir, addr, haAddr, int64(round+1)*10_000_000)}
		acks := testkit.RunAndKill(t, env, time.Duration(20+rng.IntN(200))*time.Millisecond, masterChildLimit)
		if len(acks) == 0 {
			t.Fatalf("round %d: the master acknowledged nothing", round)
		}
		log := slave.store.CommitLog()
		for _, a := range acks {
			e, err := log.Read(a.Offset)
			if err != nil {
				t.Fatalf("round %d: acknowledged seq %d at %d is not on the slave: %v", round, a.Seq, a.Offset, err)
			}
			rec, err := e.Decode(true)
			e.Release()
			if seq, ok := testkit.BodySeq(rec.Body); err != nil || !ok || seq != a.Seq {
				t.Fatalf("round %d: the slave holds seq %d at %d, acknowledged seq %d (%v)", round, seq, a.Offset, a.Seq, err)
			}
		}
		total += len(acks)
	}
	t.Logf("%d acknowledged messages over %d kills, all on the slave", total, masterCrashRounds)
}
