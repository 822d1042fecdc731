package acl

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/internal/lograte"
	"github.com/rocketstore/rocketstore/remoting"
)

// DefaultReloadInterval is how often Open's file is read for changes.
const DefaultReloadInterval = 5 * time.Second

// Options configure an Authorizer. Zero values mean defaults.
type Options struct {
	// ReloadInterval is how often the file is read; changed content is
	// loaded once it stayed the same for one interval. Negative disables
	// reloading. Default DefaultReloadInterval.
	ReloadInterval time.Duration
	// AdminCodes are the request codes that need an admin account. Nil
	// means DefaultAdminCodes().
	AdminCodes []int16
	// Logger receives loads, reload failures, admin edits and (one line per
	// cause every few seconds) denied requests. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock of data versions. Default time.Now.
	Now func() time.Time
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.ReloadInterval == 0 {
		out.ReloadInterval = DefaultReloadInterval
	}
	if out.AdminCodes == nil {
		out.AdminCodes = DefaultAdminCodes()
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	return out
}

// Authorizer checks requests against a plain_acl.yml file and keeps it
// current. Checks read an immutable snapshot and take no lock; reloads and
// admin edits build a new snapshot and swap it in.
type Authorizer struct {
	path  string
	opts  Options
	log   *slog.Logger
	admin map[int16]bool

	cfg      atomic.Pointer[config]
	refusals *lograte.Limiter

	// editMu serializes reloads and edits: each reads the file and
	// replaces the snapshot, and an edit also writes the file.
	editMu     sync.Mutex
	loadedHash [sha256.Size]byte // of the content cfg was built from
	lastBad    string            // the last reload error logged

	closeOnce sync.Once
	closed    atomic.Bool
	done      chan struct{}
	wg        sync.WaitGroup
}

// Open loads the ACL file at path and, unless reloading is disabled,
// watches it: a changed file that loads replaces the configuration (once
// it stopped changing), one that does not is logged and the previous
// configuration stays. A missing
// or invalid file is an error: enabling ACL without a usable file is a
// mistake better reported at start than by refusing every request.
func Open(path string, opts *Options) (*Authorizer, error) {
	o := opts.withDefaults()
	a := &Authorizer{
		path:     path,
		opts:     o,
		log:      o.Logger,
		admin:    make(map[int16]bool, len(o.AdminCodes)),
		refusals: lograte.New(0),
		done:     make(chan struct{}),
	}
	for _, c := range o.AdminCodes {
		a.admin[c] = true
	}
	if err := a.Reload(); err != nil {
		return nil, err
	}
	if o.ReloadInterval > 0 {
		a.wg.Go(a.watch)
	}
	return a, nil
}

// Path is the ACL file's path.
func (a *Authorizer) Path() string { return a.path }

// Close stops watching the file. Checks keep working on the last
// configuration; admin edits fail with ErrClosed.
func (a *Authorizer) Close() error {
	a.closeOnce.Do(func() {
		a.closed.Store(true)
		close(a.done)
	})
	a.wg.Wait()
	return nil
}

// Reload reads the file now and loads it if its content changed. On error
// the configuration in use stays.
func (a *Authorizer) Reload() error {
	a.editMu.Lock()
	defer a.editMu.Unlock()
	data, err := os.ReadFile(a.path)
	if err != nil {
		return fmt.Errorf("acl: %w", err)
	}
	return a.loadLocked(data, "loaded")
}

// loadLocked builds a configuration from data and swaps it in, unless
// data is what the current one came from.
func (a *Authorizer) loadLocked(data []byte, what string) error {
	sum := sha256.Sum256(data)
	if sum == a.loadedHash && a.cfg.Load() != nil {
		return nil
	}
	fc, err := parseFile(data)
	if err != nil {
		return fmt.Errorf("acl: %s: %w", a.path, err)
	}
	c, err := compile(fc)
	if err != nil {
		return fmt.Errorf("acl: %s: %w", a.path, err)
	}
	a.cfg.Store(c)
	a.loadedHash = sum
	v := fc.version()
	a.log.Info("acl config "+what, "path", a.path, "accounts", len(c.accounts),
		"globalWhiteAddrs", len(c.globalWhite), "counter", v.Counter, "timestamp", v.Timestamp)
	return nil
}

// watch polls the file every ReloadInterval until Close.
func (a *Authorizer) watch() {
	tick := time.NewTicker(a.opts.ReloadInterval)
	defer tick.Stop()
	var pending [sha256.Size]byte
	for {
		select {
		case <-a.done:
			return
		case <-tick.C:
			pending = a.poll(pending)
		}
	}
}

// poll loads the file once its changed content has stayed the same for a
// whole interval: an editor that truncates the file and then writes it
// must not have its empty or half-written file loaded (an empty file is a
// valid configuration that denies everything). It returns the hash of the
// content waiting to be stable. A failing load is logged once per
// distinct error, not every interval.
func (a *Authorizer) poll(pending [sha256.Size]byte) [sha256.Size]byte {
	a.editMu.Lock()
	defer a.editMu.Unlock()
	data, err := os.ReadFile(a.path)
	if err == nil {
		sum := sha256.Sum256(data)
		if sum == a.loadedHash {
			return sum
		}
		if sum != pending {
			return sum // changed since the last poll: wait for it to settle
		}
		err = a.loadLocked(data, "reloaded")
	}
	switch {
	case err == nil:
		a.lastBad = ""
	case err.Error() != a.lastBad:
		a.lastBad = err.Error()
		a.log.Warn("acl config not reloaded; keeping the previous one", "path", a.path, "err", err)
	}
	return pending
}

// Version is the data version of the configuration in use.
func (a *Authorizer) Version() DataVersion { return a.cfg.Load().file.version() }

// Config returns a copy of the configuration in use, secret keys included.
func (a *Authorizer) Config() *FileConfig { return a.cfg.Load().file.clone() }

// Check decides whether the peer at remoteAddr ("host:port") may make
// req, by RocketMQ's rules: a globally white-listed address passes; else
// the request must name a known AccessKey; a request from the account's
// white address passes; else the Signature must match and the account
// must have the permissions the request code needs (see requirementOf)
// and, for admin codes, be an admin. A denial is logged (one line per
// cause every few seconds) and returned as a *DeniedError; answer it with
// DenyResponse.
func (a *Authorizer) Check(req *remoting.Command, remoteAddr string) error {
	return a.authorize(req, remoteAddr, func() (Requirement, error) { return requirementOf(req, a.admin) })
}

// Authorize is Check with the requirement given instead of derived from
// the request code, for callers that know better what a request touches.
func (a *Authorizer) Authorize(req *remoting.Command, remoteAddr string, need Requirement) error {
	return a.authorize(req, remoteAddr, func() (Requirement, error) { return need, nil })
}

// authorize runs the decision. The requirement is read only once the peer
// is neither white-listed nor unknown, so that a white-listed peer's
// request is not refused for a body the handler will judge anyway.
func (a *Authorizer) authorize(req *remoting.Command, remoteAddr string, requirement func() (Requirement, error)) error {
	c := a.cfg.Load()
	ip, hasIP := remoteIP(remoteAddr)
	if hasIP {
		for _, p := range c.globalWhite {
			if p.match(ip) {
				return nil
			}
		}
	}
	accessKey, _ := req.Lookup(FieldAccessKey)
	if accessKey == "" {
		return a.deny(req, remoteAddr, &DeniedError{Err: ErrNoAccessKey})
	}
	acct := c.accounts[accessKey]
	if acct == nil {
		return a.deny(req, remoteAddr, &DeniedError{AccessKey: accessKey, Err: ErrUnknownAccessKey})
	}
	if hasIP && acct.white.match(ip) {
		return nil
	}
	if !signatureMatches(req, acct.secretKey) {
		return a.deny(req, remoteAddr, &DeniedError{AccessKey: accessKey, Err: ErrBadSignature})
	}
	need, err := requirement()
	if err != nil {
		return a.deny(req, remoteAddr, &DeniedError{AccessKey: accessKey, Err: ErrUnreadable, Detail: err.Error()})
	}
	if need.isTracePublish() || acct.admin {
		return nil
	}
	if need.Admin {
		return a.deny(req, remoteAddr, &DeniedError{AccessKey: accessKey, Err: ErrAdminRequired})
	}
	for _, n := range need.Needs {
		owned, listed := acct.resources[n.Resource]
		detail := ""
		if !listed {
			owned, detail = acct.defaultTopic, "by the account's defaultTopicPerm"
			if isGroupResource(n.Resource) {
				owned, detail = acct.defaultGroup, "by the account's defaultGroupPerm"
			}
		}
		if !owned.Allows(n.Perm) {
			return a.deny(req, remoteAddr, &DeniedError{
				AccessKey: accessKey, Err: ErrNoPermission, Resource: describeResource(n.Resource),
				Detail: fmt.Sprintf("needs %v, has %v %s", n.Perm, owned, detail),
			})
		}
	}
	return nil
}

// deny completes e, logs it and returns it.
func (a *Authorizer) deny(req *remoting.Command, remoteAddr string, e *DeniedError) error {
	e.Code, e.RemoteAddr = req.Code, remoteAddr
	host := remoteAddr
	if ip, ok := remoteIP(remoteAddr); ok {
		host = ip.String()
	}
	a.refusals.Log(a.log, slog.LevelWarn, e.Err.Error()+"|"+e.AccessKey+"|"+host,
		"acl denied request", "code", req.Code, "addr", remoteAddr, "accessKey", e.AccessKey, "err", e)
	return e
}

// Guard wraps h so that every request is checked first: a denied one is
// answered with DenyResponse (a oneway one gets no answer, as any oneway
// request) and never reaches h. A broker wraps each handler it registers.
func (a *Authorizer) Guard(h remoting.Handler) remoting.Handler {
	return func(c *remoting.Conn, req *remoting.Command) *remoting.Command {
		if err := a.Check(req, c.RemoteAddr()); err != nil {
			return DenyResponse(req, err)
		}
		return h(c, req)
	}
}
