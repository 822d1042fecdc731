package broker

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/mappedfile/errorfs"
	"github.com/rocketstore/rocketstore/nameserver"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// failSyncs fails every sync of a commit-log file while on.
type failSyncs struct{ on atomic.Bool }

func (f *failSyncs) MaybeError(op errorfs.Op, path string) error {
	if f.on.Load() && op == errorfs.OpSync && strings.Contains(path, "commitlog") {
		return fmt.Errorf("%w: sync of %s", errorfs.ErrInjected, path)
	}
	return nil
}

// TestAnUnwritableStoreRefusesSendsAndRegistersReadOnly: once a sync of
// the commit log fails, a send gets SERVICE_NOT_AVAILABLE saying why,
// never SEND_OK, and the name server learns the broker's topics are no
// longer writable here, but still readable.
func TestAnUnwritableStoreRefusesSendsAndRegistersReadOnly(t *testing.T) {
	ns := nameserver.New(nil)
	if err := ns.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	inj := &failSyncs{}
	b, err := New(&Options{
		ListenAddr: "127.0.0.1:0", DataDir: t.TempDir(), NameServers: []string{ns.Addr()},
		Store: store.Options{
			CommitLog:             commitlog.Options{FileSize: 1 << 20, MaxMessageSize: 64 << 10, FlushMode: commitlog.SyncFlush},
			IndexSlotCount:        100,
			IndexMaxEntries:       400,
			CleanResourceInterval: -1,
			FS:                    errorfs.Wrap(mappedfile.NewMemFS(), inj),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	if resp := call(t, cl, b.Addr(), sendRequest("Orders", 0, "first", "k1")); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("send before the failure: %v", resp)
	}
	perm := func() int32 {
		route, ok := ns.Routes().TopicRoute("Orders")
		if !ok || len(route.QueueDatas) != 1 {
			return -1
		}
		return route.QueueDatas[0].Perm
	}
	waitUntil(t, "the topic's registration", func() bool { return perm() == PermRead|PermWrite })

	inj.on.Store(true)
	resp := call(t, cl, b.Addr(), sendRequest("Orders", 0, "second", "k2"))
	if resp.Code != remoting.ResponseServiceNotAvailable || !strings.HasPrefix(resp.Remark, "store unwritable: ") || !strings.Contains(resp.Remark, "injected") {
		t.Fatalf("send over a failing sync: code %d remark %q", resp.Code, resp.Remark)
	}
	inj.on.Store(false)
	if resp := call(t, cl, b.Addr(), sendRequest("Orders", 0, "third", "k3")); resp.Code != remoting.ResponseServiceNotAvailable {
		t.Fatalf("send after the disk came back: %v", resp)
	}
	waitUntil(t, "a read-only registration", func() bool { return perm() == PermRead })
	if err := b.Store().Err(); !errors.Is(err, store.ErrUnwritable) {
		t.Fatalf("store Err = %v", err)
	}
	// Reads go on. (The refused message may be read too: it reached the
	// log before its sync failed, as RocketMQ's would.)
	resp = call(t, cl, b.Addr(), pullCommand("Orders", 0, 0, 0))
	if resp.Code != remoting.ResponseSuccess || string(decodeRecords(t, resp.Body)[0].Body) != "first" {
		t.Fatalf("pull from the unwritable broker: %v", resp)
	}
}

// waitUntil polls cond with a generous deadline.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
