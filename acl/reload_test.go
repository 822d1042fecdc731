package acl

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

const oneAccount = `
accounts:
  - accessKey: firstUser
    secretKey: firstSecret
    defaultTopicPerm: PUB
`

const twoAccounts = oneAccount + `  - accessKey: secondUser
    secretKey: secondSecret
    defaultTopicPerm: PUB
`

// signedSend is a send to topicB signed with creds.
func signedSend(creds [2]string) *remoting.Command {
	cmd := req(remoting.RequestSendMessageV2, "a", "pg", "b", "topicB")
	Sign(cmd, creds[0], creds[1])
	return cmd
}

// TestReloadOnFileChange rewrites the file under a watching authorizer: a
// good file replaces the configuration, a bad one is logged once and the
// previous configuration keeps serving, and a fixed one loads again.
func TestReloadOnFileChange(t *testing.T) {
	a, logs := openACL(t, oneAccount, &Options{ReloadInterval: 5 * time.Millisecond})
	first, second := [2]string{"firstUser", "firstSecret"}, [2]string{"secondUser", "secondSecret"}
	if err := a.Check(signedSend(second), clientAddr); !errors.Is(err, ErrUnknownAccessKey) {
		t.Fatalf("second account before the change: %v", err)
	}

	writeFile(t, a.Path(), twoAccounts)
	eventually(t, "the added account", func() bool { return a.Check(signedSend(second), clientAddr) == nil })

	writeFile(t, a.Path(), twoAccounts+"  - accessKey: x\n") // too short a key
	eventually(t, "the reload failure logged", func() bool { return len(logs.Lines("acl config not reloaded")) > 0 })
	if err := a.Check(signedSend(first), clientAddr); err != nil {
		t.Fatalf("the previous configuration stopped serving: %v", err)
	}
	if err := a.Check(signedSend(second), clientAddr); err != nil {
		t.Fatalf("the previous configuration stopped serving: %v", err)
	}
	// The watcher keeps polling the same bad file; it is logged once.
	time.Sleep(50 * time.Millisecond)
	if n := len(logs.Lines("acl config not reloaded")); n != 1 {
		t.Fatalf("the same bad file logged %d times", n)
	}

	writeFile(t, a.Path(), oneAccount)
	eventually(t, "the removed account gone", func() bool {
		return errors.Is(a.Check(signedSend(second), clientAddr), ErrUnknownAccessKey)
	})
}

// writeFile replaces path's content by renaming a new file over it, so
// that the watcher never reads a half-written file.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path+".new", []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

// TestReloadWaitsForStableContent: a file truncated to nothing (an editor
// mid-write) is not loaded while it keeps changing.
func TestReloadWaitsForStableContent(t *testing.T) {
	a, _ := openACL(t, oneAccount, nil)
	first := [2]string{"firstUser", "firstSecret"}
	var pending [32]byte
	writeFile(t, a.Path(), "")
	pending = a.poll(pending) // sees the empty file for the first time
	writeFile(t, a.Path(), twoAccounts)
	pending = a.poll(pending) // changed again: still waiting
	if err := a.Check(signedSend(first), clientAddr); err != nil {
		t.Fatalf("a changing file was loaded: %v", err)
	}
	a.poll(pending) // unchanged for an interval: loaded
	if err := a.Check(signedSend([2]string{"secondUser", "secondSecret"}), clientAddr); err != nil {
		t.Fatalf("the settled file was not loaded: %v", err)
	}
}

// TestReloadMissingFileKeepsConfig removes the file: the configuration
// in use stays.
func TestReloadMissingFileKeepsConfig(t *testing.T) {
	a, _ := openACL(t, oneAccount, nil)
	if err := os.Remove(a.Path()); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Reload of a missing file: %v", err)
	}
	if err := a.Check(signedSend([2]string{"firstUser", "firstSecret"}), clientAddr); err != nil {
		t.Fatal(err)
	}
}
