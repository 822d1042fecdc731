package admin

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors; every error of this package that is not a server's
// answer or a failed call wraps one of them.
var (
	// ErrNoNameServer means the client was given no name server address.
	ErrNoNameServer = errors.New("admin: no name server address (set -n host:port, or NAMESRV_ADDR)")
	// ErrNotFound means what was looked up does not exist: a broker, a
	// cluster, a message.
	ErrNotFound = errors.New("admin: not found")
	// ErrInvalidArgument means the caller's input cannot be used as given.
	ErrInvalidArgument = errors.New("admin: invalid argument")
	// ErrClosed means the client was closed.
	ErrClosed = errors.New("admin: client closed")
)

// Role says which kind of server answered.
type Role string

// The servers this package talks to.
const (
	RoleNameServer Role = "name server"
	RoleBroker     Role = "broker"
)

// ResponseError is a server's refusal: it answered the request with a code
// other than SUCCESS. Test for one code with IsCode.
type ResponseError struct {
	Role    Role   // which kind of server answered
	Addr    string // its address
	Request int16  // the request code sent
	Code    int16  // the response code received
	Remark  string // the server's explanation
}

func (e *ResponseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s answered %s with %s (%d)", e.Role, e.Addr, RequestName(e.Request), ResponseName(e.Code), e.Code)
	if e.Remark != "" {
		fmt.Fprintf(&b, ": %s", e.Remark)
	}
	if r, ok := responseNames[e.Code]; ok && r.hint != "" {
		fmt.Fprintf(&b, " (%s)", r.hint)
	}
	return b.String()
}

// CallError is a request that got no answer: the server could not be
// reached, the connection broke or the time ran out.
type CallError struct {
	Role    Role
	Addr    string
	Request int16
	Err     error
}

func (e *CallError) Error() string {
	return fmt.Sprintf("%s %s: %s: %v (is it running and reachable from here?)", e.Role, e.Addr, RequestName(e.Request), e.Err)
}

// Unwrap returns the transport error.
func (e *CallError) Unwrap() error { return e.Err }

// IsCode reports whether err is (or wraps) a server's answer with code.
func IsCode(err error, code int16) bool {
	var re *ResponseError
	return errors.As(err, &re) && re.Code == code
}
