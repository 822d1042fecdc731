package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// Error is a controller's refusal: its response code and remark. Compare
// with errors.Is against the Err* values, which match by code.
type Error struct {
	Code   int16
	Remark string
}

func (e *Error) Error() string { return fmt.Sprintf("controller: code %d: %s", e.Code, e.Remark) }

// Is matches any *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Refusals a broker acts on, by response code.
var (
	ErrNotLeader               = &Error{Code: remoting.ResponseControllerNotLeader, Remark: "not the leader"}
	ErrFencedMasterEpoch       = &Error{Code: remoting.ResponseControllerFencedMasterEpoch, Remark: "stale master epoch"}
	ErrFencedSyncStateSetEpoch = &Error{Code: remoting.ResponseControllerFencedSyncStateSetEpoch, Remark: "stale SyncStateSet epoch"}
	ErrInvalidMaster           = &Error{Code: remoting.ResponseControllerInvalidMaster, Remark: "not the master"}
	ErrInvalidReplicas         = &Error{Code: remoting.ResponseControllerInvalidReplicas, Remark: "not a member"}
	ErrBrokerNotAlive          = &Error{Code: remoting.ResponseControllerBrokerNotAlive, Remark: "broker not alive"}
	ErrAlterSyncStateSetFailed = &Error{Code: remoting.ResponseControllerAlterSyncStateSetFailed, Remark: "SyncStateSet unchanged"}
	ErrMasterStillExist        = &Error{Code: remoting.ResponseControllerMasterStillExist, Remark: "master still alive"}
	ErrElectMasterFailed       = &Error{Code: remoting.ResponseControllerElectMasterFailed, Remark: "no eligible broker"}
	ErrMasterNotAvailable      = &Error{Code: remoting.ResponseControllerMasterNotAvailable, Remark: "master down, none elected"}
	ErrNeedToBeRegistered      = &Error{Code: remoting.ResponseControllerBrokerNeedToBeRegistered, Remark: "register first"}
	ErrBrokerIDInvalid         = &Error{Code: remoting.ResponseControllerBrokerIDInvalid, Remark: "broker id taken"}
	ErrMetadataNotExist        = &Error{Code: remoting.ResponseControllerBrokerMetadataNotExist, Remark: "no such group"}
)

// ClientOptions configure a Client. Zero values mean defaults.
type ClientOptions struct {
	// Controllers are the controllers' remoting addresses. Required.
	Controllers []string
	// AttemptTimeout bounds one call to one controller. Default 3 s.
	AttemptTimeout time.Duration
	// Logger receives the client's log lines. Default slog.Default().
	Logger *slog.Logger
}

// Client is a broker's (or tool's) side of the controller protocol. It
// finds the leader through CONTROLLER_GET_METADATA_INFO, follows
// CONTROLLER_NOT_LEADER answers to the leader they name, and retries on
// another controller until the call's context ends. Safe for concurrent
// use.
type Client struct {
	opts ClientOptions
	log  *slog.Logger
	rc   *remoting.Client

	mu     sync.Mutex
	leader string
}

// NewClient returns a client; it connects on first use.
func NewClient(opts ClientOptions) *Client {
	if opts.AttemptTimeout <= 0 {
		opts.AttemptTimeout = 3 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Client{opts: opts, log: opts.Logger, rc: remoting.NewClient(remoting.ClientOptions{})}
}

// Close closes the client's connections.
func (c *Client) Close() error { return c.rc.Close() }

// Metadata is CONTROLLER_GET_METADATA_INFO's answer.
type Metadata struct {
	Group      string
	LeaderID   string
	LeaderAddr string
	IsLeader   bool
	Peers      string
}

// Metadata asks the controller at addr who leads.
func (c *Client) Metadata(ctx context.Context, addr string) (Metadata, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.AttemptTimeout)
	defer cancel()
	resp, err := c.rc.InvokeSync(ctx, addr, remoting.NewRequest(remoting.RequestControllerGetMetadataInfo, nil, nil))
	if err != nil {
		return Metadata{}, err
	}
	if resp.Code != remoting.ResponseSuccess {
		return Metadata{}, &Error{Code: resp.Code, Remark: resp.Remark}
	}
	h := header{c: resp}
	md := Metadata{Group: h.optStr("group"), LeaderID: h.optStr(keyLeaderID), LeaderAddr: h.optStr(keyLeaderAddress),
		IsLeader: h.optBool("isLeader"), Peers: h.optStr("peers")}
	return md, h.err
}

