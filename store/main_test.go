package store

import (
	"os"
	"testing"
)

// TestMain lets the crash test re-execute this test binary as the writer
// that gets killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		runCrashChild(dir)
		return
	}
	os.Exit(m.Run())
}
