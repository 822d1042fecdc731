package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/rocketstore/rocketstore/store"
)

// cmdVerify runs store.Check on a directory: status 0 when consistent, 1
// when damaged (naming the first bad offset), 2 when it cannot be read.
func cmdVerify(args []string, stdout, stderr io.Writer) int {
	tf := newToolFlags("verify", stderr)
	skipCRC := tf.fs.Bool("skip-crc", false, "do not check body CRCs (faster)")
	all := tf.fs.Bool("all", false, "list every problem found, not only the first 100")
	dir, err := tf.parse(args)
	if err != nil {
		fmt.Fprintln(stderr, "rocketstore:", err)
		return exitUsage
	}
	opts := tf.checkOptions()
	opts.SkipCRC = *skipCRC
	if *all {
		opts.MaxProblems = 1 << 30
	}
	bar := newProgress(stderr, "verifying "+dir)
	opts.Progress = bar.update
	rep, err := store.Check(dir, opts)
	bar.finish()
	if rep.Abnormal {
		fmt.Fprintln(stdout, "note: the abort marker is there: the store is open, or its last run did not close cleanly; recovery at the next start repairs a torn tail")
	}
	if err != nil && rep.OK() {
		fmt.Fprintln(stderr, "rocketstore: verify:", err)
		return exitUsage
	}
	cl := rep.CommitLog
	if rep.OK() {
		fmt.Fprintf(stdout, "%s: OK: %d records in %d commit-log files [%d, %d), %d consume queues, %d index files\n",
			dir, cl.Records, cl.Files, cl.MinOffset, cl.EndOffset, len(rep.Queues), len(rep.Index))
		return exitOK
	}
	fmt.Fprintf(stdout, "%s: DAMAGED: %d problems\n", dir, rep.ProblemCount)
	if off, ok := firstBadOffset(rep); ok {
		fmt.Fprintf(stdout, "first bad offset: %d\n", off)
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(stdout, "  "+p.String())
	}
	if n := rep.ProblemCount - len(rep.Problems); n > 0 {
		fmt.Fprintf(stdout, "  ... and %d more (-all lists them)\n", n)
	}
	return exitDamaged
}

// firstBadOffset is the lowest commit-log offset a problem is about: a bad
// record's own, else what a bad unit or entry points at.
func firstBadOffset(rep store.Report) (int64, bool) {
	best, found := int64(0), false
	for _, kind := range []string{store.KindCommitLog, ""} {
		for _, p := range rep.Problems {
			if p.Offset >= 0 && (kind == "" || p.Kind == kind) && (!found || p.Offset < best) {
				best, found = p.Offset, true
			}
		}
		if found {
			return best, true
		}
	}
	return 0, false
}

// progress is a progress bar on a terminal, and nothing elsewhere (a pipe,
// a file, a test).
type progress struct {
	w    io.Writer
	desc string
	bar  *progressbar.ProgressBar
}

func newProgress(w io.Writer, desc string) *progress {
	if f, ok := w.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return &progress{}
	}
	return &progress{w: w, desc: desc}
}

// update moves the bar; the first call, which knows the total, draws it.
func (p *progress) update(done, total int64) {
	if p.w == nil {
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(p.desc),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	if err := p.bar.Set64(done); err != nil {
		p.w = nil // the terminal went away: verify goes on without the bar
	}
}

func (p *progress) finish() {
	if p.bar != nil && p.w != nil {
		if err := p.bar.Finish(); err != nil {
			p.w = nil
		}
	}
}
