package remoting

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// DefaultMaxFrameSize is the largest frame ReadFrame accepts when given no
// maximum: 16 MiB, length prefix included, the default of RocketMQ's
// com.rocketmq.remoting.frameMaxLength.
const DefaultMaxFrameSize = 16 << 20

const (
	// prefixLength is the 4-byte length in front of every frame.
	prefixLength = 4
	// headerOffset is where the header starts on the wire: after the length
	// prefix and the serialize-type/header-length word. Header decoders add
	// it to their positions so FrameError offsets are wire offsets.
	headerOffset = 8
	// maxHeaderLength is what the 24 bits of the header-length field hold.
	maxHeaderLength = 1<<24 - 1
	// readChunk bounds how far ReadFrame allocates ahead of the bytes that
	// have arrived, so a peer that announces 16 MiB and sends ten bytes
	// costs ten bytes plus one chunk, not 16 MiB.
	readChunk = 64 << 10
)

// Encode appends one whole frame for c to dst and returns the extended
// slice: the 4-byte length, the serialize type and header length, the
// header encoded as st says, and c.Body. On error dst is returned unchanged
// (same length) with a *FrameError wrapping ErrUnknownSerializeType,
// ErrFrameTooLarge or ErrFieldTooLong.
func Encode(dst []byte, c *Command, st SerializeType) ([]byte, error) {
	start := len(dst)
	// The two leading words are patched once the header length is known.
	dst = append(dst, 0, 0, 0, 0, 0, 0, 0, 0)
	var err error
	switch st {
	case JSON:
		dst = appendJSONHeader(dst, c)
	case RocketMQ:
		dst, err = appendBinaryHeader(dst, c)
	default:
		err = frameErr(ErrUnknownSerializeType, prefixLength, "cannot encode serialize type %d", byte(st))
	}
	if err != nil {
		return dst[:start], err
	}
	headerLen := len(dst) - start - headerOffset
	if headerLen > maxHeaderLength {
		return dst[:start], frameErr(ErrFrameTooLarge, prefixLength+1,
			"header of %d bytes does not fit the 24-bit header length", headerLen)
	}
	length := int64(prefixLength) + int64(headerLen) + int64(len(c.Body))
	if length > math.MaxInt32 {
		return dst[:start], frameErr(ErrFrameTooLarge, 0, "frame length %d does not fit int32", length)
	}
	dst = append(dst, c.Body...)
	binary.BigEndian.PutUint32(dst[start:], uint32(length))
	binary.BigEndian.PutUint32(dst[start+prefixLength:], uint32(st)<<24|uint32(headerLen))
	return dst, nil
}

// Decode decodes one frame given WITHOUT its 4-byte length prefix, that is
// starting at the serialize-type byte, as ReadFrame returns it. The length
// of frame is taken as the frame's length: everything after the header is
// the body. The returned Body aliases frame; header strings are copies.
//
// Errors are *FrameError values wrapping ErrMalformed or
// ErrUnknownSerializeType. The serialize type is returned whenever the
// frame was long enough to hold it, even with an error.
func Decode(frame []byte) (*Command, SerializeType, error) {
	if len(frame) < 4 {
		return nil, 0, frameErr(ErrMalformed, prefixLength,
			"frame of %d bytes cannot hold the serialize type and header length", len(frame))
	}
	word := binary.BigEndian.Uint32(frame)
	st := SerializeType(word >> 24)
	headerLen := int(word & maxHeaderLength)
	if headerLen > len(frame)-4 {
		return nil, st, frameErr(ErrMalformed, prefixLength+1,
			"header length %d overruns the %d bytes that follow", headerLen, len(frame)-4)
	}
	header := frame[4 : 4+headerLen]
	var (
		c   *Command
		err error
	)
	switch st {
	case JSON:
		c, err = decodeJSONHeader(header)
	case RocketMQ:
		c, err = decodeBinaryHeader(header)
	default:
		return nil, st, frameErr(ErrUnknownSerializeType, prefixLength, "serialize type %d", byte(st))
	}
	if err != nil {
		return nil, st, err
	}
	if body := frame[4+headerLen:]; len(body) > 0 {
		// Cap the slice so that a caller appending to Body reallocates
		// instead of writing over whatever follows the frame in its buffer.
		c.Body = body[:len(body):len(body)]
	}
	return c, st, nil
}

