package broker

import (
	"testing"

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
// listener; Close without Start must free it.
func TestABrokerNeverStartedReleasesItsEarlyListener(t *testing.T) {
	b, err := New(&Options{ListenAddr: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	addr := b.Addr()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b2, err := New(&Options{ListenAddr: addr, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if err := b2.Start(); err != nil {
		t.Fatalf("the port of a closed, never started broker is still taken: %v", err)
	}
}
