package store

import (
	"path/filepath"
	"testing"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// TestInspectPredictsRecovery damages closed stores in the ways recovery
// handles and compares what Inspect says Open would do with what Open
// then does.
func TestInspectPredictsRecovery(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, fs *mappedfile.MemFS, opts *Options, want map[int64]int64)
		check  func(t *testing.T, p RecoveryPlan, want map[int64]int64)
	}{
		{"clean", func(*testing.T, *mappedfile.MemFS, *Options, map[int64]int64) {}, func(t *testing.T, p RecoveryPlan, _ map[int64]int64) {
			if p.RedispatchBytes != 0 || p.StoppedBy != "" || len(p.IndexFilesDropped) != 0 {
				t.Fatalf("plan for a clean store %+v", p)
			}
		}},
		{"damaged record after a crash", func(t *testing.T, fs *mappedfile.MemFS, opts *Options, want map[int64]int64) {
			bad, size := want[350], int64(opts.CommitLog.FileSize)
			poke(t, fs, filepath.Join("s", commitLogDir, mappedfile.FileName(bad-bad%size)), int(bad%size)+150, func(b []byte) { b[0] ^= 0xff })
			if err := createAbortMarker(fs, filepath.Join("s", abortName)); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, p RecoveryPlan, want map[int64]int64) {
			if p.End != want[350] || p.StoppedBy == "" || p.QueueUnitsDropped != 250 || len(p.IndexFilesDropped) == 0 {
				t.Fatalf("plan %+v, want the log cut at %d and 250 units dropped", p, want[350])
			}
		}},
		{"no checkpoint", func(t *testing.T, fs *mappedfile.MemFS, _ *Options, _ map[int64]int64) {
			if err := fs.Remove(filepath.Join("s", checkpointName)); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, p RecoveryPlan, _ map[int64]int64) {
			if p.DispatchFrom != 0 || p.RedispatchBytes != p.End {
				t.Fatalf("plan without a checkpoint %+v", p)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs, opts, want := checkedStore(t)
			tc.damage(t, fs, opts, want)
			in, err := Inspect("s", checkOptions(opts))
			if err != nil {
				t.Fatal(err)
			}
			p := in.Recovery
			tc.check(t, p, want)
			s := openStore(t, "s", opts)
			r := s.Recovery()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			cl := r.CommitLog
			if p.ScanFrom != cl.ScanFrom || p.End != cl.End || p.Records != cl.Records || p.DispatchFrom != r.DispatchFrom ||
				p.IndexRebuiltFrom != r.IndexRebuiltFrom || (p.StoppedBy != "") != (cl.Reason != nil) || len(p.DroppedFiles) != len(cl.DroppedFiles) {
				t.Fatalf("Inspect planned %+v; Open did %+v", p, r)
			}
		})
	}
}

func TestInspectDescribesTheFiles(t *testing.T) {
	_, opts, _ := checkedStore(t)
	in, err := Inspect("s", checkOptions(opts))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check("s", checkOptions(opts))
	if err != nil {
		t.Fatal(err)
	}
	if len(in.CommitLogFiles) != rep.CommitLog.Files || len(in.Index) != len(rep.Index) || !in.CheckpointValid || in.Abnormal {
		t.Fatalf("inspection %+v", in)
	}
	for i, q := range in.Queues {
		if q != rep.Queues[i] {
			t.Fatalf("queue %d: inspection %+v, check %+v", i, q, rep.Queues[i])
		}
	}
}
