package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/acl"
	"github.com/rocketstore/rocketstore/internal/lograte"
	"github.com/rocketstore/rocketstore/remoting"
)

// Options configure a Client. Zero values mean defaults.
type Options struct {
	// NameServers are the name server addresses ("host:port"). Required
	// for every call that starts from a route or the cluster; calls given a
	// broker address need none.
	NameServers []string
	// Timeout bounds each request when the caller's context has no
	// deadline. Default 5 s (mqadmin's timeoutMillis).
	Timeout time.Duration
	// Logger receives a line per server and request that got no answer
	// (at most one every 10 s for each). Default slog.Default().
	Logger *slog.Logger
	// AccessKey and SecretKey sign every request as RocketMQ's ACL wants
	// (an admin account for the admin codes). Default: unsigned.
	AccessKey, SecretKey string
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	var addrs []string
	for _, a := range o.NameServers {
		for _, part := range strings.Split(a, ";") {
			if part = strings.TrimSpace(part); part != "" {
				addrs = append(addrs, part)
			}
		}
	}
	o.NameServers = addrs
	return o
}

// Client speaks RocketMQ's admin protocol to name servers and brokers over
// the project's remoting client: what mqadmin and rocketmq-dashboard send.
// It is safe for concurrent use.
type Client struct {
	opts Options
	log  *slog.Logger
	rc   *remoting.Client
	// warn keeps a server that stays down from writing a line per call.
	warn *lograte.Limiter

	mu       sync.Mutex
	nsNext   int // the name server tried first: the last that answered
	isClosed bool
}

// New returns a client; it connects on first use.
func New(opts *Options) *Client {
	var o Options
	if opts != nil {
		o = *opts
	}
	o = o.withDefaults()
	return &Client{opts: o, log: o.Logger, rc: remoting.NewClient(remoting.ClientOptions{}), warn: lograte.New(0)}
}

// NameServers are the name server addresses the client asks.
func (c *Client) NameServers() []string { return append([]string(nil), c.opts.NameServers...) }

// Close closes the client's connections; later calls fail with ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	c.isClosed = true
	c.mu.Unlock()
	return c.rc.Close()
}

func (c *Client) closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.isClosed
}

// call sends one request to addr and returns the SUCCESS response; any
// other answer is a *ResponseError, no answer a *CallError.
func (c *Client) call(ctx context.Context, role Role, addr string, code int16, ext map[string]string, body []byte) (*remoting.Command, error) {
	return c.callExpect(ctx, role, addr, code, ext, body, remoting.ResponseSuccess)
}

// callExpect is call with more response codes accepted as answers.
func (c *Client) callExpect(ctx context.Context, role Role, addr string, code int16, ext map[string]string, body []byte, ok ...int16) (*remoting.Command, error) {
	if c.closed() {
		return nil, ErrClosed
	}
	if _, has := ctx.Deadline(); !has {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
	}
	if ext == nil {
		ext = map[string]string{}
	}
	req := remoting.NewRequest(code, ext, body)
	if c.opts.AccessKey != "" {
		acl.Sign(req, c.opts.AccessKey, c.opts.SecretKey)
	}
	resp, err := c.rc.InvokeSync(ctx, addr, req)
	if err != nil {
		c.warn.Log(c.log, slog.LevelWarn, addr+"/"+RequestName(code), "admin call failed",
			"role", string(role), "addr", addr, "request", RequestName(code), "err", err)
		return nil, &CallError{Role: role, Addr: addr, Request: code, Err: err}
	}
	for _, want := range ok {
		if resp.Code == want {
			return resp, nil
		}
	}
	return nil, &ResponseError{Role: role, Addr: addr, Request: code, Code: resp.Code, Remark: resp.Remark}
}

// brokerJSON asks a broker and decodes the fastjson body of its answer as
// a T.
func brokerJSON[T any](ctx context.Context, c *Client, addr string, code int16, ext map[string]string) (T, error) {
	var v T
	resp, err := c.call(ctx, RoleBroker, addr, code, ext, nil)
	if err != nil {
		return v, err
	}
	if err := decodeJavaJSON(resp.Body, &v); err != nil {
		return v, fmt.Errorf("%s %s: %s: %w", RoleBroker, addr, RequestName(code), err)
	}
	return v, nil
}

// callNameServer asks the name servers in turn, starting with the last that
// answered, until one answers; a refusal is returned at once (the name
// servers hold the same data), an unreachable one makes way for the next.
func (c *Client) callNameServer(ctx context.Context, code int16, ext map[string]string) (*remoting.Command, string, error) {
	addrs := c.opts.NameServers
	if len(addrs) == 0 {
		return nil, "", ErrNoNameServer
	}
	c.mu.Lock()
	first := c.nsNext
	c.mu.Unlock()
	var errs []error
	for i := range addrs {
		idx := (first + i) % len(addrs)
		resp, err := c.call(ctx, RoleNameServer, addrs[idx], code, ext, nil)
		var ce *CallError
		if errors.As(err, &ce) && ctx.Err() == nil {
			errs = append(errs, err)
			continue
		}
		if err == nil {
			c.mu.Lock()
			c.nsNext = idx
			c.mu.Unlock()
		}
		return resp, addrs[idx], err
	}
	return nil, "", errors.Join(errs...)
}

// nameServerJSON asks a name server and decodes the body into v.
func (c *Client) nameServerJSON(ctx context.Context, code int16, ext map[string]string, v any) error {
	resp, addr, err := c.callNameServer(ctx, code, ext)
	if err != nil {
		return err
	}
	if err := decodeJavaJSON(resp.Body, v); err != nil {
		return fmt.Errorf("%s %s: %s: %w", RoleNameServer, addr, RequestName(code), err)
	}
	return nil
}
