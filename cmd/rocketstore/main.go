// Command rocketstore runs a RocketMQ-compatible nameserver and broker over
// rocketstore's message store.
//
//	rocketstore serve     nameserver and broker in one process (127.0.0.1:9876 and :10911, data in ./data)
//	rocketstore namesrv   the nameserver alone
//	rocketstore broker    the broker alone, from flags or a broker.conf-style key=value file
//	rocketstore controller        one controller of a controller group (controller mode)
//	rocketstore controller status the controller leader and each broker group's master, epoch and SyncStateSet
//	rocketstore admin     mqadmin's commands (clusterList, topicStatus, consumerProgress, ...)
//	rocketstore bench     the benchmark suite on rocketstore alone (with peers: bench/peers)
//	rocketstore inspect   describe a store directory and what opening it would do
//	rocketstore verify    check a store directory (exit status 1 when damaged)
//	rocketstore dump      print records of a store directory as JSON lines
//	rocketstore bench-du  measure the disk use of a store of many queues
//
// SIGINT or SIGTERM shuts down cleanly: the broker unregisters, flushes and
// writes its checkpoint.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"

	"github.com/rocketstore/rocketstore/bench"
	"github.com/rocketstore/rocketstore/broker"
	"github.com/rocketstore/rocketstore/nameserver"
)

