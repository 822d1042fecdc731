package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run this binary's main as a child process.
func TestMain(m *testing.M) {
	if args := os.Getenv("ROCKETSTORE_TEST_MAIN"); args != "" {
		os.Args = append([]string{"rocketstore"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestServeShutsDownCleanlyOnSIGTERM(t *testing.T) {
	data := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ROCKETSTORE_TEST_MAIN=serve -data "+data+" -namesrv-listen 127.0.0.1:0 -listen 127.0.0.1:0 -log-format json -log-level debug")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "rocketstore: nameserver on") {
				ready <- sc.Text()
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not start: %s", stderr.String())
	}
	// The abort marker exists while the store is open.
	if _, err := os.Stat(filepath.Join(data, "store", "abort")); err != nil {
		t.Fatalf("no abort marker while running: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v: %s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	if _, err := os.Stat(filepath.Join(data, "store", "abort")); !os.IsNotExist(err) {
		t.Fatalf("the abort marker is still there after a clean shutdown: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "store", "checkpoint")); err != nil {
		t.Fatalf("no checkpoint: %v", err)
	}
	// The store logged its recovery through the JSON handler the flags
	// asked for.
	if !strings.Contains(stderr.String(), `"msg":"store: recovered"`) {
		t.Fatalf("no JSON log line of the store's recovery in:\n%s", stderr.String())
	}
}
