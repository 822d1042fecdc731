// Package bench is rocketstore's benchmark suite: named workloads run against
// rocketstore and against peer engines in the same process, on the same disk,
// beside the machine's own limits measured in the same run.
//
// A suite run (Run) goes through every case of every workload a number of
// times (repetitions), each time running every subject of the case once, in
// an order that rotates between repetitions so that no subject always runs
// first on a machine that warms up or gets noisier. Each run of a subject
// gets a fresh directory, which is removed afterwards. A run measures only
// what it brackets with Env.StartTimer and Env.StopTimer; set-up (writing
// the records a read-back reads, starting a broker) stays out of the figure.
//
// The report (Report) holds, per case and subject, the median, minimum and
// maximum throughput over the repetitions, latency percentiles merged over
// them (HdrHistogram), and optionally the top functions of a CPU and a heap
// profile; it is written as JSON and rendered as Markdown with SVG charts
// (WriteMarkdown).
//
// Engines plug in through Log (the log workloads W1–W4) and Subject (any
// workload); rocketstore's own adapters live here, the peers' in the separate
// module bench/peers, so that this module's go.mod stays lean.
package bench
