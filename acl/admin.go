package acl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/rocketstore/rocketstore/internal/atomicfile"
)

// Edits made through the admin requests. Each reads the file as it is on
// disk (so that a hand edit not reloaded yet is not lost), applies the
// change, checks the result as a load would, bumps the data version and
// replaces the file atomically; only then does the new configuration
// serve checks. A change that would not load is refused and nothing is
// written.

// ErrAccountNotFound is returned by DeleteAccount for an unknown key.
var ErrAccountNotFound = errors.New("acl: no such account")

// AccountUpdate creates an account or changes one, with RocketMQ's
// UPDATE_AND_CREATE_ACL_CONFIG semantics: AccessKey and SecretKey are
// required; the other members change the account only when set (nil or
// empty), except Admin, which is always taken.
type AccountUpdate struct {
	AccessKey          string
	SecretKey          string
	WhiteRemoteAddress *string
	Admin              bool
	DefaultTopicPerm   string
	DefaultGroupPerm   string
	TopicPerms         []string // nil keeps; empty clears
	GroupPerms         []string // nil keeps; empty clears
}

// UpdateAccount creates or changes an account and persists the file.
func (a *Authorizer) UpdateAccount(u AccountUpdate) error {
	if err := checkKeys(u.AccessKey, u.SecretKey); err != nil {
		return fmt.Errorf("acl: %w", err)
	}
	return a.edit(func(fc *FileConfig) error {
		i := slices.IndexFunc(fc.Accounts, func(ac Account) bool { return ac.AccessKey == u.AccessKey })
		if i < 0 {
			fc.Accounts = append(fc.Accounts, Account{AccessKey: u.AccessKey})
			i = len(fc.Accounts) - 1
		}
		u.applyTo(&fc.Accounts[i])
		return nil
	})
}

// applyTo changes ac as RocketMQ's createAclAccessConfigMap does.
func (u AccountUpdate) applyTo(ac *Account) {
	ac.SecretKey = u.SecretKey
	if u.WhiteRemoteAddress != nil {
		ac.WhiteRemoteAddress = *u.WhiteRemoteAddress
	}
	ac.Admin = u.Admin
	if u.DefaultTopicPerm != "" {
		ac.DefaultTopicPerm = u.DefaultTopicPerm
	}
	if u.DefaultGroupPerm != "" {
		ac.DefaultGroupPerm = u.DefaultGroupPerm
	}
	if u.TopicPerms != nil {
		ac.TopicPerms = u.TopicPerms
	}
	if u.GroupPerms != nil {
		ac.GroupPerms = u.GroupPerms
	}
}

// DeleteAccount removes the account of accessKey and persists the file.
func (a *Authorizer) DeleteAccount(accessKey string) error {
	return a.edit(func(fc *FileConfig) error {
		i := slices.IndexFunc(fc.Accounts, func(ac Account) bool { return ac.AccessKey == accessKey })
		if i < 0 {
			return fmt.Errorf("%w: %q", ErrAccountNotFound, accessKey)
		}
		fc.Accounts = slices.Delete(fc.Accounts, i, i+1)
		return nil
	})
}

// UpdateGlobalWhiteAddrs replaces the global white list and persists the
// file.
func (a *Authorizer) UpdateGlobalWhiteAddrs(addrs []string) error {
	return a.edit(func(fc *FileConfig) error {
		fc.GlobalWhiteRemoteAddresses = slices.Clone(addrs)
		return nil
	})
}

// edit applies change to the file's content and persists it.
func (a *Authorizer) edit(change func(*FileConfig) error) error {
	a.editMu.Lock()
	defer a.editMu.Unlock()
	if a.closed.Load() {
		return ErrClosed
	}
	data, err := os.ReadFile(a.path)
	if err != nil {
		return fmt.Errorf("acl: %w", err)
	}
	onDisk, err := parseFile(data)
	if err != nil {
		return fmt.Errorf("acl: %s does not parse, fix it before editing: %w", a.path, err)
	}
	fc := onDisk.clone()
	if err := change(fc); err != nil {
		return err
	}
	v := fc.version()
	v.Counter++
	v.Timestamp = a.opts.Now().UnixMilli()
	fc.DataVersion = []DataVersion{v}
	if _, err := compile(fc); err != nil {
		return fmt.Errorf("acl: change refused: %w", err)
	}
	out, err := encodeFile(fc)
	if err != nil {
		return fmt.Errorf("acl: %w", err)
	}
	if err := atomicfile.Write(a.path, out, fileMode(a.path)); err != nil {
		return fmt.Errorf("acl: %w", err)
	}
	return a.loadLocked(out, "changed")
}

// fileMode keeps the file's permission bits; the file holds secrets, so a
// new one is readable by its owner only.
func fileMode(path string) fs.FileMode {
	if st, err := os.Stat(path); err == nil {
		return st.Mode().Perm()
	}
	return 0o600
}
