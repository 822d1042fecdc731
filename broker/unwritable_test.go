package broker

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/mappedfile/errorfs"
	"github.com/rocketstore/rocketstore/nameserver"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

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
	inj := testkit.FailSyncsOf("commitlog")
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
	testkit.WaitFor(t, "the topic's registration", func() bool { return perm() == PermRead|PermWrite })

	inj.Set(true)
	resp := call(t, cl, b.Addr(), sendRequest("Orders", 0, "second", "k2"))
	if resp.Code != remoting.ResponseServiceNotAvailable || !strings.HasPrefix(resp.Remark, "store unwritable: ") || !strings.Contains(resp.Remark, "injected") {
		t.Fatalf("send over a failing sync: code %d remark %q", resp.Code, resp.Remark)
	}
	inj.Set(false)
	if resp := call(t, cl, b.Addr(), sendRequest("Orders", 0, "third", "k3")); resp.Code != remoting.ResponseServiceNotAvailable {
		t.Fatalf("send after the disk came back: %v", resp)
	}
	testkit.WaitFor(t, "a read-only registration", func() bool { return perm() == PermRead })
	if err := b.Store().Err(); !errors.Is(err, store.ErrUnwritable) {
		t.Fatalf("store Err = %v", err)
	}
	// Reads go on. (The refused message may be read too: it reached the
	// log before its sync failed, as RocketMQ's would.)
	if err := b.Store().WaitDispatched(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	resp = call(t, cl, b.Addr(), pullCommand("Orders", 0, 0, 0))
	if resp.Code != remoting.ResponseSuccess || string(decodeRecords(t, resp.Body)[0].Body) != "first" {
		t.Fatalf("pull from the unwritable broker: %v", resp)
	}
}
