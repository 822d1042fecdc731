package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/store"
)

// cmdBenchDU measures the disk use of a store with many topics and queues
// and one message in each queue: what thousands of quiet queues cost in
// consume-queue and index files, which are created sparse for that reason.
// The store has RocketMQ's default file sizes.
func cmdBenchDU(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench-du", flag.ContinueOnError)
	fs.SetOutput(stderr)
	topics := fs.Int("topics", 1000, "number of topics")
	queues := fs.Int("queues", 8, "queues per topic")
	dir := fs.String("dir", "", "store directory (default: a temporary one, removed at the end)")
	keep := fs.Bool("keep", false, "keep the store directory")
	maxMB := fs.Float64("max-mb", 100, "fail (status 1) when consume queues and index take more MB than this")
	md := fs.String("md", "", "also write the result as a Markdown section to this file")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	root := *dir
	if root == "" {
		tmp, err := os.MkdirTemp("", "rocketstore-du-")
		if err != nil {
			fmt.Fprintln(stderr, "rocketstore: bench-du:", err)
			return exitUsage
		}
		root = tmp
	}
	if !*keep {
		defer os.RemoveAll(root)
	}
	start := time.Now()
	if err := fillQueues(root, *topics, *queues); err != nil {
		fmt.Fprintln(stderr, "rocketstore: bench-du:", err)
		return exitUsage
	}
	use := map[string]diskUse{}
	for _, part := range []string{"consumequeue", "index", "commitlog"} {
		u, err := measureDiskUse(filepath.Join(root, part))
		if err != nil {
			fmt.Fprintln(stderr, "rocketstore: bench-du:", err)
			return exitUsage
		}
		use[part] = u
	}
	derived := use["consumequeue"].allocated + use["index"].allocated
	res := duResult{topics: *topics, queues: *queues, use: use, derivedMB: float64(derived) / 1e6, maxMB: *maxMB, took: time.Since(start)}
	res.print(stdout)
	if *keep {
		fmt.Fprintf(stdout, "store kept in %s\n", root)
	}
	if *md != "" {
		if err := os.WriteFile(*md, []byte(res.markdown()), 0o644); err != nil {
			fmt.Fprintln(stderr, "rocketstore: bench-du:", err)
			return exitUsage
		}
	}
	if res.derivedMB > *maxMB {
		return exitDamaged
	}
	return exitOK
}

// fillQueues creates the store under root and puts one message, with a
// key and a unique key (as clients send), into each queue of each topic.
func fillQueues(root string, topics, queues int) error {
	s, err := store.Open(root, &store.Options{
		// The commit log is not what is measured: one file, no second one
		// created ahead.
		CommitLog:             commitlog.Options{DisablePreallocate: true},
		CleanResourceInterval: -1,
	})
	if err != nil {
		return err
	}
	ctx := context.Background()
	for t := range topics {
		for q := range queues {
			m := &message.Message{
				Topic: fmt.Sprintf("DuTopic%04d", t), QueueID: int32(q), Body: []byte("hello"),
				Properties: message.EncodeProperties(map[string]string{
					message.PropertyKeys:    fmt.Sprintf("order-%d-%d", t, q),
					message.PropertyUniqKey: fmt.Sprintf("%08X%08X", t, q),
				}),
			}
			if _, err := s.PutMessage(ctx, m); err != nil {
				s.Close()
				return err
			}
		}
	}
	return s.Close()
}

// diskUse is what a directory tree takes: its files' apparent size, and
// the blocks allocated to its files and directories (what du counts: a
// queue's two directories take a block each, as much as its sparse file).
type diskUse struct {
	files     int
	apparent  int64
	allocated int64
}

func measureDiskUse(dir string) (diskUse, error) {
	var u diskUse
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		u.allocated += allocatedBytes(fi)
		if !d.IsDir() {
			u.files++
			u.apparent += fi.Size()
		}
		return nil
	})
	return u, err
}

type duResult struct {
	topics, queues int
	use            map[string]diskUse
	derivedMB      float64
	maxMB          float64
	took           time.Duration
}

func (r duResult) print(w io.Writer) {
	fmt.Fprintf(w, "%d topics x %d queues, one message each (%v)\n", r.topics, r.queues, r.took.Round(time.Millisecond))
	for _, part := range []string{"consumequeue", "index", "commitlog"} {
		u := r.use[part]
		fmt.Fprintf(w, "  %-13s %6d files  apparent %10.1f MB  on disk %8.1f MB\n", part, u.files, float64(u.apparent)/1e6, float64(u.allocated)/1e6)
	}
	verdict := "within"
	if r.derivedMB > r.maxMB {
		verdict = "ABOVE"
	}
	fmt.Fprintf(w, "consume queues + index on disk: %.1f MB (%s the %.0f MB target)\n", r.derivedMB, verdict, r.maxMB)
}

// markdown is the result as the "Disk use of many queues" section of
// BENCHMARKS.md.
func (r duResult) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Disk use of many queues\n\n")
	fmt.Fprintf(&b, "A store with RocketMQ's default file sizes, %d topics x %d queues and one message in each queue "+
		"(a key and a unique key each, so two index entries). Consume-queue and index files are created sparse, as RocketMQ's: "+
		"a file takes disk only where it was written. \"On disk\" counts the blocks allocated to files and directories, as `du` does "+
		"(a queue's directory takes a block, as much as its sparse file).\n\n", r.topics, r.queues)
	fmt.Fprintf(&b, "| part | files | apparent size (MB) | on disk (MB) |\n|---|---:|---:|---:|\n")
	for _, part := range []string{"consumequeue", "index", "commitlog"} {
		u := r.use[part]
		fmt.Fprintf(&b, "| %s | %d | %.1f | %.1f |\n", part, u.files, float64(u.apparent)/1e6, float64(u.allocated)/1e6)
	}
	fmt.Fprintf(&b, "\nConsume queues and index together: **%.1f MB** on disk (target: under %.0f MB).\n\n", r.derivedMB, r.maxMB)
	fmt.Fprintf(&b, "Produced by `scripts/du-topics.sh` (which runs `go run ./cmd/rocketstore bench-du -topics %d -queues %d` and cross-checks with `du`).\n",
		r.topics, r.queues)
	return b.String()
}
