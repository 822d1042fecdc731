package acl

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/logtest"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 5 * time.Second

// writeACL writes content as dir/plain_acl.yml and returns its path.
func writeACL(t testing.TB, dir, content string) string {
	t.Helper()
	path := filepath.Join(dir, "plain_acl.yml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// openACL writes content to a temporary plain_acl.yml and opens it with
// opts (reloading disabled unless opts says otherwise); the authorizer is
// closed when the test ends.
func openACL(t testing.TB, content string, opts *Options) (*Authorizer, *logtest.Buffer) {
	t.Helper()
	path := writeACL(t, t.TempDir(), content)
	log, buf := logtest.New()
	o := Options{ReloadInterval: -1}
	if opts != nil {
		o = *opts
	}
	o.Logger = log
	a, err := Open(path, &o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, buf
}

// eventually polls cond until it holds or testTimeout passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
