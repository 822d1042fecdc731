// Package remoting is RocketMQ's remoting protocol: the frame codec, the
// Command with its JSON and binary ("ROCKETMQ") headers, the request and
// response codes, and typed request/response headers carried in ExtFields.
// The TCP (or TLS) Server, Client and Conn carry them.
//
// # Frame layout
//
// All integers are big-endian. One frame on the wire is:
//
//	0  length          int32   4 + headerLength + bodyLength (this field excluded)
//	4  serializeType   uint8   0 = JSON, 1 = ROCKETMQ (binary)
//	5  headerLength    uint24  bytes of header that follow
//	8  header          headerLength bytes, encoded as serializeType says
//	   body            the rest of the frame; opaque to this package
//
// Encode writes a whole frame, length prefix included. ReadFrame reads one
// frame from a stream and returns it without the 4-byte length prefix; that
// shorter form (starting at serializeType) is what Decode takes. The maximum
// frame size a reader accepts counts the prefix too, as RocketMQ's Netty
// decoder does (DefaultMaxFrameSize, 16 MiB).
//
// # JSON header (serialize type 0)
//
// A UTF-8 JSON object:
//
//	{"code":10,"language":"GO","version":317,"opaque":7,"flag":0,
//	 "remark":"...","extFields":{"topic":"T","queueId":"0"}}
//
// code, version, opaque and flag are JSON integers; every typed header field
// travels as a string inside extFields. Decode ignores members it does not
// know (the Java broker adds "serializeTypeCurrentRPC"), accepts a missing or
// null remark and extFields, and rejects top-level numbers given as strings
// or with a fraction. Like the Java broker (fastjson reading extFields into a
// map of strings) it is lenient about extFields values: a number keeps its
// text ("queueId":0 reads as "0", 1.5 as "1.5"), a boolean becomes "true" or
// "false", and null leaves the key out, which Java's header decoding also
// treats as absent; an object or array value is malformed. The code is read
// as Java's int: one outside int16 (RocketMQ 5's POP_MESSAGE is 200050)
// decodes with Code CodeOutOfRange and its value in WideCode, and a server
// answers it REQUEST_CODE_NOT_SUPPORTED. Encode omits remark and extFields
// when empty, as the Java broker does, and writes extFields in key order so
// output is deterministic.
//
// # Binary header (serialize type 1)
//
//	 0  code        int16
//	 2  language    uint8   LanguageCode ordinal (JAVA 0 ... GO 9 ... NODE_JS 13)
//	 3  version     int16
//	 5  opaque      int32
//	 9  flag        int32
//	13  remarkLen   int32   then remarkLen bytes of UTF-8
//	    extLen      int32   then extLen bytes of entries:
//	                          keyLen int16, key bytes, valueLen int32, value bytes
//
// The header is 21 bytes plus the remark and extFields. Every length is
// checked against the bytes that remain: a negative or overrunning length,
// a partial entry, or trailing bytes inside the header is ErrMalformed.
//
// # Errors, allocation and aliasing
//
// No input makes Decode or ReadFrame panic, and both allocate in proportion
// to the bytes actually received, never to what a length field claims:
// ReadFrame grows its buffer, doubling from 64 KiB, as bytes arrive. Frame
// errors are *FrameError values wrapping ErrMalformed,
// ErrUnknownSerializeType (itself an ErrMalformed) or ErrFrameTooLarge, and
// from Encode also ErrFieldTooLong; a stream that ends inside a frame gives
// io.ErrUnexpectedEOF. Header field errors are *FieldError values wrapping
// ErrMissingField or ErrInvalidField.
//
// Decode copies the header's strings, but the Body of the Command it returns
// aliases the frame: a caller that reuses the frame buffer (ReadFrame's buf)
// must be done with the Command, or copy its Body, first.
//
// # Servers and connections
//
// A Conn reads frames in one goroutine and writes in another, which takes
// everything queued into one writev. Server routes each request by code to
// a handler on that handler's Pool and answers in the request's serialize
// type. It never lets a peer's mistake go silent or take others down:
//
//   - a header that does not decode but whose opaque can be read (binary:
//     the fixed part; JSON: the members before the error) is answered
//     SYSTEM_ERROR with the reason as remark, and the connection goes on; a
//     response in that state fails its call with the decode error. Only a
//     frame with no readable opaque, an unknown serialize type or a bad
//     length closes the connection;
//   - an unknown code, a code beyond int16 or a full pool is answered
//     REQUEST_CODE_NOT_SUPPORTED or SYSTEM_BUSY, and a oneway so refused
//     leaves a log line.
//
// ServerOptions bound what peers can make a server hold, with defaults
// after RocketMQ's where it has the setting: requests in flight per
// connection (at the limit the server stops reading it: backpressure, as
// Netty's auto-read); frames and bytes queued for writing per connection
// and in total (a peer with a backlog beyond them does not read and is
// dropped, its queued frames settled: vectored holds released, requests
// finished); large frames being read or handled, over all connections;
// the time a frame may take from its first byte (slowloris), the idle
// time (120 s, serverChannelMaxIdleTimeSeconds) and the number of
// connections. One goroutine sweeps the connections for overdue frames and
// idleness, so that no timer is set per frame. A failing Accept is retried
// after a pause (5 ms doubling to 1 s); only a closed listener ends the
// loop. Every dropped connection, refused request and accept error is
// logged, at most once per message every 10 s with a count of the lines
// held back. TLS is optional on both sides (ServerOptions.TLSConfig,
// ClientOptions.TLSConfig). Conn.Context ends when the connection closes,
// for work done on the peer's behalf.
//
// # Concurrency
//
// Encode, Decode and ReadFrame keep no state and are safe for concurrent use
// (ReadFrame on distinct readers). NewRequest draws opaques from a process-wide
// atomic counter. A Command itself is a plain value with no locking; the
// response a handler returns belongs to the server from then on. Conn,
// Client and Server are safe for concurrent use; Server.Close waits for
// every goroutine the server started, Client.Close for those of its open
// connections.
package remoting