// LeaderAddr returns the leader's address, asking the controllers when
// none is known.
func (c *Client) LeaderAddr(ctx context.Context) (string, error) {
	c.mu.Lock()
	addr := c.leader
	c.mu.Unlock()
	if addr != "" {
		return addr, nil
	}
	var errs []error
	for _, a := range c.opts.Controllers {
		md, err := c.Metadata(ctx, a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if md.LeaderAddr != "" {
			c.setLeader(md.LeaderAddr)
			return md.LeaderAddr, nil
		}
	}
	return "", fmt.Errorf("controller: no leader known to %v: %w", c.opts.Controllers, errors.Join(append(errs, ErrNotLeader)...))
}

func (c *Client) setLeader(addr string) {
	c.mu.Lock()
	c.leader = addr
	c.mu.Unlock()
}

// retryPause is the wait between attempts while no leader answers.
const retryPause = 50 * time.Millisecond

// call sends a request built by build to the leader and returns a
// successful response; a refusal becomes an *Error (with the response, for
// callers that read a refusal's header).
func (c *Client) call(ctx context.Context, build func() (*remoting.Command, error)) (*remoting.Command, error) {
	resp, _, err := c.callCounting(ctx, build)
	return resp, err
}

// callCounting is call, also saying whether an attempt before the one
// answered may have reached the leader (it failed without an answer): a
// request that is not idempotent may then see its own effect.
func (c *Client) callCounting(ctx context.Context, build func() (*remoting.Command, error)) (_ *remoting.Command, unanswered bool, _ error) {
	var last error
	for {
		if err := ctx.Err(); err != nil {
			return nil, unanswered, fmt.Errorf("controller: %w (last: %v)", err, last)
		}
		resp, err := c.attempt(ctx, build)
		next := "" // the leader to try next; empty: ask the controllers again
		switch {
		case err != nil:
			last = err
			unanswered = true
		case resp.Code == remoting.ResponseControllerNotLeader:
			last = &Error{Code: resp.Code, Remark: resp.Remark}
			next, _ = resp.Lookup(keyLeaderAddress)
		case resp.Code != remoting.ResponseSuccess:
			return resp, unanswered, &Error{Code: resp.Code, Remark: resp.Remark}
		default:
			return resp, unanswered, nil
		}
		c.setLeader(next)
		select {
		case <-ctx.Done():
		case <-time.After(retryPause):
		}
	}
}

func (c *Client) attempt(ctx context.Context, build func() (*remoting.Command, error)) (*remoting.Command, error) {
	addr, err := c.LeaderAddr(ctx)
	if err != nil {
		return nil, err
	}
	req, err := build()
	if err != nil {
		return nil, err
	}
	actx, cancel := context.WithTimeout(ctx, c.opts.AttemptTimeout)
	defer cancel()
	return c.rc.InvokeSync(actx, addr, req)
}

func just(cmd *remoting.Command) func() (*remoting.Command, error) {
	return func() (*remoting.Command, error) {
		// A retry needs its own opaque: copy the request afresh.
		c := remoting.NewRequest(cmd.Code, nil, cmd.Body)
		for k, v := range cmd.ExtFields {
			c.Set(k, v)
		}
		return c, nil
	}
}

// masterReply reads the master header and SyncStateSet body most answers
// carry.
func masterReply(resp *remoting.Command) (MasterInfo, error) {
	mi, err := parseMasterHeader(resp)
	if err != nil || len(resp.Body) == 0 {
		return mi, err
	}
	var set SyncStateSet
	if err := decodeJSON(resp.Body, &set); err != nil {
		return mi, err
	}
	mi.SyncStateSet = set
	return mi, nil
}

// GetNextBrokerID is CONTROLLER_GET_NEXT_BROKER_ID: the id a new member of
// the group should apply for.
func (c *Client) GetNextBrokerID(ctx context.Context, cluster, brokerName string) (int64, error) {
	req := remoting.NewRequest(remoting.RequestControllerGetNextBrokerID, nil, nil)
	req.Set(keyClusterName, cluster)
	req.Set(keyBrokerName, brokerName)
	resp, err := c.call(ctx, just(req))
	if err != nil {
		return 0, err
	}
	return resp.Int64("nextBrokerId")
}

// ApplyBrokerID is CONTROLLER_APPLY_BROKER_ID; ErrBrokerIDInvalid means the
// id belongs to another broker.
func (c *Client) ApplyBrokerID(ctx context.Context, r ApplyBrokerIDRequest) error {
	_, err := c.call(ctx, just(r.command()))
	return err
}

// RegisterBroker is CONTROLLER_REGISTER_BROKER. The answer names the
// master only while it is alive; its SyncStateSet is always there.
func (c *Client) RegisterBroker(ctx context.Context, r RegisterRequest) (MasterInfo, error) {
	resp, err := c.call(ctx, just(r.command()))
	if err != nil {
		return MasterInfo{}, err
	}
	return masterReply(resp)
}

// Register runs RocketMQ 5.1's registration: with id 0 it asks for the
// next id and applies for it (checkCode "addr;token"), retrying when
// another broker took it; then it registers. The broker must persist the
// id it returns and pass it next time.
func (c *Client) Register(ctx context.Context, r RegisterRequest) (int64, MasterInfo, error) {
	for r.BrokerID == 0 {
		id, err := c.GetNextBrokerID(ctx, r.ClusterName, r.BrokerName)
		if err != nil {
			return 0, MasterInfo{}, err
		}
		code := r.BrokerAddress + ";" + strconv.FormatInt(time.Now().UnixNano(), 10)
		err = c.ApplyBrokerID(ctx, ApplyBrokerIDRequest{ClusterName: r.ClusterName, BrokerName: r.BrokerName, BrokerID: id, RegisterCheckCode: code})
		switch {
		case err == nil:
			r.BrokerID = id
		case !errors.Is(err, ErrBrokerIDInvalid):
			return 0, MasterInfo{}, err
		}
	}
	mi, err := c.RegisterBroker(ctx, r)
	return r.BrokerID, mi, err
}

// Heartbeat is BROKER_HEARTBEAT; the answer carries the group's master
// and SyncStateSet (empty while the broker is not registered).
func (c *Client) Heartbeat(ctx context.Context, r HeartbeatRequest) (MasterInfo, error) {
	resp, err := c.call(ctx, just(r.command()))
	if err != nil {
		return MasterInfo{}, err
	}
	return masterReply(resp)
}

// ElectMaster is CONTROLLER_ELECT_MASTER. On ErrMasterStillExist the
// returned MasterInfo is the current master. A designation whose first
// attempt went unanswered and whose retry finds the designated broker
// master is reported as done: that master is most likely the first
// attempt's work, and either way what was asked for holds.
func (c *Client) ElectMaster(ctx context.Context, r ElectRequest) (MasterInfo, error) {
	resp, unanswered, err := c.callCounting(ctx, just(r.command()))
	if err != nil && !errors.Is(err, ErrMasterStillExist) {
		return MasterInfo{}, err
	}
	mi, perr := parseMasterHeader(resp)
	if perr != nil {
		return mi, perr
	}
	var body ElectMasterResponseBody
	if derr := decodeJSON(resp.Body, &body); derr != nil {
		return mi, derr
	}
	mi.SyncStateSet.SyncStateSet = body.SyncStateSet
	if err != nil && unanswered && r.Designate && mi.MasterBrokerID == r.BrokerID {
		err = nil
	}
	return mi, err
}

// AlterSyncStateSet is CONTROLLER_ALTER_SYNC_STATE_SET, from the master:
// the answer is the new set with its new epoch.
func (c *Client) AlterSyncStateSet(ctx context.Context, r AlterSyncStateSetRequest) (SyncStateSet, error) {
	resp, err := c.call(ctx, r.command)
	if err != nil {
		return SyncStateSet{}, err
	}
	var set SyncStateSet
	err = decodeJSON(resp.Body, &set)
	return set, err
}

// GetReplicaInfo is CONTROLLER_GET_REPLICA_INFO.
func (c *Client) GetReplicaInfo(ctx context.Context, brokerName string) (MasterInfo, error) {
	req := remoting.NewRequest(remoting.RequestControllerGetReplicaInfo, nil, nil)
	req.Set(keyBrokerName, brokerName)
	resp, err := c.call(ctx, just(req))
	if err != nil {
		return MasterInfo{}, err
	}
	return masterReply(resp)
}

// GetSyncStateData is CONTROLLER_GET_SYNC_STATE_DATA (mqadmin
// getSyncStateSet): every named group's members, split by SyncStateSet.
func (c *Client) GetSyncStateData(ctx context.Context, brokerNames []string) (BrokerReplicasInfo, error) {
	body, err := encodeJSON(brokerNames)
	if err != nil {
		return BrokerReplicasInfo{}, err
	}
	resp, err := c.call(ctx, just(remoting.NewRequest(remoting.RequestControllerGetSyncStateData, nil, body)))
	if err != nil {
		return BrokerReplicasInfo{}, err
	}
	var info BrokerReplicasInfo
	err = decodeJSON(resp.Body, &info)
	return info, err
}
