package acl

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// The plain_acl.yml model. Member names are RocketMQ's (AclConstants and
// PlainAccessConfig), so files written for RocketMQ load unchanged and
// files written here load in RocketMQ.

// FileConfig is the whole of plain_acl.yml.
type FileConfig struct {
	// GlobalWhiteRemoteAddresses are address patterns whose requests pass
	// without signature or permission checks.
	GlobalWhiteRemoteAddresses []string `yaml:"globalWhiteRemoteAddresses,omitempty" json:"globalWhiteAddrs"`
	// Accounts are the access keys and what each may do.
	Accounts []Account `yaml:"accounts,omitempty" json:"plainAccessConfigs"`
	// DataVersion is bumped by every change made through the admin
	// requests; RocketMQ writes it as a one-element list.
	DataVersion []DataVersion `yaml:"dataVersion,omitempty" json:"-"`
}

// Account is one accounts entry (RocketMQ's PlainAccessConfig).
type Account struct {
	AccessKey string `yaml:"accessKey" json:"accessKey"`
	SecretKey string `yaml:"secretKey" json:"secretKey"`
	// WhiteRemoteAddress is an address pattern; a request from a matching
	// address that names this access key passes without signature or
	// permission checks (RocketMQ's rule). Empty matches nothing.
	WhiteRemoteAddress string `yaml:"whiteRemoteAddress,omitempty" json:"whiteRemoteAddress"`
	// Admin accounts may use admin request codes and every resource.
	Admin bool `yaml:"admin" json:"admin"`
	// DefaultTopicPerm and DefaultGroupPerm apply to resources not listed
	// in TopicPerms / GroupPerms. Empty means DENY.
	DefaultTopicPerm string `yaml:"defaultTopicPerm,omitempty" json:"defaultTopicPerm"`
	DefaultGroupPerm string `yaml:"defaultGroupPerm,omitempty" json:"defaultGroupPerm"`
	// TopicPerms and GroupPerms are "name=PERM" entries.
	TopicPerms []string `yaml:"topicPerms,omitempty" json:"topicPerms"`
	GroupPerms []string `yaml:"groupPerms,omitempty" json:"groupPerms"`
}

// DataVersion is RocketMQ's DataVersion: a change counter and when it was
// last changed (Unix milliseconds).
type DataVersion struct {
	Counter      int64 `yaml:"counter" json:"counter"`
	StateVersion int64 `yaml:"stateVersion,omitempty" json:"stateVersion"`
	Timestamp    int64 `yaml:"timestamp" json:"timestamp"`
}

// minKeyLength is RocketMQ's ACCESS_KEY_MIN_LENGTH / SECRET_KEY_MIN_LENGTH:
// keys must be longer than it.
const minKeyLength = 6

// parseFile decodes plain_acl.yml. An empty file is an empty
// configuration, as in RocketMQ.
func parseFile(data []byte) (*FileConfig, error) {
	var fc FileConfig
	if len(bytes.TrimSpace(data)) == 0 {
		return &fc, nil
	}
	if err := yaml.Unmarshal(data, &fc); err != nil {
		return nil, err
	}
	return &fc, nil
}

