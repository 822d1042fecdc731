package acl

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/logtest"
)

// TestAdminEditsPersist creates, changes and deletes accounts and
// replaces the white list; each change serves checks at once and is in
// the file, with a new data version, for a fresh Open.
func TestAdminEditsPersist(t *testing.T) {
	clock := time.UnixMilli(1_700_000_000_000)
	a, _ := openACL(t, oneAccount, &Options{ReloadInterval: -1, Now: func() time.Time { return clock }})
	newUser := [2]string{"createdUser", "createdSecret"}

	if err := a.UpdateAccount(AccountUpdate{AccessKey: newUser[0], SecretKey: newUser[1], DefaultTopicPerm: "PUB"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Check(signedSend(newUser), clientAddr); err != nil {
		t.Fatalf("created account: %v", err)
	}
	if v := a.Version(); v.Counter != 1 || v.Timestamp != clock.UnixMilli() {
		t.Fatalf("version after one edit: %+v", v)
	}

	// A change keeps what it does not name, except admin.
	white := "192.168.9.*"
	if err := a.UpdateAccount(AccountUpdate{AccessKey: newUser[0], SecretKey: newUser[1], WhiteRemoteAddress: &white, TopicPerms: []string{"topicB=DENY"}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Check(signedSend(newUser), clientAddr); !errors.Is(err, ErrNoPermission) {
		t.Fatalf("after denying topicB: %v", err)
	}
	if err := a.UpdateGlobalWhiteAddrs([]string{"172.16.0.*"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Check(req(3000), clientAddr); err != nil {
		t.Fatalf("after white-listing the client: %v", err)
	}
	if err := a.DeleteAccount("firstUser"); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteAccount("firstUser"); !errors.Is(err, ErrAccountNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}

	discard, _ := logtest.New()
	reopened, err := Open(a.Path(), &Options{ReloadInterval: -1, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	fc := reopened.Config()
	if len(fc.Accounts) != 1 || fc.Accounts[0].AccessKey != newUser[0] || fc.Accounts[0].DefaultTopicPerm != "PUB" ||
		fc.Accounts[0].WhiteRemoteAddress != white || len(fc.Accounts[0].TopicPerms) != 1 {
		t.Fatalf("accounts in the file: %+v", fc.Accounts)
	}
	if len(fc.GlobalWhiteRemoteAddresses) != 1 || reopened.Version().Counter != 4 {
		t.Fatalf("file: white %v, version %+v", fc.GlobalWhiteRemoteAddresses, reopened.Version())
	}
	if st, err := os.Stat(a.Path()); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode after edits: %v %v", st.Mode(), err)
	}
}

// TestAdminEditRefusedLeavesFile refuses edits that would not load, and
// edits of a file that does not parse.
func TestAdminEditRefusedLeavesFile(t *testing.T) {
	a, _ := openACL(t, oneAccount, nil)
	before, _ := os.ReadFile(a.Path())
	for _, u := range []AccountUpdate{
		{AccessKey: "short", SecretKey: "longEnough"},
		{AccessKey: "longEnough", SecretKey: "short"},
		{AccessKey: "longEnough", SecretKey: "longEnough", TopicPerms: []string{"t=ALL"}},
	} {
		if err := a.UpdateAccount(u); err == nil {
			t.Errorf("update %+v accepted", u)
		}
	}
	if err := a.UpdateGlobalWhiteAddrs([]string{"999.1.1.1"}); err == nil {
		t.Error("bad white address accepted")
	}
	if after, _ := os.ReadFile(a.Path()); string(after) != string(before) {
		t.Fatalf("refused edits changed the file:\n%s", after)
	}
	writeFile(t, a.Path(), "accounts: [")
	err := a.UpdateGlobalWhiteAddrs(nil)
	if err == nil || !strings.Contains(err.Error(), "does not parse") {
		t.Fatalf("edit of an unparsable file: %v", err)
	}
	a.Close()
	if err := a.DeleteAccount("firstUser"); !errors.Is(err, ErrClosed) {
		t.Fatalf("edit after Close: %v", err)
	}
}
