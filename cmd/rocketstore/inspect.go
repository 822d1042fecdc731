package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"time"

	"github.com/rocketstore/rocketstore/store"
)

// cmdInspect describes a store directory and what opening it would do.
func cmdInspect(args []string, stdout, stderr io.Writer) int {
	tf := newToolFlags("inspect", stderr)
	asJSON := tf.fs.Bool("json", false, "print the inspection as JSON")
	dir, err := tf.parse(args)
	if err != nil {
		fmt.Fprintln(stderr, "rocketstore:", err)
		return exitUsage
	}
	in, err := store.Inspect(dir, tf.checkOptions())
	if err != nil {
		fmt.Fprintln(stderr, "rocketstore: inspect:", err)
		return exitUsage
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(in); err != nil {
			fmt.Fprintln(stderr, "rocketstore: inspect:", err)
			return exitUsage
		}
		return exitOK
	}
	printInspection(stdout, dir, &in)
	return exitOK
}

func printInspection(w io.Writer, dir string, in *store.Inspection) {
	fmt.Fprintf(w, "store %s\n", dir)
	if in.Abnormal {
		fmt.Fprintln(w, "state: abort marker present: the store is open, or its last run did not close cleanly")
	} else {
		fmt.Fprintln(w, "state: closed cleanly")
	}
	cp := in.Checkpoint
	switch {
	case !in.CheckpointFound:
		fmt.Fprintln(w, "checkpoint: none")
	case !in.CheckpointValid:
		fmt.Fprintln(w, "checkpoint: torn or foreign (CRC mismatch): recovery rebuilds consume queues and index")
	default:
		fmt.Fprintf(w, "checkpoint: consume queues durable below %d, index below %d, commit log flushed below %s; last record times: log %s, queues %s, index %s\n",
			cp.LogicsOffset, cp.IndexOffset, flushedOffset(cp.CommitLogFlushed), msTime(cp.PhysicMsgTimestamp), msTime(cp.LogicsMsgTimestamp), msTime(cp.IndexMsgTimestamp))
	}
	fmt.Fprintf(w, "commit log: %d files\n", len(in.CommitLogFiles))
	for _, f := range in.CommitLogFiles {
		fmt.Fprintf(w, "  %s  [%d, %d)\n", filepath.Base(f.Path), f.Start, f.Start+f.Size)
	}
	fmt.Fprintf(w, "consume queues: %d\n", len(in.Queues))
	for _, q := range in.Queues {
		fmt.Fprintf(w, "  %s/%d  min %d  max %d  (%d units, %d pointing at deleted records, %d files)\n",
			q.Topic, q.QueueID, q.MinOffset, q.MaxOffset, q.Units, q.Expired, q.Files)
	}
	fmt.Fprintf(w, "index: %d files\n", len(in.Index))
	for _, x := range in.Index {
		fmt.Fprintf(w, "  %s  %d of %d entries, %d slots in use, offsets [%d, %d], times %s .. %s\n",
			filepath.Base(x.Path), max(0, x.IndexCount-1), x.MaxEntries-1, x.HashSlotCount,
			x.BeginPhysicalOffset, x.EndPhysicalOffset, msTime(x.BeginTimestamp), msTime(x.EndTimestamp))
	}
	printPlan(w, &in.Recovery)
}

func printPlan(w io.Writer, p *store.RecoveryPlan) {
	fmt.Fprintln(w, "opening it would:")
	fmt.Fprintf(w, "  scan the commit log from %d: %d valid records, ending at %d\n", p.ScanFrom, p.Records, p.End)
	if p.StoppedBy != "" {
		fmt.Fprintf(w, "  cut the commit log at %d: %s\n", p.End, p.StoppedBy)
	}
	if len(p.DroppedFiles) > 0 {
		fmt.Fprintf(w, "  remove commit-log files past the end: %v\n", p.DroppedFiles)
	}
	if p.QueueUnitsDropped > 0 {
		fmt.Fprintf(w, "  cut %d consume-queue units pointing at or past %d\n", p.QueueUnitsDropped, p.End)
	}
	if len(p.IndexFilesDropped) > 0 {
		fmt.Fprintf(w, "  remove %d index files and index again from %d\n", len(p.IndexFilesDropped), p.IndexRebuiltFrom)
	}
	if p.RedispatchBytes > 0 {
		fmt.Fprintf(w, "  dispatch again from %d (%d bytes of the log)\n", p.DispatchFrom, p.RedispatchBytes)
	} else {
		fmt.Fprintln(w, "  dispatch nothing again: consume queues and index are level with the log")
	}
}

// msTime formats a store time (ms since the epoch), or "-" for none.
func msTime(ms int64) string {
	if ms <= 0 {
		return "-"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// flushedOffset prints a checkpoint's commit-log flushed offset; an
// earlier version did not record it.
func flushedOffset(off int64) string {
	if off < 0 {
		return "(not recorded)"
	}
	return strconv.FormatInt(off, 10)
}
