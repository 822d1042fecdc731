package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ServerProcess is a server run as a child process, so that its CPU time
// and memory are its own, apart from the clients that drive it from the
// benchmark's process. Its CPU time and resident memory are read from
// /proc (Linux); elsewhere they are reported as unavailable.
type ServerProcess struct {
	cmd    *exec.Cmd
	output *tailBuffer
	done   chan struct{}
	err    error // Wait's result, set before done is closed
}

// serverOutputTail is how much of a server's output is kept to explain
// a failure: its last lines, not everything it logged.
const serverOutputTail = 16 << 10

// StartServer runs bin with args in dir, its standard output and error
// kept (their tail) for errors.
func StartServer(bin string, args []string, dir string) (*ServerProcess, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out := &tailBuffer{max: serverOutputTail}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", filepath.Base(bin), err)
	}
	p := &ServerProcess{cmd: cmd, output: out, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Pid is the server's process id.
func (p *ServerProcess) Pid() int { return p.cmd.Process.Pid }

// Output is the tail of what the server has printed.
func (p *ServerProcess) Output() string { return p.output.String() }

// WaitAddrFile waits until the server has written path and returns the
// addresses in it by name: rocketstore's -addr-file, name=address lines
// written whole once the server listens. A server given port 0 so
// reports the ports the kernel chose; no port picked in advance can be
// taken by another process in between.
func (p *ServerProcess) WaitAddrFile(path string, timeout time.Duration) (addrs map[string]string, err error) {
	err = p.WaitFile(path, timeout, func(b []byte) error {
		addrs, err = parseAddrFile(string(b))
		return err
	})
	return addrs, err
}

// WaitFile waits until the server has written path and parse accepts
// its content; a file being written (parse fails) is read again. It
// fails early when the server exits.
func (p *ServerProcess) WaitFile(path string, timeout time.Duration, parse func([]byte) error) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("server exited before writing %s (%v):\n%s", path, p.err, p.Output())
		default:
		}
		b, err := os.ReadFile(path)
		if err == nil {
			if err = parse(b); err == nil {
				return nil
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server wrote no usable %s within %v: %w\n%s", path, timeout, err, p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// parseAddrFile reads name=address lines.
func parseAddrFile(text string) (map[string]string, error) {
	addrs := map[string]string{}
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, addr, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("address file: line %q is not name=address", line)
		}
		addrs[name] = addr
	}
	return addrs, nil
}

// Stop asks the server to end (SIGTERM), as an operator would, and kills
// it when it has not ended within grace. It reports how the server ended
// unless it was stopped by the signal it was sent.
func (p *ServerProcess) Stop(grace time.Duration) error {
	select {
	case <-p.done:
		return p.exitErr()
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.done:
		return p.exitErr()
	case <-time.After(grace):
		if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return err
		}
		<-p.done
		return fmt.Errorf("server did not stop within %v of SIGTERM; killed", grace)
	}
}

func (p *ServerProcess) exitErr() error {
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
			return nil
		}
		return fmt.Errorf("server exited: %v\n%s", p.err, p.Output())
	}
	return p.err
}

// CPUTime is the CPU time (user + system, every thread) the server has
// used so far, from /proc/<pid>/stat. Its resolution is the kernel's
// clock tick (10 ms at the usual 100 Hz): measure over seconds.
func (p *ServerProcess) CPUTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Pid()))
	if err != nil {
		return 0, fmt.Errorf("server CPU time: %w", err)
	}
	return parseStatCPU(string(b))
}

