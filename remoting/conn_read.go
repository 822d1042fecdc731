package remoting

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"syscall"
	"time"
)

// readBufferSize is the reader's buffer: it batches small pipelined frames
// into one read, while a large frame is read straight into its own buffer.
const readBufferSize = 16 << 10

func (c *Conn) readLoop() {
	if tc, ok := c.nc.(*tls.Conn); ok {
		// A server-side handshake runs here, not in the accept loop, and
		// must finish within the frame timeout like a frame.
		c.frameAt.Store(time.Now().UnixNano())
		err := tc.HandshakeContext(c.ctx)
		c.frameAt.Store(0)
		if err != nil {
			c.readFailed("tls handshake failed; connection dropped", err)
			return
		}
	}
	r := bufio.NewReaderSize(c.nc, readBufferSize)
	for {
		if !c.awaitCredit() {
			return
		}
		frame, held, err := c.readFrame(r)
		if err != nil {
			c.readFailed("bad frame; connection dropped", err)
			return
		}
		c.activity.Add(1)
		if !c.deliver(frame, held) {
			return
		}
	}
}

// awaitCredit holds the reader while the connection has its maximum of
// requests in flight, so that a peer sending faster than it is served
// waits in TCP instead of in our memory. It reports false once the
// connection closed.
func (c *Conn) awaitCredit() bool {
	limit := c.cfg.maxInflight
	if limit <= 0 {
		return true
	}
	for c.inflight.Load() >= limit {
		select {
		case <-c.credit:
		case <-c.done:
			return false
		}
	}
	return true
}

// readFrame reads the next frame, as ReadFrame does, but under the server's
// limits: from its first byte the frame must complete in time (the sweep
// watches frameAt), and a large frame first takes its size from the
// request budget, waiting unread for room. held is what it took.
func (c *Conn) readFrame(r *bufio.Reader) (frame []byte, held int64, err error) {
	if _, err := r.Peek(1); err != nil {
		return nil, 0, err // between frames: a clean end or an idle sweep
	}
	partial := !frameBuffered(r)
	if partial {
		c.frameAt.Store(time.Now().UnixNano())
	}
	defer c.frameAt.Store(0)
	prefix, err := r.Peek(prefixLength)
	if err != nil {
		return nil, 0, readErr(err, len(prefix), prefixLength)
	}
	size, err := frameLength(prefix, c.cfg.maxFrame)
	if err != nil {
		return nil, 0, err
	}
	if _, err := r.Discard(prefixLength); err != nil {
		return nil, 0, err
	}
	if budget := c.cfg.requestBudget; budget != nil && size > readChunk {
		// The frame's clock runs on while it waits for room: a frame
		// completes within the frame timeout of its first byte, or the
		// connection goes, so peers that start frames and stall give the
		// room back together rather than one after the other.
		if err := budget.acquire(c.ctx, int64(size)); err != nil {
			return nil, 0, ErrConnClosed
		}
		held = int64(size)
	}
	frame, err = readFrameBody(r, size, nil)
	if err != nil {
		c.cfg.requestBudget.release(held)
		return nil, 0, err
	}
	return frame, held, nil
}

// frameBuffered reports whether the whole next frame is in r's buffer, so
// reading it cannot wait on the peer.
func frameBuffered(r *bufio.Reader) bool {
	n := r.Buffered()
	if n < prefixLength {
		return false
	}
	p, _ := r.Peek(prefixLength)
	size := int64(int32(binary.BigEndian.Uint32(p)))
	return size >= 0 && int64(n-prefixLength) >= size
}

// deliver decodes a frame and hands it on: a response to its call, a
// request to the handler. It reports false when the connection must close.
func (c *Conn) deliver(frame []byte, held int64) bool {
	cmd, st, err := Decode(frame)
	if err != nil {
		c.cfg.requestBudget.release(held)
		return c.undecodable(frame, err)
	}
	cmd.serialize = st
	if cmd.IsResponse() {
		c.cfg.requestBudget.release(held)
		c.complete(cmd.Opaque, reply{resp: cmd})
		return true
	}
	cmd.held = held
	c.inflight.Add(1)
	c.cfg.handle(c, cmd)
	return true
}

// undecodable answers a frame whose header does not decode. The length
// prefix was sound, so the stream is still in step: when the opaque can be
// read, a request gets a SYSTEM_ERROR naming the problem (a oneway only a
// log line) and a response fails its call, and the connection goes on.
// Otherwise the peer is not speaking this protocol and is disconnected.
func (c *Conn) undecodable(frame []byte, err error) bool {
	opaque, flag, st, ok := salvageHeader(frame)
	if !ok {
		c.drop("undecodable frame; connection dropped", err)
		return false
	}
	if flag&FlagResponse != 0 {
		c.cfg.warn.warn("undecodable response", "addr", c.RemoteAddr(), "opaque", opaque, "err", err)
		c.complete(opaque, reply{err: err})
		return true
	}
	c.cfg.warn.warn("undecodable request refused", "addr", c.RemoteAddr(), "opaque", opaque,
		"oneway", flag&FlagOneway != 0, "err", err)
	if flag&FlagOneway != 0 {
		return true
	}
	resp := &Command{Code: ResponseSystemError, Language: LanguageGo, Version: DefaultVersion,
		Opaque: opaque, Flag: FlagResponse, Remark: "undecodable request header: " + err.Error()}
	if werr := c.Write(resp, st); werr != nil {
		c.cfg.log.Debug("error response not sent", "addr", c.RemoteAddr(), "err", werr)
	}
	return true
}

// readFailed closes the connection after a failed read: the peer leaving
// (between frames or inside one) is its own business and only logged at
// debug level; anything else is a drop of ours and says why.
func (c *Conn) readFailed(msg string, err error) {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, ErrConnClosed) {
		if closed, _ := c.fail(err); closed {
			c.cfg.log.Debug("connection closed by peer", "addr", c.RemoteAddr(), "err", err)
		}
		return
	}
	c.drop(msg, err)
}

// sweep closes the connection when a frame is overdue or it has been idle
// too long. It is called periodically from one goroutine, which alone uses
// idleSeen and idleAt.
func (c *Conn) sweep(now time.Time, idle, frame time.Duration) {
	if at := c.frameAt.Load(); at != 0 && frame > 0 && now.UnixNano()-at > int64(frame) {
		c.drop("frame not completed in time; connection dropped", ErrFrameTimeout)
		return
	}
	if idle <= 0 {
		return
	}
	if a := c.activity.Load(); a != c.idleSeen || c.idleAt.IsZero() {
		c.idleSeen, c.idleAt = a, now
		return
	}
	if now.Sub(c.idleAt) >= idle {
		c.drop("idle connection closed", ErrIdle)
	}
}
