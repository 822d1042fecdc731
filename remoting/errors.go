package remoting

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error this package returns for bad input wraps one
// of them, so callers decide with errors.Is whether to answer or hang up.
var (
	// ErrMalformed means the bytes are not a valid frame or header: a length
	// that is negative, too short or overruns what follows, bad JSON, and so on.
	ErrMalformed = errors.New("remoting: malformed frame")

	// ErrUnknownSerializeType means the serialize-type byte is neither JSON
	// nor RocketMQ. It wraps ErrMalformed: a peer that sends it is not
	// speaking this protocol.
	ErrUnknownSerializeType = fmt.Errorf("%w: unknown serialize type", ErrMalformed)

	// ErrFrameTooLarge means a frame, or the header inside it, exceeds a
	// size limit: the reader's maximum, the 24-bit header length, or int32.
	ErrFrameTooLarge = errors.New("remoting: frame too large")

	// ErrFieldTooLong means Encode was given a string longer than its length
	// prefix can express (an extFields key over 32767 bytes).
	ErrFieldTooLong = errors.New("remoting: field too long to encode")

	// ErrMissingField means a required header field is absent from ExtFields.
	ErrMissingField = errors.New("remoting: missing header field")

	// ErrInvalidField means a header field is present but does not parse as
	// its type.
	ErrInvalidField = errors.New("remoting: invalid header field")
)

// FrameError locates a problem in a frame.
type FrameError struct {
	// Offset is the byte offset of the offending field, counted from the
	// first byte of the 4-byte length prefix as the frame travels on the
	// wire. Decode's input therefore starts at offset 4.
	Offset int
	// Reason says what was wrong, with the values that were read.
	Reason string
	// Err is ErrMalformed, ErrUnknownSerializeType, ErrFrameTooLarge or
	// ErrFieldTooLong.
	Err error
}

func (e *FrameError) Error() string {
	return fmt.Sprintf("%v: %s (at frame byte %d)", e.Err, e.Reason, e.Offset)
}

// Unwrap returns the sentinel.
func (e *FrameError) Unwrap() error { return e.Err }

// frameErr builds a *FrameError; reason is a format string.
func frameErr(sentinel error, offset int, reason string, args ...any) error {
	return &FrameError{Offset: offset, Reason: fmt.Sprintf(reason, args...), Err: sentinel}
}

// FieldError names the header field that is missing or does not parse, so
// the error response a broker sends tells the client which one.
type FieldError struct {
	Key   string // the ExtFields key, exactly as on the wire
	Value string // the value found; empty when missing
	Want  string // the type expected: "string", "int32", "int64" or "bool"
	Err   error  // ErrMissingField or ErrInvalidField
}

func (e *FieldError) Error() string {
	if errors.Is(e.Err, ErrMissingField) {
		return fmt.Sprintf("%v %q", e.Err, e.Key)
	}
	return fmt.Sprintf("%v %q: %q is not a valid %s", e.Err, e.Key, e.Value, e.Want)
}

// Unwrap returns the sentinel.
func (e *FieldError) Unwrap() error { return e.Err }
