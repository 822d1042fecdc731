package store

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// eventLog collects a store's events.
type eventLog struct {
	mu         sync.Mutex
	recoveries []RecoveryReport
	rolls      []FileRollInfo
	deletions  []FilesDeletedInfo
	stalls     []FlushStallInfo
	errs       []BackgroundErrorInfo
}

func (l *eventLog) listener() *EventListener {
	return &EventListener{
		RecoveryDone:    func(r RecoveryReport) { l.mu.Lock(); l.recoveries = append(l.recoveries, r); l.mu.Unlock() },
		FileRolled:      func(i FileRollInfo) { l.mu.Lock(); l.rolls = append(l.rolls, i); l.mu.Unlock() },
		FilesDeleted:    func(i FilesDeletedInfo) { l.mu.Lock(); l.deletions = append(l.deletions, i); l.mu.Unlock() },
		FlushStalled:    func(i FlushStallInfo) { l.mu.Lock(); l.stalls = append(l.stalls, i); l.mu.Unlock() },
		BackgroundError: func(i BackgroundErrorInfo) { l.mu.Lock(); l.errs = append(l.errs, i); l.mu.Unlock() },
	}
}

// errorsOf returns the reports of task so far.
func (l *eventLog) errorsOf(task string) []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []error
	for _, e := range l.errs {
		if e.Task == task {
			out = append(out, e.Err)
		}
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for the store's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestEventsOfRecoveryRollsAndCleanup(t *testing.T) {
	var events eventLog
	var logs syncBuffer
	var usage atomic.Int64
	clk := &clock{now: time.Now()}
	opts := testOptions(mappedfile.NewMemFS())
	opts.Events = events.listener()
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	opts.Now = clk.Now
	opts.CleanResourceInterval = time.Hour
	opts.DeleteFilesInterval = time.Millisecond
	opts.IndexMaxEntries = 400 // several index files
	opts.DiskUsage = func(string) (float64, error) { return float64(usage.Load()) / 100, nil }
	s := openStore(t, "s", opts)
	defer s.Close()
	if len(events.recoveries) != 1 || events.recoveries[0].Abnormal {
		t.Fatalf("recoveries %+v", events.recoveries)
	}
	putSeqs(t, s, 0, 1200, map[int64]int64{})
	mustDispatch(t, s)
	files := s.commitLog.Files().Files()
	events.mu.Lock()
	var logRolls, indexRolls []string
	for _, r := range events.rolls {
		switch r.Kind {
		case KindCommitLog:
			logRolls = append(logRolls, r.Path)
		case KindIndex:
			indexRolls = append(indexRolls, r.Path)
		}
	}
	events.mu.Unlock()
	if len(logRolls) != len(files)-1 || logRolls[len(logRolls)-1] != files[len(files)-1].Path() {
		t.Fatalf("commit-log rolls %v for %d files", logRolls, len(files))
	}
	if idx := s.index.Files(); len(indexRolls) != len(idx)-1 || len(idx) < 3 {
		t.Fatalf("index rolls %v for %d files", indexRolls, len(idx))
	}

	usage.Store(87) // above the forced ratio: every file but the last goes
	r, err := s.DeleteExpiredFiles()
	if err != nil || r.CommitLogFiles != len(files)-1 {
		t.Fatalf("cleanup %+v, %v", r, err)
	}
	byKind := map[string]FilesDeletedInfo{}
	events.mu.Lock()
	for _, d := range events.deletions {
		byKind[d.Kind] = d
	}
	events.mu.Unlock()
	cl := byKind[KindCommitLog]
	if len(cl.Paths) != len(files)-1 || cl.Paths[0] != files[0].Path() || !strings.Contains(cl.Reason, "DiskSpaceCleanForciblyRatio 85%") {
		t.Fatalf("commit-log deletion %+v", cl)
	}
	if cq := byKind[KindConsumeQueue]; len(cq.Paths) != r.ConsumeQueueFile || r.ConsumeQueueFile == 0 || !strings.Contains(cq.Reason, "below the commit log's first offset") {
		t.Fatalf("consume-queue deletion %+v, report %+v", cq, r)
	}
	if ix := byKind[KindIndex]; len(ix.Paths) != r.IndexFiles || r.IndexFiles == 0 {
		t.Fatalf("index deletion %+v, report %+v", ix, r)
	}
	for _, want := range []string{"store: recovered", "store: new file", "kind=commitlog", "store: deleted files", "reason="} {
		if !strings.Contains(logs.String(), want) {
			t.Fatalf("no %q in the log:\n%s", want, logs.String())
		}
	}
}

