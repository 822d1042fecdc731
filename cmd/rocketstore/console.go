package main

import (
	"flag"
	"fmt"
	"log/slog"

	"github.com/rocketstore/rocketstore/admin"
	"github.com/rocketstore/rocketstore/broker"
	"github.com/rocketstore/rocketstore/console"
)

// consoleFlags declares the HTTP listener's flags of serve and broker, and
// returns what starts it for a running broker: nil, nil without -http.
func consoleFlags(fs *flag.FlagSet) func(b *broker.Broker, nameServers []string, log *slog.Logger) (*httpListener, error) {
	addr := fs.String("http", "", "HTTP listen address of /metrics, /healthz and the web console, e.g. 127.0.0.1:8080 (default: none)")
	withPprof := fs.Bool("pprof", false, "with -http, serve net/http/pprof under /debug/pprof/")
	return func(b *broker.Broker, nameServers []string, log *slog.Logger) (*httpListener, error) {
		if *addr == "" {
			return nil, nil
		}
		ac := admin.New(&admin.Options{NameServers: nameServers, Logger: log})
		opts := &console.Options{
			Addr:   *addr,
			Admin:  ac,
			Health: func() error { return b.Store().DispatchError() },
			Pprof:  *withPprof,
			Logger: log,
		}
		// A nil registry inside a non-nil interface would panic at the
		// first scrape: without metrics, /metrics is not served.
		if reg := b.MetricsRegistry(); reg != nil {
			opts.Gatherer = reg
		}
		s, err := console.New(opts)
		if err == nil {
			err = s.Start()
		}
		if err != nil {
			ac.Close()
			return nil, err
		}
		fmt.Printf("rocketstore: console on http://%s/ (metrics /metrics, health /healthz)\n", s.Addr())
		return &httpListener{s, ac}, nil
	}
}

// httpListener is the console server with the admin client it owns.
type httpListener struct {
	server *console.Server
	admin  *admin.Client
}

// Close stops the listener, then its client. A nil listener (no -http)
// closes nothing.
func (h *httpListener) Close() error {
	if h == nil {
		return nil
	}
	err := h.server.Close()
	h.admin.Close()
	return err
}
