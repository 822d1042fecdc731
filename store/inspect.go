package store

import (
	"errors"
	"path/filepath"
	"slices"

	"github.com/rocketstore/rocketstore/consumequeue"
	"github.com/rocketstore/rocketstore/index"
	"github.com/rocketstore/rocketstore/message"
)

// Inspection describes a store directory and what opening it would do.
type Inspection struct {
	// Abnormal is set when the abort marker is there (the store is open,
	// or did not close cleanly): recovery then clears torn tails.
	Abnormal                         bool
	CheckpointFound, CheckpointValid bool
	Checkpoint                       Checkpoint
	// CommitLogFiles are the commit-log files, by start offset.
	CommitLogFiles []FileSpan
	Queues         []QueueSummary
	Index          []IndexSummary
	Recovery       RecoveryPlan
}

// FileSpan is one file of a run named by offsets.
type FileSpan struct {
	Path        string
	Start, Size int64
}

// RecoveryPlan is what Open would do to the directory, found by the same
// steps as Open's recovery but without writing anything.
type RecoveryPlan struct {
	// ScanFrom is where the commit-log scan would start, End where the
	// valid records end (the log is cut there), Records how many valid
	// records lie between.
	ScanFrom, End int64
	Records       int64
	// StoppedBy is why the scan would stop before the data ends: a damaged
	// or torn record at End. Empty when the data simply ends.
	StoppedBy string
	// DroppedFiles are files after End that hold data and would be removed.
	DroppedFiles []string
	// QueueUnitsDropped counts consume-queue units that point at or past
	// End and would be cut.
	QueueUnitsDropped int64
	// IndexFilesDropped are index files holding entries past the durable
	// point, removed and rebuilt from IndexRebuiltFrom (-1: none).
	IndexFilesDropped []string
	IndexRebuiltFrom  int64
	// DispatchFrom is where re-dispatch to consume queues and index would
	// start; RedispatchBytes how much of the log it would read.
	DispatchFrom, RedispatchBytes int64
}

// Inspect describes the store under dir without opening it: its files,
// offset ranges, queues with their minimum and maximum offsets, index
// files, checkpoint, and what recovery would do. It reads the units at
// the ends of each queue and the records recovery would scan, not every
// byte: Check does that.
func Inspect(dir string, opts *CheckOptions) (Inspection, error) {
	var o CheckOptions
	if opts != nil {
		o = *opts
	}
	var in Inspection
	d, err := openDirReader(o.FS, dir)
	if err != nil {
		return in, err
	}
	err = inspect(d, &o, &in)
	return in, errors.Join(err, d.close())
}

func inspect(d *dirReader, o *CheckOptions, in *Inspection) error {
	var err error
	if in.Abnormal, err = d.abortMarker(); err != nil {
		return err
	}
	if in.Checkpoint, in.CheckpointFound, in.CheckpointValid, err = d.checkpoint(); err != nil {
		return err
	}
	for _, f := range d.logFiles {
		in.CommitLogFiles = append(in.CommitLogFiles, FileSpan{Path: f.path, Start: f.start, Size: f.size})
	}
	if err := inspectIndex(d, o, in); err != nil {
		return err
	}
	plan := planner{d: d, in: in, p: &in.Recovery}
	if err := plan.scan(!o.SkipCRC); err != nil {
		return err
	}
	if err := inspectQueues(d, in, &plan); err != nil {
		return err
	}
	plan.dispatch()
	return nil
}

// inspectIndex reads the index files' headers.
func inspectIndex(d *dirReader, o *CheckOptions, in *Inspection) error {
	files, err := d.indexFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		b, err := f.bytes(d.fs)
		if err != nil {
			return err
		}
		slots, entries := indexGeometry(int64(len(b)), o.IndexSlotCount, o.IndexMaxEntries)
		if len(b) >= index.HeaderSize {
			in.Index = append(in.Index, IndexSummary{Path: f.path, SlotCount: slots, MaxEntries: entries, Header: index.DecodeHeader(b)})
		}
		if err := f.unmap(); err != nil {
			return err
		}
	}
	return nil
}

// planner follows the steps of MessageStore.recover and the commit log's
// recovery without writing anything.
type planner struct {
	d  *dirReader
	in *Inspection
	p  *RecoveryPlan

	queuesFrom, indexFrom int64
	queuesMaxPhys         int64 // how far the queues' valid units go
}