// SelfCPUTime is the CPU time (user + system, every thread) the calling
// process has used so far, its child processes apart: the clients' share
// when the servers run as children.
func SelfCPUTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("own CPU time: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// clockTicksPerSecond is USER_HZ, which Linux fixes at 100 for every
// architecture in what /proc reports to user space.
const clockTicksPerSecond = 100

// parseStatCPU returns utime + stime of a /proc/<pid>/stat line. The
// command name (field 2) is in parentheses and may hold spaces, so the
// fields are counted after its closing parenthesis.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc stat line %q", stat)
	}
	// After ") ": state is field 3, utime field 14, stime field 15.
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc stat line %q", stat)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc stat line %q: %w", stat, err)
	}
	return time.Duration(utime+stime) * time.Second / clockTicksPerSecond, nil
}

// Memory is the server's resident set now and at its peak (VmRSS and
// VmHWM of /proc/<pid>/status), in bytes.
func (p *ServerProcess) Memory() (rss, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, 0, fmt.Errorf("server memory: %w", err)
	}
	return parseStatusMemory(string(b))
}

// parseStatusMemory returns VmRSS and VmHWM of /proc/<pid>/status text.
func parseStatusMemory(status string) (rss, peak int64, err error) {
	for line := range strings.SplitSeq(status, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s %q: %w", name, value, err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS in /proc status")
	}
	return rss, peak, nil
}

// IOCalls is the number of read and write system calls (read, readv,
// recv... and write, writev, send...) the server has made so far, from
// /proc/<pid>/io; epoll and futex waits are not counted.
func (p *ServerProcess) IOCalls() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", p.Pid()))
	if err != nil {
		return 0, fmt.Errorf("server I/O calls: %w", err)
	}
	return parseIOCalls(string(b))
}

// parseIOCalls returns syscr + syscw of /proc/<pid>/io text.
func parseIOCalls(io string) (int64, error) {
	var sum int64
	found := 0
	for line := range strings.SplitSeq(io, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "syscr" && name != "syscw") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s %q: %w", name, value, err)
		}
		sum += n
		found++
	}
	if found != 2 {
		return 0, errors.New("no syscr and syscw in /proc io")
	}
	return sum, nil
}

// builtBinaries caches BuildBinary's results for the life of the process:
// each package is built once per suite run.
var builtBinaries struct {
	sync.Mutex
	dir  string
	bins map[string]string
}

// BuildBinary builds the main package pkg (an import path) with `go
// build`, run in moduleDir so that pkg resolves through that module's
// go.mod (GOWORK as the caller's environment has it), and returns the
// binary's path. The binaries go to one temporary directory, removed by
// RemoveBuiltBinaries.
func BuildBinary(ctx context.Context, moduleDir, pkg string) (string, error) {
	builtBinaries.Lock()
	defer builtBinaries.Unlock()
	if bin, ok := builtBinaries.bins[pkg]; ok {
		return bin, nil
	}
	if builtBinaries.dir == "" {
		dir, err := os.MkdirTemp("", "rocketstore-bench-bin-")
		if err != nil {
			return "", err
		}
		builtBinaries.dir, builtBinaries.bins = dir, map[string]string{}
	}
	bin := filepath.Join(builtBinaries.dir, fmt.Sprintf("server%d", len(builtBinaries.bins)))
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Dir = moduleDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	builtBinaries.bins[pkg] = bin
	return bin, nil
}

// ModuleDir is the directory of module as the working directory's
// module resolves it (through a replace directive, say), from `go list
// -m`: the place to build that module's commands with its own go.sum.
func ModuleDir(ctx context.Context, module string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			err = fmt.Errorf("%w: %s", err, exit.Stderr)
		}
		return "", fmt.Errorf("go list -m %s: %w", module, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("go list -m %s: the module has no directory (not downloaded?)", module)
	}
	return dir, nil
}

// RemoveBuiltBinaries removes what BuildBinary built.
func RemoveBuiltBinaries() error {
	builtBinaries.Lock()
	defer builtBinaries.Unlock()
	if builtBinaries.dir == "" {
		return nil
	}
	err := os.RemoveAll(builtBinaries.dir)
	builtBinaries.dir, builtBinaries.bins = "", nil
	return err
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(b)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