func TestDispatchErrorsAreReportedOnceAndTheirEnd(t *testing.T) {
	var events eventLog
	var logs syncBuffer
	fs := mappedfile.NewMemFS()
	opts := testOptions(fs)
	opts.Events = events.listener()
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	s := openStore(t, "s", opts)
	defer s.Close()
	mustPut(t, s, testMessage(0, 100))
	mustDispatch(t, s)
	// No room for a new consume-queue file: dispatch to a new queue fails
	// and is retried every 100 ms.
	fs.SetCapacity(fsUsed(t, fs, "s") + 1024)
	m := testMessage(1, 100)
	m.Topic = "AnotherTopic"
	mustPut(t, s, m)
	testkit.WaitFor(t, "the dispatch error", func() bool { return len(events.errorsOf(TaskDispatch)) > 0 })
	time.Sleep(3 * dispatchRetry) // a few retries fail alike
	if errs := events.errorsOf(TaskDispatch); len(errs) != 1 || !errors.Is(errs[0], ErrDiskFull) {
		t.Fatalf("dispatch errors reported: %v", errs)
	}
	if err := s.DispatchError(); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("DispatchError = %v", err)
	}
	fs.SetCapacity(0)
	mustDispatch(t, s)
	testkit.WaitFor(t, "the end of the failure", func() bool { return len(events.errorsOf(TaskDispatch)) == 2 })
	if errs := events.errorsOf(TaskDispatch); errs[1] != nil {
		t.Fatalf("dispatch reports: %v", errs)
	}
	out := logs.String()
	if strings.Count(out, "background task failed") != 1 || !strings.Contains(out, "task=dispatch") || !strings.Contains(out, "works again") {
		t.Fatalf("log:\n%s", out)
	}
}

func TestFlushStallsAreReported(t *testing.T) {
	var events eventLog
	opts := testOptions(mappedfile.NewMemFS())
	opts.Events = events.listener()
	opts.FlushConsumeQueueInterval = time.Millisecond
	opts.FlushStallThreshold = time.Nanosecond // every flush is a stall
	s := openStore(t, "s", opts)
	defer s.Close()
	testkit.WaitFor(t, "a flush stall", func() bool {
		events.mu.Lock()
		defer events.mu.Unlock()
		return len(events.stalls) > 0 && events.stalls[0].Part == "consume queues and index" && events.stalls[0].Duration > 0
	})
}

func TestReporterLimitsRepeats(t *testing.T) {
	var events eventLog
	var logs syncBuffer
	r := newReporter(slog.New(slog.NewTextHandler(&logs, nil)), events.listener())
	now := time.Unix(1000, 0)
	r.now = func() time.Time { return now }
	boom, other := errors.New("boom"), errors.New("other")
	r.taskResult(TaskCleanup, nil) // nothing failed: nothing to say
	for range 5 {
		r.taskResult(TaskCleanup, boom)
	}
	r.taskResult(TaskCleanup, other) // a new cause is reported at once
	now = now.Add(errorRepeatInterval)
	r.taskResult(TaskCleanup, other) // the same, a minute later: again
	r.taskResult(TaskCleanup, nil)
	r.taskResult(TaskCleanup, nil)
	got := events.errorsOf(TaskCleanup)
	want := []error{boom, other, other, nil}
	if len(got) != len(want) {
		t.Fatalf("reports %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("reports %v, want %v", got, want)
		}
	}
	if n := strings.Count(logs.String(), "background task failed"); n != 3 {
		t.Fatalf("%d failure lines:\n%s", n, logs.String())
	}
}

func TestOptionsValidateReportsEveryProblem(t *testing.T) {
	if err := (Options{}).Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := Options{
		DiskMaxUsedSpaceRatio:       95, // above the forced ratio's default 85
		DiskSpaceWarningLevelRatio:  120,
		DeleteWhen:                  "25",
		FlushConsumeQueueInterval:   -time.Second,
		ConsumeQueueUnitsPerFile:    -1,
		IndexMaxEntries:             1,
		MaxTransferCountInMemory:    -3,
		DelayLevels:                 "1s 5x",
		FlushConsumeQueueLeastPages: -1,
	}
	err := bad.Validate()
	if !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("Validate = %v", err)
	}
	for _, want := range []string{"must not decrease", "DiskSpaceWarningLevelRatio 120%", "DeleteWhen", "FlushConsumeQueueInterval",
		"UnitsPerFile -1", "MaxEntries 1", "MaxTransferCountInMemory", "delay level", "FlushConsumeQueueLeastPages"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q is not reported in:\n%v", want, err)
		}
	}
	if _, err := Open("s", &Options{FS: mappedfile.NewMemFS(), DiskSpaceCleanForciblyRatio: 95}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("Open with ratios out of order: %v", err)
	}
}
