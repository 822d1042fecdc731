package message

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error of this package wraps one of them.
var (
	ErrTruncated           = errors.New("message: record truncated")
	ErrBadMagic            = errors.New("message: unknown magic code")
	ErrBadSize             = errors.New("message: record size does not match its fields")
	ErrCRCMismatch         = errors.New("message: body CRC mismatch")
	ErrBlank               = errors.New("message: blank end-of-file filler")
	ErrBufferTooSmall      = errors.New("message: buffer too small")
	ErrEmptyTopic          = errors.New("message: empty topic")
	ErrIllegalTopic        = errors.New("message: illegal character in topic")
	ErrTopicTooLong        = errors.New("message: topic too long")
	ErrPropertiesTooLong   = errors.New("message: properties too long")
	ErrMalformedProperties = errors.New("message: malformed properties")
	ErrBodyTooLarge        = errors.New("message: body too large")
	ErrBadMessageID        = errors.New("message: malformed message id")
)

// DecodeError locates a decoding failure inside a record.
type DecodeError struct {
	Offset int    // byte offset within the record
	Field  string // the field being read
	Err    error  // one of the sentinels
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("%v (field %s at byte %d)", e.Err, e.Field, e.Offset)
}

// Unwrap returns the sentinel.
func (e *DecodeError) Unwrap() error { return e.Err }
