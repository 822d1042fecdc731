// Package console is the HTTP side of a rocketstore process: Prometheus
// metrics on /metrics (the broker's registry, see
// broker.(*Broker).MetricsRegistry), a health check on /healthz,
// net/http/pprof under /debug/pprof/ when enabled, and a web console with
// its JSON API under /api/.
//
// # The console
//
// The pages are plain HTML, CSS and JavaScript embedded in the binary
// (static/; nothing is fetched from elsewhere) and show the cluster and its
// brokers (role, rates, disk, replication lag), a throughput chart of the
// last minutes, topics (queues, messages, rates), consumer groups (members,
// lag per queue, offset reset) and messages by key or id with their
// properties, body and trace.
//
// The API goes through package admin, not through the process's own
// broker: the console shows whatever name servers and brokers its admin
// client reaches, as rocketmq-dashboard does, and a console in one broker
// process shows the whole cluster. The throughput chart and the topic rates
// come from a sampler that reads the brokers' counters every
// Options.SampleInterval and keeps a ring of Options.History points.
//
// # Safety
//
// The console changes state in one place, the offset reset, which takes a
// JSON POST: a page on another origin cannot send one through a visitor's
// browser without a CORS preflight, which the server never grants. Pages
// are served with a Content-Security-Policy that allows only the server's
// own scripts and styles, and the scripts build the page with text nodes,
// never markup, so nothing a broker returns runs as code. Bind the
// listener to a trusted interface: the console, the metrics and pprof
// carry no authentication of their own.
//
// # Concurrency
//
// A Server owns two goroutines, the HTTP listener and the sampler; Close
// stops both and waits for them.
package console