// ReadFrame reads one length-prefixed frame from r and returns it without
// the prefix, ready for Decode. The frame is read into buf when it fits
// (cap(buf) is enough), so a connection loop can reuse one buffer; the
// returned slice then aliases buf.
//
// maxSize bounds the whole frame, the 4-byte prefix included, as RocketMQ's
// decoder does; zero or less means DefaultMaxFrameSize. A length prefix that
// is negative or below 4 gives a *FrameError wrapping ErrMalformed, one over
// maxSize a *FrameError wrapping ErrFrameTooLarge; the connection cannot be
// resynchronised after either. A stream that ends before any byte of the
// frame gives io.EOF; one that ends inside the frame gives an error wrapping
// io.ErrUnexpectedEOF. Other read errors are returned wrapped.
func ReadFrame(r io.Reader, maxSize int, buf []byte) ([]byte, error) {
	if cap(buf) < prefixLength {
		buf = make([]byte, 0, 512)
	}
	// The prefix is read into buf, which the frame then overwrites: it keeps
	// a reused buffer from costing an allocation per frame.
	prefix := buf[:prefixLength]
	if _, err := io.ReadFull(r, prefix); err != nil {
		return nil, err
	}
	size, err := frameLength(prefix, maxSize)
	if err != nil {
		return nil, err
	}
	return readFrameBody(r, size, buf)
}

// frameLength checks a frame's 4-byte length prefix against maxSize (zero
// or less: DefaultMaxFrameSize) and returns the length of the frame after
// the prefix.
func frameLength(prefix []byte, maxSize int) (int, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxFrameSize
	}
	length := int64(int32(binary.BigEndian.Uint32(prefix)))
	switch {
	case length < 0:
		return 0, frameErr(ErrMalformed, 0, "negative frame length %d", length)
	case length < 4:
		return 0, frameErr(ErrMalformed, 0,
			"frame length %d cannot hold the serialize type and header length", length)
	case length+prefixLength > int64(maxSize):
		return 0, frameErr(ErrFrameTooLarge, 0,
			"frame of %d bytes (prefix included) exceeds the maximum of %d", length+prefixLength, maxSize)
	}
	return int(length), nil
}

// readFrameBody reads the size bytes of a frame that follow its prefix, into
// buf when it has the capacity. Otherwise the buffer grows, doubling from
// readChunk, as bytes arrive: a peer that announces 16 MiB and sends ten
// bytes costs ten bytes plus one chunk, not 16 MiB.
func readFrameBody(r io.Reader, size int, buf []byte) ([]byte, error) {
	if cap(buf) >= size {
		frame := buf[:size]
		if n, err := io.ReadFull(r, frame); err != nil {
			return nil, readErr(err, n, size)
		}
		return frame, nil
	}
	frame := buf[:0]
	for len(frame) < size {
		if len(frame) == cap(frame) {
			grown := make([]byte, len(frame), min(size, max(2*cap(frame), readChunk)))
			copy(grown, frame)
			frame = grown
		}
		n, err := io.ReadFull(r, frame[len(frame):cap(frame)])
		frame = frame[:len(frame)+n]
		if err != nil {
			return nil, readErr(err, len(frame), size)
		}
	}
	return frame, nil
}

// readErr reports a read that failed inside a frame. Running out of input
// there is always unexpected, even when the last read saw a clean io.EOF.
func readErr(err error, got, size int) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("remoting: frame truncated after %d of %d bytes: %w", got, size, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("remoting: reading a %d-byte frame: %w", size, err)
}
