package broker

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// smallDiskOptions run a broker on a small disk: 4 MiB commit-log files,
// the index at RocketMQ's default size (a 420 MB file, sparse), and no
// refusal before the disk is really full, so that every file must cope
// with running out of space.
func smallDiskOptions(dir string) func(*Options) {
	return func(o *Options) {
		o.DataDir = dir
		o.Store = store.Options{
			CommitLog:                   commitlog.Options{FileSize: 4 << 20, MaxMessageSize: 64 << 10},
			CleanResourceInterval:       100 * time.Millisecond,
			DiskMaxUsedSpaceRatio:       97,
			DiskSpaceCleanForciblyRatio: 98,
			DiskSpaceWarningLevelRatio:  99,
			DisableCleanForcibly:        true, // nothing acknowledged may go
			DelayLevels:                 "1s",
		}
	}
}

// TestASmallDiskFillsUpWithoutLosingAnythingAcknowledged sends messages
// with distinct keys (the index grows at random places) to a broker on a
// real 64 MiB tmpfs until it refuses them: every refusal is an explicit
// error, never SEND_OK; every acknowledged message can be pulled, before
// and after a restart on the full disk, which starts.
func TestASmallDiskFillsUpWithoutLosingAnythingAcknowledged(t *testing.T) {
	dir := testkit.SmallDisk(t, 48<<20)
	b := newRoleBroker(t, t.TempDir(), RoleAsyncMaster, "", "", smallDiskOptions(dir))
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	body := strings.Repeat("x", 1<<10)
	acked := map[string]bool{}
	refusals := map[string]int{}
	topics := []string{"Fill0", "Fill1", "Fill2", "Fill3"}
	for i, refusedInARow := 0, 0; refusedInARow < 50 && i < 60000; i++ {
		msg := fmt.Sprintf("m%05d-%s", i, body)
		resp := call(t, cl, b.Addr(), sendRequest(topics[i%len(topics)], 0, msg, fmt.Sprintf("key-%d", i)))
		if resp.Code == remoting.ResponseSuccess {
			acked[msg[:6]] = true
			refusedInARow = 0
			continue
		}
		refusedInARow++
		refusals[fmt.Sprintf("%d %s", resp.Code, firstWords(resp.Remark))]++
		time.Sleep(10 * time.Millisecond) // room may come back (it does not: nothing may be deleted)
	}
	t.Logf("%d acknowledged; refusals %v", len(acked), refusals)
	if len(acked) < 1000 || len(refusals) == 0 {
		t.Fatalf("%d acknowledged, refusals %v: the disk did not fill", len(acked), refusals)
	}
	for r := range refusals {
		if strings.HasPrefix(r, "0 ") {
			t.Fatalf("a refusal with code SUCCESS: %s", r)
		}
	}
	pulled := func(b *Broker) map[string]bool {
		got := map[string]bool{}
		if err := b.store.WaitDispatched(10 * time.Second); err != nil {
			t.Fatalf("dispatch on the full disk: %v", err)
		}
		for _, topic := range topics {
			for off := int64(0); ; {
				resp := call(t, cl, b.Addr(), pullCommand(topic, 0, off, 0))
				if resp.Code != remoting.ResponseSuccess {
					break
				}
				recs := decodeRecords(t, resp.Body)
				for _, r := range recs {
					got[string(r.Body[:6])] = true
				}
				off += int64(len(recs))
			}
		}
		return got
	}
	check := func(when string, got map[string]bool) {
		for m := range acked {
			if !got[m] {
				t.Fatalf("%s: message %s was acknowledged but cannot be pulled (%d of %d pulled)", when, m, len(got), len(acked))
			}
		}
	}
	check("on the full disk", pulled(b))
	if err := b.Close(); err != nil {
		t.Logf("close on the full disk: %v", err)
	}
	b = newRoleBroker(t, t.TempDir(), RoleAsyncMaster, "", "", smallDiskOptions(dir))
	defer b.Close()
	check("after a restart on the full disk", pulled(b))
}

func firstWords(s string) string {
	if i := strings.IndexAny(s, ":("); i > 0 {
		return s[:i]
	}
	return s
}
