package broker

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

// TestAnyPortListenWritesTheBoundPortIntoMessageIDs: with a port-0
// listen address, the offset message id a send answers names the port
// clients reach the broker on, so a lookup by that id finds it.
func TestAnyPortListenWritesTheBoundPortIntoMessageIDs(t *testing.T) {
	b, err := New(&Options{ListenAddr: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	resp := call(t, cl, b.Addr(), sendRequest("Ports", 0, "body", "key"))
	var h remoting.SendMessageResponseHeader
	if resp.Code != remoting.ResponseSuccess || h.Decode(resp.ExtFields) != nil {
		t.Fatalf("send: %v", resp)
	}
	host, _, err := message.ParseOffsetMsgID(h.MsgID)
	if err != nil {
		t.Fatal(err)
	}
	if host.String() != b.Addr() {
		t.Fatalf("message id names %s, the broker listens on %s", host, b.Addr())
	}
}

// TestABrokerNeverStartedReleasesItsEarlyListener: New binds a port-0
// listener; Close without Start must close it. (Binding the port again
// would race every other process on the machine for it: a port-0 listener
// elsewhere may be given it as soon as it is free.)
func TestABrokerNeverStartedReleasesItsEarlyListener(t *testing.T) {
	b, err := New(&Options{ListenAddr: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	early := b.listener
	if early == nil {
		t.Fatal("New bound no listener for a port-0 address")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	// Accept on a closed listener fails at once; on an open one it would
	// wait for a client, so a deadline bounds the test either way.
	if tl, ok := early.(*net.TCPListener); ok {
		if err := tl.SetDeadline(time.Now().Add(5 * time.Second)); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Fatal(err)
		}
	}
	if c, err := early.Accept(); !errors.Is(err, net.ErrClosed) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("Accept on the early listener after Close = %v, want net.ErrClosed: the listener is still open", err)
	}
}