// scan finds where the commit-log scan would start and stop, and which
// index files would go.
func (pl *planner) scan(checkCRC bool) error {
	in, p := pl.in, pl.p
	p.IndexRebuiltFrom = -1
	if in.CheckpointValid {
		pl.queuesFrom, pl.indexFrom = in.Checkpoint.LogicsOffset, in.Checkpoint.IndexOffset
		if len(in.Index) == 0 {
			pl.indexFrom = 0
		}
	}
	pl.dropIndex(pl.indexFrom)
	files := pl.d.logFiles
	if len(files) == 0 {
		return nil
	}
	scanFrom := recoveryScanFrom(in.Checkpoint, in.CheckpointValid, in.Abnormal, pl.queuesFrom, pl.indexFrom)
	start := max(0, len(files)-3)
	for start > 0 && files[start].start > scanFrom {
		start--
	}
	for start > 0 && !firstRecordValid(pl.d, files[start], checkCRC) {
		start--
	}
	scan, err := pl.d.scanLog(start, checkCRC, nil, nil, nil)
	if err != nil {
		return err
	}
	p.ScanFrom, p.End, p.Records = files[start].start, scan.End, scan.Records
	if scan.Reason != nil {
		p.StoppedBy = scan.Reason.Error()
	}
	for _, f := range files {
		if f.start > scan.End && holdsData(pl.d, f) {
			p.DroppedFiles = append(p.DroppedFiles, filepath.Base(f.path))
		}
	}
	if scan.End < pl.indexFrom {
		pl.dropIndex(scan.End)
	}
	return nil
}

// dropIndex drops the index files holding entries at or after from.
func (pl *planner) dropIndex(from int64) {
	p := pl.p
	for _, x := range pl.in.Index {
		if x.IndexCount > 1 && x.EndPhysicalOffset >= from && !slices.Contains(p.IndexFilesDropped, x.Path) {
			p.IndexFilesDropped = append(p.IndexFilesDropped, x.Path)
			if p.IndexRebuiltFrom < 0 || x.BeginPhysicalOffset < p.IndexRebuiltFrom {
				p.IndexRebuiltFrom = x.BeginPhysicalOffset
			}
		}
	}
	if p.IndexRebuiltFrom >= 0 {
		pl.indexFrom = min(pl.indexFrom, p.IndexRebuiltFrom)
	}
}

// dispatch finds where re-dispatch would start.
func (pl *planner) dispatch() {
	p := pl.p
	if len(pl.d.logFiles) == 0 {
		return
	}
	begin, end := pl.d.logFiles[0].start, p.End
	queuesFrom := min(pl.queuesFrom, pl.queuesMaxPhys)
	queuesFrom = min(max(queuesFrom, begin), end)
	indexFrom := min(max(pl.indexFrom, begin), end)
	p.DispatchFrom = min(queuesFrom, indexFrom)
	p.RedispatchBytes = end - p.DispatchFrom
}

// firstRecordValid reports whether f starts with a valid record.
func firstRecordValid(d *dirReader, f *dirFile, checkCRC bool) bool {
	b, err := f.bytes(d.fs)
	if err != nil {
		return false
	}
	valid := false
	// A first record that fails its checks ends the walk with an error
	// before any callback: valid stays false.
	_, _ = scanFileRecords(b, f.start, checkCRC, func(int64, *message.Record) bool {
		valid = true
		return false
	})
	return valid
}

// holdsData reports whether anything was written to f.
func holdsData(d *dirReader, f *dirFile) bool {
	b, err := f.bytes(d.fs)
	return err == nil && len(b) >= message.MinBlankSize && !isZero(b[:message.MinBlankSize])
}

// inspectQueues finds each queue's offsets, how far its valid units go,
// and the units recovery would cut.
func inspectQueues(d *dirReader, in *Inspection, pl *planner) error {
	var begin int64
	if len(d.logFiles) > 0 {
		begin = d.logFiles[0].start
	}
	return d.eachQueue(func(k queueKey, files []*dirFile) error {
		sum := QueueSummary{Topic: k.topic, QueueID: k.queueID, Files: len(files), MinOffset: -1}
		err := eachUnit(d, files, func(logic int64, u consumequeue.Unit) bool {
			sum.MaxOffset = logic + 1
			if !u.IsBlank() {
				pl.queuesMaxPhys = max(pl.queuesMaxPhys, u.CommitLogOffset+int64(u.Size))
				sum.Units++
				if u.CommitLogOffset < begin {
					sum.Expired++
				} else if sum.MinOffset < 0 {
					sum.MinOffset = logic
				}
				if u.CommitLogOffset >= in.Recovery.End {
					in.Recovery.QueueUnitsDropped++
				}
			}
			return true
		})
		if sum.MinOffset < 0 {
			sum.MinOffset = sum.MaxOffset
		}
		in.Queues = append(in.Queues, sum)
		return err
	})
}

// eachUnit feeds fn the units of a queue's files in order, up to the first
// unit never written (where a queue's recovery stops) or until fn returns
// false, unmapping each file after it.
func eachUnit(d *dirReader, files []*dirFile, fn func(logic int64, u consumequeue.Unit) bool) error {
	for _, f := range files {
		b, err := f.bytes(d.fs)
		if err != nil {
			return err
		}
		more := true
		for pos := 0; more && pos+consumequeue.UnitSize <= len(b); pos += consumequeue.UnitSize {
			u := consumequeue.DecodeUnit(b[pos:])
			if !consumequeue.Written(u) {
				more = false
				break
			}
			more = fn((f.start+int64(pos))/consumequeue.UnitSize, u)
		}
		if err := f.unmap(); err != nil || !more {
			return err
		}
	}
	return nil
}
