package remoting

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// Command is one remoting request or response: RocketMQ's RemotingCommand.
// The integer widths are those of the binary header (code and version are
// 2 bytes there); the JSON header carries the same values as integers.
type Command struct {
	// Code is a Request* code in a request and a Response* code in a
	// response; the two tables overlap, so Flag says which applies.
	Code int16
	// Language names the sender's client language, one of the Language*
	// constants ("JAVA", "GO", ...).
	Language string
	// Version is the sender's protocol version (an MQVersion ordinal);
	// brokers use it to switch behaviour for old clients.
	Version int16
	// Opaque identifies a request on its connection; the response repeats it.
	Opaque int32
	// Flag holds FlagResponse and FlagOneway.
	Flag int32
	// Remark is free text, usually the error message of a failed response.
	Remark string
	// ExtFields carries the typed request or response header as strings.
	// Decode leaves it nil when the frame has none.
	ExtFields map[string]string
	// Body is the payload. Decode leaves it nil when empty; otherwise it
	// aliases the decoded frame.
	Body []byte

	// serialize is how a received request was encoded, so that its
	// response goes back the same way.
	serialize SerializeType
	// wideCode is the code a JSON header gave when it does not fit Code
	// (then CodeOutOfRange); zero otherwise.
	wideCode int32
	// held is what a received request holds of its server's request
	// budget, released when the request is finished.
	held int64
	// arrived is when a server read the request's frame (see Arrived).
	arrived time.Time
}

// CodeOutOfRange is the Code of a decoded command whose JSON header carried
// a code outside int16: Java's codes are ints, and RocketMQ 5 has request
// codes such as POP_MESSAGE (200050). No handler is registered for it, so a
// server answers REQUEST_CODE_NOT_SUPPORTED; WideCode returns the code sent.
const CodeOutOfRange int16 = math.MinInt16

// WideCode returns the code as the peer sent it, also when it does not fit
// Code (see CodeOutOfRange).
func (c *Command) WideCode() int32 {
	if c.Code == CodeOutOfRange && c.wideCode != 0 {
		return c.wideCode
	}
	return int32(c.Code)
}

// Arrived is when a server read this request's frame off its connection,
// before it waited in its pool's queue: a handler tells from it how long
// the request queued (RocketMQ's RequestTask createTimestamp). Zero for
// commands not received by a Server.
func (c *Command) Arrived() time.Time { return c.arrived }

// Flag bits (RemotingCommand's RPC_TYPE and RPC_ONEWAY bit positions).
const (
	// FlagResponse marks a response; without it the command is a request.
	FlagResponse int32 = 1 << 0
	// FlagOneway marks a request that expects no response.
	FlagOneway int32 = 1 << 1
)

// DefaultVersion is the version NewRequest and NewResponse write: the one
// rocketmq-client-go v2 puts in every request.
const DefaultVersion int16 = 317

// SerializeType says how a frame's header is encoded. A server answers in
// the type the request used.
type SerializeType byte

const (
	// JSON is the JSON header, the default of Java and Go clients.
	JSON SerializeType = 0
	// RocketMQ is the compact binary header (RocketMQSerializable).
	RocketMQ SerializeType = 1
)

// String returns RocketMQ's name for the serialize type.
func (t SerializeType) String() string {
	switch t {
	case JSON:
		return "JSON"
	case RocketMQ:
		return "ROCKETMQ"
	}
	return fmt.Sprintf("SerializeType(%d)", byte(t))
}

// IsResponse reports whether the command is a response.
func (c *Command) IsResponse() bool { return c.Flag&FlagResponse != 0 }

// IsOneway reports whether the command is a request that expects no response.
func (c *Command) IsOneway() bool { return c.Flag&FlagOneway != 0 }

// MarkResponse sets the response bit.
func (c *Command) MarkResponse() { c.Flag |= FlagResponse }

// MarkOneway sets the oneway bit.
func (c *Command) MarkOneway() { c.Flag |= FlagOneway }

// String summarizes the command for logs; the body is shown by length only
// because it may be large or binary.
func (c *Command) String() string {
	kind := "request"
	if c.IsResponse() {
		kind = "response"
	}
	return fmt.Sprintf("%s code=%d opaque=%d flag=%d lang=%s version=%d remark=%q ext=%v body=%dB",
		kind, c.WideCode(), c.Opaque, c.Flag, c.Language, c.Version, c.Remark, c.ExtFields, len(c.Body))
}

// lastOpaque is the opaque most recently handed out by NewRequest. Opaques
// only need to be unique among a connection's outstanding requests, so one
// process-wide counter that wraps around is enough.
var lastOpaque atomic.Int32

// NewRequest returns a request with a fresh opaque. It keeps extFields and
// body without copying them.
func NewRequest(code int16, extFields map[string]string, body []byte) *Command {
	return &Command{
		Code:      code,
		Language:  LanguageGo,
		Version:   DefaultVersion,
		Opaque:    lastOpaque.Add(1),
		ExtFields: extFields,
		Body:      body,
	}
}

// NewResponse returns the response to req: it carries req's opaque, which is
// how the requester matches it, and has the response bit set.
func NewResponse(req *Command, code int16, remark string) *Command {
	return &Command{
		Code:     code,
		Language: LanguageGo,
		Version:  DefaultVersion,
		Opaque:   req.Opaque,
		Flag:     FlagResponse,
		Remark:   remark,
	}
}
