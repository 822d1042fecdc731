package timer

import (
	"os"
	"testing"
)

// TestMain lets the SIGKILL test run this test binary as the broker-like
// child that gets killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		runCrashChild(dir)
		return
	}
	os.Exit(m.Run())
}
