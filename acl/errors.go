package acl

import (
	"errors"
	"fmt"

	"github.com/rocketstore/rocketstore/remoting"
)

// Why a request is denied. Every error Check returns is a *DeniedError
// wrapping one of these.
var (
	// ErrNoAccessKey: the request names no AccessKey and its address is
	// not globally white-listed.
	ErrNoAccessKey = errors.New("acl: no accessKey")
	// ErrUnknownAccessKey: no account has the request's AccessKey.
	ErrUnknownAccessKey = errors.New("acl: unknown accessKey")
	// ErrBadSignature: the Signature is missing or does not match the
	// account's secret key.
	ErrBadSignature = errors.New("acl: signature mismatch")
	// ErrAdminRequired: the request code needs an admin account.
	ErrAdminRequired = errors.New("acl: admin permission required")
	// ErrNoPermission: the account lacks a permission on a resource.
	ErrNoPermission = errors.New("acl: no permission")
	// ErrUnreadable: the resources of the request cannot be read (a body
	// that is not the JSON its code carries).
	ErrUnreadable = errors.New("acl: request unreadable")
)

// ErrClosed is returned by admin edits after Close.
var ErrClosed = errors.New("acl: closed")

// DeniedError says why a request was denied.
type DeniedError struct {
	Code       int16  // the request code
	AccessKey  string // as the request named it; empty when none
	RemoteAddr string // the peer's address
	// Resource is the topic ("topic:T") or group ("group:G") refused, for
	// ErrNoPermission; empty otherwise.
	Resource string
	Err      error // one of the sentinels above
	// Detail adds what the sentinel does not say; may be empty.
	Detail string
}

func (e *DeniedError) Error() string {
	s := fmt.Sprintf("%v for request code %d", e.Err, e.Code)
	if e.AccessKey != "" {
		s += fmt.Sprintf(", accessKey %q", e.AccessKey)
	}
	if e.Resource != "" {
		s += " on " + e.Resource
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the sentinel.
func (e *DeniedError) Unwrap() error { return e.Err }

// DenyResponse is the answer to a request Check refused: NO_PERMISSION with
// the reason as remark, as RocketMQ 5 answers an AclException.
func DenyResponse(req *remoting.Command, err error) *remoting.Command {
	return remoting.NewResponse(req, remoting.ResponseNoPermission, err.Error())
}