// encodeFile writes fc as YAML.
func encodeFile(fc *FileConfig) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(fc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// version is fc's data version, zero when it has none.
func (fc *FileConfig) version() DataVersion {
	if len(fc.DataVersion) == 0 {
		return DataVersion{}
	}
	return fc.DataVersion[0]
}

// clone returns a deep copy, so that an edit never touches a config in use.
func (fc *FileConfig) clone() *FileConfig {
	out := &FileConfig{
		GlobalWhiteRemoteAddresses: append([]string(nil), fc.GlobalWhiteRemoteAddresses...),
		Accounts:                   make([]Account, len(fc.Accounts)),
		DataVersion:                append([]DataVersion(nil), fc.DataVersion...),
	}
	for i, a := range fc.Accounts {
		a.TopicPerms = append([]string(nil), a.TopicPerms...)
		a.GroupPerms = append([]string(nil), a.GroupPerms...)
		out.Accounts[i] = a
	}
	return out
}

// config is a FileConfig compiled for checking requests. It is immutable
// once built; a reload or an edit builds a new one.
type config struct {
	file        *FileConfig
	globalWhite []addrPattern
	accounts    map[string]*account // by access key
}

// account is an Account compiled.
type account struct {
	accessKey    string
	secretKey    string
	white        addrPattern
	admin        bool
	defaultTopic Perm
	defaultGroup Perm
	// resources holds topics by name and groups by GroupResource.
	resources map[string]Perm
}

// compile checks fc and builds its checking form. RocketMQ refuses a file
// with short keys or a bad address pattern; this also refuses duplicate
// access keys and unknown permission names, which RocketMQ would resolve
// silently (the last duplicate wins, an unknown name denies).
func compile(fc *FileConfig) (*config, error) {
	c := &config{file: fc, accounts: make(map[string]*account, len(fc.Accounts))}
	for _, s := range fc.GlobalWhiteRemoteAddresses {
		p, err := parseAddrPattern(s)
		if err != nil {
			return nil, fmt.Errorf("globalWhiteRemoteAddresses: %w", err)
		}
		c.globalWhite = append(c.globalWhite, p)
	}
	var errs []error
	for i := range fc.Accounts {
		a, err := compileAccount(&fc.Accounts[i])
		if err != nil {
			errs = append(errs, fmt.Errorf("accounts[%d]: %w", i, err))
			continue
		}
		if _, dup := c.accounts[a.accessKey]; dup {
			errs = append(errs, fmt.Errorf("accounts[%d]: accessKey %q is listed twice", i, a.accessKey))
			continue
		}
		c.accounts[a.accessKey] = a
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// compileAccount checks one account and builds its checking form.
func compileAccount(ac *Account) (*account, error) {
	if err := checkKeys(ac.AccessKey, ac.SecretKey); err != nil {
		return nil, err
	}
	a := &account{
		accessKey: ac.AccessKey,
		secretKey: ac.SecretKey,
		admin:     ac.Admin,
		resources: make(map[string]Perm, len(ac.TopicPerms)+len(ac.GroupPerms)),
	}
	var err error
	if a.white, err = parseAddrPattern(ac.WhiteRemoteAddress); err != nil {
		return nil, fmt.Errorf("whiteRemoteAddress: %w", err)
	}
	if a.defaultTopic, err = parseDefaultPerm(ac.DefaultTopicPerm); err != nil {
		return nil, fmt.Errorf("defaultTopicPerm: %w", err)
	}
	if a.defaultGroup, err = parseDefaultPerm(ac.DefaultGroupPerm); err != nil {
		return nil, fmt.Errorf("defaultGroupPerm: %w", err)
	}
	// Groups first, then topics, as RocketMQ fills its map: a topicPerms
	// entry for a retry topic overrides the group's entry.
	if err := addResourcePerms(a.resources, ac.GroupPerms, GroupResource); err != nil {
		return nil, fmt.Errorf("groupPerms: %w", err)
	}
	if err := addResourcePerms(a.resources, ac.TopicPerms, func(s string) string { return s }); err != nil {
		return nil, fmt.Errorf("topicPerms: %w", err)
	}
	return a, nil
}

// checkKeys applies RocketMQ's rule: both keys longer than 6 characters.
func checkKeys(accessKey, secretKey string) error {
	if len(accessKey) <= minKeyLength {
		return fmt.Errorf("accessKey %q must be longer than %d characters", accessKey, minKeyLength)
	}
	if len(secretKey) <= minKeyLength {
		return fmt.Errorf("secretKey of %q must be longer than %d characters", accessKey, minKeyLength)
	}
	return nil
}

// parseDefaultPerm reads a default permission; empty is DENY, as in
// RocketMQ.
func parseDefaultPerm(s string) (Perm, error) {
	if strings.TrimSpace(s) == "" {
		return PermDeny, nil
	}
	return ParsePerm(s)
}

// addResourcePerms reads "name=PERM" entries into m, naming each resource
// with resource(name).
func addResourcePerms(m map[string]Perm, entries []string, resource func(string) string) error {
	for _, e := range entries {
		name, permText, ok := strings.Cut(e, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.Contains(permText, "=") {
			return fmt.Errorf("%q is not name=PERM (for example topicA=SUB)", e)
		}
		p, err := ParsePerm(permText)
		if err != nil {
			return fmt.Errorf("%q: %w", e, err)
		}
		m[resource(name)] = p
	}
	return nil
}
