package broker

import (
	"os"
	"testing"
)

// TestMain lets the sync-master crash test run this test binary as the
// master that gets killed.
func TestMain(m *testing.M) {
	if os.Getenv(masterChildEnv) != "" {
		runMasterChild()
		return
	}
	os.Exit(m.Run())
}
