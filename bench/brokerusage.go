package bench

import (
	"errors"
	"fmt"
	"time"
)

// The figures of a W6 run besides its throughput (Sample.Extra keys).
const (
	// ExtraServerCPU is the server process's CPU time per message over the
	// timed window, in microseconds.
	ExtraServerCPU = "server CPU µs/msg"
	// ExtraClientCPU is the benchmark process's own CPU time per message
	// over the timed window (its producers and consumer), in microseconds.
	ExtraClientCPU = "client CPU µs/msg"
	// ExtraServerPeakRSS is the server process's peak resident set at the
	// end of the run, in MiB.
	ExtraServerPeakRSS = "server peak RSS MiB"
	// ExtraServerIOCalls is the server's read and write system calls per
	// message over the timed window: how finely the clients' frames reach
	// it. Left out where /proc/<pid>/io cannot be read.
	ExtraServerIOCalls = "server I/O calls/msg"
)

// cpuWindow measures the CPU time of the server process and of the
// benchmark's own over a window.
type cpuWindow struct {
	server         *ServerProcess
	server0, self0 time.Duration
	calls0         int64 // -1: not readable
}

// startCPUWindow reads both CPU clocks at the window's start.
func startCPUWindow(server *ServerProcess) (*cpuWindow, error) {
	w := &cpuWindow{server: server}
	var err1, err2 error
	w.server0, err1 = server.CPUTime()
	w.self0, err2 = SelfCPUTime()
	var err error
	if w.calls0, err = server.IOCalls(); err != nil {
		w.calls0 = -1 // a figure that explains, not one the run needs
	}
	return w, errors.Join(err1, err2)
}

// end reads both CPU clocks again and the server's peak memory, and gives
// them per message of the n the window handled, as Sample.Extra figures.
func (w *cpuWindow) end(n int) (map[string]float64, error) {
	server1, err1 := w.server.CPUTime()
	self1, err2 := SelfCPUTime()
	_, peak, err3 := w.server.Memory()
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, fmt.Errorf("CPU per message of %d messages", n)
	}
	perMsg := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(n) }
	extra := map[string]float64{
		ExtraServerCPU:     perMsg(server1 - w.server0),
		ExtraClientCPU:     perMsg(self1 - w.self0),
		ExtraServerPeakRSS: float64(peak) / (1 << 20),
	}
	if calls1, err := w.server.IOCalls(); err == nil && w.calls0 >= 0 {
		extra[ExtraServerIOCalls] = float64(calls1-w.calls0) / float64(n)
	}
	return extra, nil
}
