package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/admin"
	"github.com/rocketstore/rocketstore/remoting"
)

const (
	// scaleStartTimeout bounds a broker's start, which at W9's size
	// includes reopening 20 GiB of commit log from a cold page cache.
	scaleStartTimeout = 5 * time.Minute
	// scaleStopGrace is how long a broker may take to flush and write its
	// checkpoint after SIGTERM: at W9's size, gigabytes of dirty pages.
	scaleStopGrace = 3 * time.Minute
)

// scaleBroker is `rocketstore serve` (nameserver and broker) run as a
// child process over a data directory of the run, so that its CPU time,
// memory and disk use are its own.
type scaleBroker struct {
	bin    string
	args   []string
	dir    string // the process's working directory
	data   string // the broker's data directory
	addr   string // the broker's address
	nsAddr string
	proc   *ServerProcess
}

// startScaleBroker builds rocketstore (once per suite run) and starts
// `rocketstore serve` with its data under env.Dir and the broker.conf
// properties given (a smoke run adds small file sizes).
func startScaleBroker(env *Env, props map[string]string) (*scaleBroker, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	moduleDir, err := ModuleDir(ctx, rocketstoreModule)
	if err != nil {
		return nil, err
	}
	bin, err := BuildBinary(ctx, moduleDir, RocketstorePackage)
	if err != nil {
		return nil, err
	}
	// The HA port would be the listen port plus one, which no one keeps
	// free for it: any free port will do.
	props = mergeProps(map[string]string{"haListenPort": "0"}, props)
	if env.Smoke {
		props = mergeProps(props, smokeBrokerProps())
	}
	conf := filepath.Join(env.Dir, "broker.conf")
	if err := os.WriteFile(conf, []byte(formatProps(props)), 0o644); err != nil {
		return nil, err
	}
	b := &scaleBroker{
		bin: bin, dir: env.Dir, data: filepath.Join(env.Dir, "data"),
	}
	b.args = []string{"-data", b.data, "-config", conf, "-log-level", "warn"}
	if err := b.start(); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *scaleBroker) start() error {
	args := b.args
	if dir := os.Getenv(ServeProfileEnv); dir != "" {
		// One profile per broker start: a restarted broker must not
		// overwrite the first one's.
		args = append(slices.Clone(args), "-cpuprofile", filepath.Join(dir, fmt.Sprintf("broker-%d.pprof", time.Now().UnixNano())))
	}
	p, nsAddr, addr, err := startServe(b.bin, args, b.dir, scaleStartTimeout, scaleStopGrace)
	if err != nil {
		return err
	}
	// A restarted broker listens on new ports.
	b.proc, b.nsAddr, b.addr = p, nsAddr, addr
	return nil
}

// restart stops the broker and starts it again over the same data, as an
// operator's restart: the new process maps the files afresh.
func (b *scaleBroker) restart() error {
	if err := b.stop(); err != nil {
		return err
	}
	return b.start()
}

// stop ends the broker (SIGTERM: it flushes and writes its checkpoint).
func (b *scaleBroker) stop() error {
	if b.proc == nil {
		return nil
	}
	err := b.proc.Stop(scaleStopGrace)
	b.proc = nil
	return err
}

// peakRSS is the broker process's peak resident set (VmHWM) in bytes.
func (b *scaleBroker) peakRSS() (int64, error) {
	_, peak, err := b.proc.Memory()
	return peak, err
}

// createTopics creates the topics of queues queues each, with
// UPDATE_AND_CREATE_TOPIC as an operator's mqadmin updateTopic does, a few
// at a time.
func (b *scaleBroker) createTopics(topics []string, queues int) error {
	ac := admin.New(&admin.Options{NameServers: []string{b.nsAddr}, Timeout: 30 * time.Second})
	defer ac.Close()
	const parallel = 8
	var next atomic.Int64
	errs := make([]error, parallel)
	var wg sync.WaitGroup
	for w := range parallel {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(topics) {
					return
				}
				tc := admin.TopicConfig{TopicName: topics[i], ReadQueueNums: int32(queues), WriteQueueNums: int32(queues)}
				if err := ac.CreateTopic(context.Background(), b.addr, tc); err != nil {
					errs[w] = fmt.Errorf("creating topic %s: %w", topics[i], err)
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// explain adds to a failed run's error what the consumer's pulls were
// refused with and the tail of the broker's log.
func (b *scaleBroker) explain(err error, refused *pullRefusals) error {
	if err == nil {
		return nil
	}
	if r := refused.String(); r != "" {
		err = fmt.Errorf("%w (%s)", err, r)
	}
	if b.proc != nil {
		if out := b.proc.Output(); out != "" {
			const tail = 2 << 10
			err = fmt.Errorf("%w; the broker's last lines:\n%s", err, out[max(0, len(out)-tail):])
		}
	}
	return err
}

// storeDir is the directory of the broker's message store.
func (b *scaleBroker) storeDir() string { return filepath.Join(b.data, "store") }

// smokeBrokerProps are small store files for smoke runs.
func smokeBrokerProps() map[string]string {
	return map[string]string{
		"mappedFileSizeCommitLog":    fmt.Sprint(smokeSegment),
		"mappedFileSizeConsumeQueue": fmt.Sprint(10000 * 20),
		"maxHashSlotNum":             "10000",
		"maxIndexNum":                "40000",
	}
}

func mergeProps(a, b map[string]string) map[string]string {
	out := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// formatProps writes properties as broker.conf lines, sorted.
func formatProps(props map[string]string) string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&sb, "%s=%s\n", k, props[k])
	}
	return sb.String()
}

// topicNames are n topic names with the given prefix.
func topicNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	return out
}

// newScaleClient is rocketstore's remoting client with binary headers, as
// W6's own-client subject uses.
func newScaleClient() *remoting.Client {
	return remoting.NewClient(remoting.ClientOptions{SerializeType: remoting.RocketMQ})
}
