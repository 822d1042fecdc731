package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/store"
)

// smallStore writes n messages over 4 queues to a closed store in a
// temporary directory and returns it and each message's offset.
func smallStore(t *testing.T, n int) (string, []int64) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	s, err := store.Open(dir, &store.Options{
		CommitLog:                commitlog.Options{FileSize: 64 << 10, MaxMessageSize: 8 << 10},
		ConsumeQueueUnitsPerFile: 64,
		IndexSlotCount:           64,
		IndexMaxEntries:          256,
		CleanResourceInterval:    -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	var offsets []int64
	for i := range n {
		m := &message.Message{Topic: "CliTopic", QueueID: int32(i % 4), Body: fmt.Appendf(nil, "body %d %s", i, strings.Repeat("x", i*13%700)),
			Properties: message.EncodeProperties(map[string]string{message.PropertyKeys: fmt.Sprintf("k%d", i), message.PropertyTags: "T"})}
		res, err := s.PutMessage(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		offsets = append(offsets, res.PhysicalOffset)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, offsets
}

// run runs a tool and returns its exit status and output.
func run(cmd func([]string, *strings.Builder, *strings.Builder) int, args ...string) (int, string, string) {
	var out, errOut strings.Builder
	code := cmd(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func verify(args []string, out, errOut *strings.Builder) int  { return cmdVerify(args, out, errOut) }
func inspect(args []string, out, errOut *strings.Builder) int { return cmdInspect(args, out, errOut) }
func dump(args []string, out, errOut *strings.Builder) int    { return cmdDump(args, out, errOut) }

func TestVerify(t *testing.T) {
	dir, offsets := smallStore(t, 300)
	if code, out, errOut := run(verify, dir); code != exitOK || !strings.Contains(out, "OK: 300 records") {
		t.Fatalf("verify of a sound store: %d\n%s%s", code, out, errOut)
	}
	// Damage record 200's body: verify names its offset and fails.
	bad := offsets[200]
	path := filepath.Join(dir, "commitlog", mappedfile.FileName(bad-bad%(64<<10)))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[bad%(64<<10)+100] ^= 0x55
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := run(verify, dir, "-index-slots", "64", "-index-entries", "256")
	if code != exitDamaged || !strings.Contains(out, fmt.Sprintf("first bad offset: %d\n", bad)) || !strings.Contains(out, "DAMAGED") {
		t.Fatalf("verify of a damaged store: %d\n%s", code, out)
	}
	if code, _, errOut := run(verify, filepath.Join(dir, "nothing-here")); code != exitUsage || errOut == "" {
		t.Fatalf("verify of a missing directory: %d %q", code, errOut)
	}
	if code, _, _ := run(verify); code != exitUsage {
		t.Fatalf("verify without a directory: %d", code)
	}
}

func TestInspect(t *testing.T) {
	dir, offsets := smallStore(t, 100)
	code, out, errOut := run(inspect, dir)
	if code != exitOK {
		t.Fatalf("inspect: %d %s", code, errOut)
	}
	for _, want := range []string{"state: closed cleanly", "commit log: 1 files", "CliTopic/3  min 0  max 25", "index: 1 files",
		"dispatch nothing again"} {
		if !strings.Contains(out, want) {
			t.Fatalf("no %q in:\n%s", want, out)
		}
	}
	code, out, _ = run(inspect, "-json", dir)
	var in store.Inspection
	if err := json.Unmarshal([]byte(out), &in); code != exitOK || err != nil || len(in.Queues) != 4 || in.Recovery.End <= offsets[99] {
		t.Fatalf("inspect -json: %d %v %+v", code, err, in)
	}
}

func TestDump(t *testing.T) {
	dir, offsets := smallStore(t, 100)
	code, out, errOut := run(dump, dir, "-from", fmt.Sprint(offsets[10]), "-to", fmt.Sprint(offsets[20]), "-body", "text")
	if code != exitOK {
		t.Fatalf("dump: %d %s", code, errOut)
	}
	lines := records(t, out)
	if len(lines) != 10 || lines[0].Offset != offsets[10] || !strings.HasPrefix(lines[0].Body, "body 10 ") || !lines[0].BodyCRCOK ||
		lines[0].Properties["KEYS"] != "k10" || lines[9].Offset != offsets[19] {
		t.Fatalf("dump by offsets: %+v", lines)
	}
	code, out, _ = run(dump, dir, "-topic", "CliTopic", "-queue", "2", "-from", "3", "-to", "5", "-body", "none")
	lines = records(t, out)
	if code != exitOK || len(lines) != 2 || lines[0].QueueOffset != 3 || lines[0].Offset != offsets[14] || lines[1].Offset != offsets[18] || lines[0].Body != "" {
		t.Fatalf("dump by queue: %d %+v", code, lines)
	}
	if code, _, errOut := run(dump, dir, "-body", "hex"); code != exitUsage || !strings.Contains(errOut, "-body") {
		t.Fatalf("dump -body hex: %d %s", code, errOut)
	}
}

func records(t *testing.T, out string) []dumpedRecord {
	t.Helper()
	var recs []dumpedRecord
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var r dumpedRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}

func TestLogFlags(t *testing.T) {
	var b strings.Builder
	log, err := newLogger(&b, "warn", "json")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Warn("shown", "k", 1)
	var line map[string]any
	if err := json.Unmarshal([]byte(b.String()), &line); err != nil || line["msg"] != "shown" || line["level"] != "WARN" {
		t.Fatalf("json warn logger wrote %q (%v)", b.String(), err)
	}
	for _, bad := range [][2]string{{"loud", "text"}, {"info", "xml"}} {
		if _, err := newLogger(&b, bad[0], bad[1]); err == nil {
			t.Fatalf("%v accepted", bad)
		}
	}
}

func TestBenchDU(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "du")
	md := filepath.Join(t.TempDir(), "du.md")
	var out, errOut strings.Builder
	code := cmdBenchDU([]string{"-topics", "3", "-queues", "2", "-dir", dir, "-keep", "-md", md}, &out, &errOut)
	if code != exitOK || !strings.Contains(strings.Join(strings.Fields(out.String()), " "), "consumequeue 6 files") {
		t.Fatalf("bench-du: %d\n%s%s", code, out.String(), errOut.String())
	}
	// Sparse files: six 6 MB consume-queue files and a 420 MB index file
	// take far less than their apparent 456 MB.
	for _, part := range []string{"consumequeue", "index"} {
		if u, err := measureDiskUse(filepath.Join(dir, part)); err != nil || u.allocated > 1<<20 || u.apparent < 36e6 {
			t.Fatalf("%s: disk use %+v, %v", part, u, err)
		}
	}
	b, err := os.ReadFile(md)
	if err != nil || !strings.HasPrefix(string(b), "## Disk use of many queues") || !strings.Contains(string(b), "3 topics x 2 queues") {
		t.Fatalf("markdown %q, %v", b, err)
	}
	out.Reset()
	if code := cmdBenchDU([]string{"-topics", "1", "-queues", "1", "-max-mb", "0.001"}, &out, &errOut); code != exitDamaged || !strings.Contains(out.String(), "ABOVE") {
		t.Fatalf("bench-du over its limit: %d\n%s", code, out.String())
	}
}