func main() {
	// A child process of the benchmark suite (W4's killed writer) does its
	// part and never returns.
	bench.RunChild(benchEngines())
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "namesrv":
		err = namesrv(os.Args[2:])
	case "broker":
		err = runBroker(os.Args[2:])
	case "controller":
		var done bool
		if done, err = controllerSubcommand(os.Args[2:]); !done {
			err = runController(os.Args[2:])
		}
	case "admin":
		os.Exit(runAdmin(os.Args[2:], os.Stdout, os.Stderr))
	case "bench":
		os.Exit(bench.Main(os.Args[2:], os.Stdout, os.Stderr, benchEngines(), nil))
	case "inspect":
		os.Exit(cmdInspect(os.Args[2:], os.Stdout, os.Stderr))
	case "verify":
		os.Exit(cmdVerify(os.Args[2:], os.Stdout, os.Stderr))
	case "dump":
		os.Exit(cmdDump(os.Args[2:], os.Stdout, os.Stderr))
	case "bench-du":
		os.Exit(cmdBenchDU(os.Args[2:], os.Stdout, os.Stderr))

	case "-h", "-help", "--help", "help":
		usage()
		return
	default:
		fmt.Fprintf(os.Stderr, "rocketstore: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rocketstore:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: rocketstore <command> [flags]

commands:
  serve     run a nameserver and a broker in one process
  namesrv   run a nameserver (-config with enableControllerInNamesrv=true embeds a controller)
  broker    run a broker (enableControllerMode=true in its -config: roles from the controllers)
  admin     mqadmin's commands: clusters, topics, groups, lag, offsets, messages
  controller         run one controller of a controller group (RocketMQ 5's controller mode)
  controller status  show the controller leader and each broker group's master, epoch and SyncStateSet
  bench     run the benchmark suite (rocketstore and the machine's limits; peers: bench/peers)
  inspect   describe a store directory and what opening it would do
  verify    check a store directory: exit status 1 when damaged, naming the first bad offset
  dump      print records of a store directory as JSON lines (by offset, or by topic and queue)
  bench-du  measure the disk use of a store of many topics and queues

Run "rocketstore <command> -h" for its flags.
`)
}

// benchEngines are the log engines of `rocketstore bench`: rocketstore's
// own; the peers live in the bench/peers module.
func benchEngines() []bench.Engine { return []bench.Engine{bench.RocketstoreEngine()} }

// brokerFlags declares the flags a broker takes and returns a function that
// builds its options (after flag parsing).
func brokerFlags(fs *flag.FlagSet, defaultNamesrv string, logger func() (*slog.Logger, error)) func() (broker.Options, error) {
	listen := fs.String("listen", broker.DefaultListenAddr, "address clients connect to")
	namesrvs := fs.String("namesrv", defaultNamesrv, "nameserver addresses, ';'-separated")
	data := fs.String("data", "data", "directory of the store and the broker's config")
	name := fs.String("name", broker.DefaultBrokerName, "broker name")
	cluster := fs.String("cluster", broker.DefaultClusterName, "cluster name")
	config := fs.String("config", "", "broker.conf-style key=value file (applied after the flags)")
	return func() (broker.Options, error) {
		o := broker.Options{
			ListenAddr: *listen, NameServers: splitAddrs(*namesrvs), DataDir: *data,
			BrokerName: *name, ClusterName: *cluster,
		}
		var err error
		if o.Logger, err = logger(); err != nil {
			return o, err
		}
		if *config != "" {
			props, err := loadProperties(*config)
			if err != nil {
				return o, err
			}
			if err := applyBrokerProperties(&o, props); err != nil {
				return o, err
			}
		}
		return o, nil
	}
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	nsAddr := fs.String("namesrv-listen", nameserver.DefaultAddr, "nameserver listen address")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	addrFile := addrFileFlag(fs)
	logger := logFlags(fs, os.Stderr)
	opts := brokerFlags(fs, "", logger)
	startHTTP := consoleFlags(fs)
	fs.Parse(args)
	sig := notifySignals()
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	o, err := opts()
	if err != nil {
		return err
	}
	slog.SetDefault(o.Logger)
	ns := nameserver.New(&nameserver.Options{Logger: o.Logger, KVConfigPath: filepath.Join(o.DataDir, "namesrv", "kvConfig.json")})
	if err := ns.Start(*nsAddr); err != nil {
		return err
	}
	defer ns.Close()
	if len(o.NameServers) == 0 {
		o.NameServers = []string{ns.Addr()}
	}
	b, err := startBroker(o)
	if err != nil {
		return err
	}
	web, err := startHTTP(b, o.NameServers, o.Logger)
	if err != nil {
		b.Close()
		return err
	}
	fmt.Printf("rocketstore: nameserver on %s, broker %s on %s, data in %s\n", ns.Addr(), o.BrokerName, b.Addr(), o.DataDir)
	fmt.Printf("clients: NameServer address %s (rocketmq-client-go: primitive.NewPassthroughResolver([]string{%q}))\n", ns.Addr(), ns.Addr())
	if err := writeAddrFile(*addrFile, map[string]string{
		addrNameServer: ns.Addr(), addrBroker: b.Addr(), addrConsole: web.consoleAddr(),
	}); err != nil {
		return errors.Join(err, web.Close(), b.Close())
	}
	waitForSignal(sig)
	return errors.Join(web.Close(), b.Close())
}

func namesrv(args []string) error {
	fs := flag.NewFlagSet("namesrv", flag.ExitOnError)
	addr := fs.String("listen", nameserver.DefaultAddr, "listen address")
	config := fs.String("config", "", "namesrv.conf-style key=value file: enableControllerInNamesrv=true embeds a controller (with the controller keys)")
	kvConfig := fs.String("kv-config", defaultKVConfigPath(), "the KV config file (RocketMQ's kvConfigPath)")
	addrFile := addrFileFlag(fs)
	logger := logFlags(fs, os.Stderr)
	fs.Parse(args)
	sig := notifySignals()
	log, err := logger()
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	props := map[string]string{}
	if *config != "" {
		if props, err = loadProperties(*config); err != nil {
			return err
		}
	}
	if port := props["listenPort"]; port != "" {
		host, _ := splitHostPort(*addr)
		*addr = net.JoinHostPort(host, port)
	}
	ns := nameserver.New(&nameserver.Options{Logger: log, KVConfigPath: *kvConfig})
	if err := ns.Start(*addr); err != nil {
		return err
	}
	ctrl, err := embeddedController(ns, props)
	if err != nil {
		return errors.Join(err, ns.Close())
	}
	fmt.Printf("rocketstore: nameserver on %s\n", ns.Addr())
	if ctrl != nil {
		fmt.Printf("rocketstore: controller on %s (in the nameserver)\n", ctrl.Addr())
	}
	addrs := map[string]string{addrNameServer: ns.Addr()}
	if ctrl != nil {
		addrs[addrController] = ctrl.Addr()
	}
	if err = writeAddrFile(*addrFile, addrs); err == nil {
		waitForSignal(sig)
	}
	if ctrl != nil {
		err = errors.Join(err, ctrl.Close())
	}
	return errors.Join(err, ns.Close())
}

func runBroker(args []string) error {
	fs := flag.NewFlagSet("broker", flag.ExitOnError)
	opts := brokerFlags(fs, nameserver.DefaultAddr, logFlags(fs, os.Stderr))
	startHTTP := consoleFlags(fs)
	addrFile := addrFileFlag(fs)
	fs.Parse(args)
	sig := notifySignals()
	o, err := opts()
	if err != nil {
		return err
	}
	b, err := startBroker(o)
	if err != nil {
		return err
	}
	web, err := startHTTP(b, o.NameServers, o.Logger)
	if err != nil {
		b.Close()
		return err
	}
	fmt.Printf("rocketstore: broker %s on %s, nameservers %v, data in %s\n", o.BrokerName, b.Addr(), o.NameServers, o.DataDir)
	if err := writeAddrFile(*addrFile, map[string]string{addrBroker: b.Addr(), addrConsole: web.consoleAddr()}); err != nil {
		return errors.Join(err, web.Close(), b.Close())
	}
	waitForSignal(sig)
	return errors.Join(web.Close(), b.Close())
}

func startBroker(o broker.Options) (*broker.Broker, error) {
	// Components whose options have no logger yet (remoting) log through
	// the default one.
	slog.SetDefault(o.Logger)
	b, err := broker.New(&o)
	if err != nil {
		return nil, err
	}
	if err := b.Start(); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// startCPUProfile profiles the process until the returned stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// notifySignals starts catching SIGINT and SIGTERM, before anything is
// started, so that a signal during startup still shuts down cleanly.
func notifySignals() <-chan os.Signal {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	return sig
}

func waitForSignal(sig <-chan os.Signal) {
	s := <-sig
	fmt.Printf("rocketstore: %v, shutting down\n", s)
}

// defaultKVConfigPath is RocketMQ's kvConfigPath: ~/namesrv/kvConfig.json
// (the working directory when there is no home).
func defaultKVConfigPath() string {
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "namesrv", "kvConfig.json")
}
