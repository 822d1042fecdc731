package main

import (
	"bufio"
	"errors"
	"net"
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
	addrFile := filepath.Join(t.TempDir(), "addrs")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ROCKETSTORE_TEST_MAIN=serve -data "+data+" -namesrv-listen 127.0.0.1:0 -listen 127.0.0.1:0 -addr-file "+addrFile+" -log-format json -log-level debug")
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
	var banner string
	select {
	case banner = <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not start: %s", stderr.String())
	}
	checkAddrFile(t, addrFile, banner)
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

// checkAddrFile asserts that serve's -addr-file names the nameserver and
// the broker its banner names, both accepting connections.
func checkAddrFile(t *testing.T, path, banner string) {
	t.Helper()
	var addrs map[string]string
	// The file is written just after the banner is printed.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var err error
		if addrs, err = loadProperties(path); err == nil {
			break
		}
		if !errors.Is(err, os.ErrNotExist) || time.Now().After(deadline) {
			t.Fatalf("address file: %v", err)
		}
	}
	if len(addrs) != 2 {
		t.Fatalf("address file %v, want the nameserver and the broker only (no console without -http)", addrs)
	}
	for _, name := range []string{addrNameServer, addrBroker} {
		addr := addrs[name]
		if addr == "" || strings.HasSuffix(addr, ":0") || !strings.Contains(banner, addr) {
			t.Fatalf("%s address %q: not the chosen port the banner %q names", name, addr, banner)
		}
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("%s at %s: %v", name, addr, err)
		}
		c.Close()
	}
}
