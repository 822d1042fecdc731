package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rocketstore/rocketstore/admin"
	"github.com/rocketstore/rocketstore/internal/lograte"
)

// Options configure a Server. Zero values mean defaults.
type Options struct {
	// Addr is the HTTP listen address, e.g. "127.0.0.1:8080". Required.
	Addr string
	// Admin is the client the console's pages and /api go through. Nil
	// serves /metrics and /healthz only.
	Admin *admin.Client
	// Gatherer is what /metrics serves (a broker's MetricsRegistry). Nil
	// answers /metrics with 404.
	Gatherer prometheus.Gatherer
	// Health says whether the process can serve; /healthz answers 503 with
	// its error. Nil is always healthy.
	Health func() error
	// Pprof serves net/http/pprof under /debug/pprof/. Default off: the
	// profiles expose the process's internals.
	Pprof bool
	// SampleInterval is how often the console samples the brokers'
	// counters for its throughput chart and rates. Default 5 s.
	SampleInterval time.Duration
	// History is how many samples the chart keeps. Default 120 (ten
	// minutes at the default interval).
	History int
	// MaxSampledTopics bounds the topics whose rates are sampled each
	// interval (one request per topic and broker). Default 256.
	MaxSampledTopics int
	// Logger receives the listener's and the sampler's errors. Default
	// slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() (Options, error) {
	if o.Addr == "" {
		return o, errors.New("console: no listen address")
	}
	if o.SampleInterval <= 0 {
		o.SampleInterval = 5 * time.Second
	}
	if o.History <= 0 {
		o.History = 120
	}
	if o.MaxSampledTopics <= 0 {
		o.MaxSampledTopics = 256
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

// Server is the HTTP listener of a broker or serve process: /metrics,
// /healthz, /debug/pprof/ (when enabled), the console's JSON API under
// /api/ and its pages. See the package documentation.
type Server struct {
	opts    Options
	log     *slog.Logger
	admin   *admin.Client
	sampler *sampler
	http    *http.Server
	// warn keeps failing API requests and scrapes from flooding the log.
	warn *lograte.Limiter

	mu       sync.Mutex
	listener net.Listener
	// ctx ends when the server closes: the sampler's rounds and the API's
	// admin calls stop with it.
	ctx       context.Context
	stop      context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// New returns a server that is not listening yet.
func New(opts *Options) (*Server, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, log: o.Logger, admin: o.Admin, warn: lograte.New(0)}
	s.ctx, s.stop = context.WithCancel(context.Background())
	if s.admin != nil {
		s.sampler = newSampler(s.admin, o.History, o.MaxSampledTopics, s.log)
	}
	s.http = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	return s, nil
}

// Handler is the server's routes, for tests and for embedding in another
// listener.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealth)
	if s.opts.Gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.opts.Gatherer, promhttp.HandlerOpts{
			ErrorLog: promLogger{s.log, s.warn}, ErrorHandling: promhttp.ContinueOnError,
		}))
	}
	if s.opts.Pprof {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	if s.admin != nil {
		s.apiRoutes(mux)
		mux.Handle("GET /", assetHandler())
	}
	return mux
}

// Start listens and serves, and starts the sampler.
func (s *Server) Start() error {
	l, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	s.mu.Lock()
	s.listener = l
	s.mu.Unlock()
	s.wg.Go(func() {
		if err := s.http.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("console listener stopped", "addr", l.Addr().String(), "err", err)
		}
	})
	if s.sampler != nil {
		s.wg.Go(func() { s.sampler.run(s.ctx, s.opts.SampleInterval) })
	}
	return nil
}

// Addr is the address the server listens on, once started.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return s.opts.Addr
	}
	return s.listener.Addr().String()
}

// Close stops the listener (waiting up to 5 s for requests in flight) and
// the sampler, and waits for both.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.stop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err = s.http.Shutdown(ctx); err != nil {
			err = errors.Join(err, s.http.Close())
		}
		s.wg.Wait()
	})
	return err
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.opts.Health != nil {
		if err := s.opts.Health(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "unhealthy: %v\n", err)
			return
		}
	}
	fmt.Fprintln(w, "ok")
}

// promLogger sends promhttp's errors (a collector that failed) to slog, a
// line every 10 s at most: a failing collector fails every scrape.
type promLogger struct {
	log  *slog.Logger
	rate *lograte.Limiter
}

func (l promLogger) Println(v ...any) {
	l.rate.Log(l.log, slog.LevelWarn, "/metrics", "metrics gathering failed", "err", fmt.Sprint(v...))
}
