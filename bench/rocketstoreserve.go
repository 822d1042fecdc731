package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// rocketstoreModule is the module of the rocketstore command.
const rocketstoreModule = "github.com/rocketstore/rocketstore"

// RocketstorePackage is the main package of the rocketstore command,
// whose `serve` runs a nameserver and a broker in one process.
const RocketstorePackage = "github.com/rocketstore/rocketstore/cmd/rocketstore"

// ServeProfileEnv names an environment variable: when it holds a
// directory, every `rocketstore serve` the benchmark starts writes a CPU
// profile of its whole run (start-up and warm-up included) there, to see
// where the broker's own time goes.
const ServeProfileEnv = "ROCKETSTORE_BENCH_SERVE_CPUPROFILE"

const (
	// ServerStartTimeout bounds a server's start, up to accepting
	// connections (a cold build of its binary comes before it).
	ServerStartTimeout = 30 * time.Second
	// ServerStopGrace is how long a server has to end after SIGTERM:
	// a broker flushes its store on the way out.
	ServerStopGrace = 30 * time.Second
)

// RocketstoreServer is `rocketstore serve` run as a child process on
// 127.0.0.1, with its store in the run's directory and the store's
// defaults (async flush).
type RocketstoreServer struct {
	*ServerProcess
	NameServer string // the nameserver's address
	Broker     string // the broker's address
}

// StartRocketstoreServer builds the rocketstore command (once per
// process, in its module's directory) and starts `serve`
// with its data in env.Dir, returning once both the nameserver and the
// broker accept connections.
func StartRocketstoreServer(env *Env) (_ *RocketstoreServer, err error) {
	// Built in its own module, with its own dependencies: the module
	// running the benchmark need not list them.
	modDir, err := ModuleDir(context.Background(), rocketstoreModule)
	if err != nil {
		return nil, err
	}
	bin, err := BuildBinary(context.Background(), modDir, RocketstorePackage)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(env.Dir, "rocketstore")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	args := []string{"-data", filepath.Join(dir, "data"), "-log-level", "warn"}
	if env.Smoke {
		conf := filepath.Join(dir, "broker.conf")
		if err := os.WriteFile(conf, []byte(formatProps(smokeBrokerProps())), 0o644); err != nil {
			return nil, err
		}
		args = append(args, "-config", conf)
	}
	if profDir := os.Getenv(ServeProfileEnv); profDir != "" {
		if err := os.MkdirAll(profDir, 0o755); err != nil {
			return nil, err
		}
		// The run's directory names the subject and is unique.
		name := fmt.Sprintf("serve-%s.cpu.pprof", filepath.Base(env.Dir))
		args = append(args, "-cpuprofile", filepath.Join(profDir, name))
	}
	p, nsAddr, brokerAddr, err := startServe(bin, args, dir, ServerStartTimeout, ServerStopGrace)
	if err != nil {
		return nil, fmt.Errorf("rocketstore serve: %w", err)
	}
	return &RocketstoreServer{ServerProcess: p, NameServer: nsAddr, Broker: brokerAddr}, nil
}

// startServe runs `rocketstore serve` in dir with args added and both
// its listeners on port 0, returning once it has written the addresses
// it listens on (its -addr-file, in dir).
func startServe(bin string, args []string, dir string, timeout, grace time.Duration) (p *ServerProcess, nameServer, broker string, err error) {
	addrFile := filepath.Join(dir, "serve.addrs")
	// A restart must not read the addresses of the run before it.
	if err := os.Remove(addrFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, "", "", err
	}
	args = append([]string{"serve", "-namesrv-listen", "127.0.0.1:0", "-listen", "127.0.0.1:0", "-addr-file", addrFile}, args...)
	if p, err = StartServer(bin, args, dir); err != nil {
		return nil, "", "", err
	}
	addrs, err := p.WaitAddrFile(addrFile, timeout)
	if err == nil && (addrs["nameserver"] == "" || addrs["broker"] == "") {
		err = fmt.Errorf("%s names no nameserver or no broker: %v", addrFile, addrs)
	}
	if err != nil {
		return nil, "", "", errors.Join(err, p.Stop(grace))
	}
	return p, addrs["nameserver"], addrs["broker"], nil
}

// Close stops the server.
func (s *RocketstoreServer) Close() error {
	if err := s.Stop(ServerStopGrace); err != nil {
		return fmt.Errorf("rocketstore serve: %w", err)
	}
	return nil
}
