package broker

import (
	"fmt"
	"net"
	"net/netip"
)

// bindEarly binds the client listener in New when the listen address asks
// for any free port (port 0) and no store host was given: the store writes
// its host into every record and offset message id, and a client that
// looks a message up by that id must reach this broker, not port 0. A
// fixed port needs no early bind: the store host is known from the address.
func bindEarly(o *Options) (net.Listener, error) {
	ap, err := netip.ParseAddrPort(o.ListenAddr)
	if err != nil || ap.Port() != 0 || o.Store.CommitLog.StoreHost.Port() != 0 {
		return nil, nil
	}
	ln, err := net.Listen("tcp", o.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("broker: listen %s: %w", o.ListenAddr, err)
	}
	bound, err := netip.ParseAddrPort(ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("broker: bound address %s: %w", ln.Addr(), err)
	}
	o.Store.CommitLog.StoreHost = bound
	o.ListenAddr = bound.String()
	return ln, nil
}

// listen serves clients on the listener New bound, or on the listen
// address.
func (b *Broker) listen() error {
	if ln := b.listener; ln != nil {
		b.listener = nil // the server owns it now, and closes it
		return b.server.Serve(ln)
	}
	return b.server.Listen(b.opts.ListenAddr)
}
