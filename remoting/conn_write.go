package remoting

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"time"
)

// outItem is one queued frame: its buffers, what to do once they are
// written or dropped, and the request it answers, finished then.
type outItem struct {
	bufs [][]byte
	size int64
	done func()
	req  *Command
}

// settle runs what must happen once the item is written or dropped.
func (c *Conn) settle(it outItem) {
	if it.done != nil {
		it.done()
	}
	if it.req != nil {
		c.finish(it.req)
	}
}

// enqueue queues a frame for the writer. A peer whose queue is over its
// limits is not reading: it is disconnected, and everything queued for it
// dropped (the writer settles it), rather than held without bound.
func (c *Conn) enqueue(it outItem) error {
	c.outMu.Lock()
	if c.isClosed() {
		c.outMu.Unlock()
		c.settle(it)
		return ErrConnClosed
	}
	frames, bytes := c.queuedFrames, c.queuedBytes.Load()
	if (c.cfg.maxQueuedFrames > 0 && frames >= c.cfg.maxQueuedFrames) ||
		(c.cfg.maxQueuedBytes > 0 && frames > 0 && bytes+it.size > c.cfg.maxQueuedBytes) {
		c.outMu.Unlock()
		c.settle(it)
		err := fmt.Errorf("%w: %d frames and %d bytes already queued", ErrPeerNotReading, frames, bytes)
		c.drop("peer does not read; connection dropped", err)
		return err
	}
	c.out = append(c.out, it)
	c.queuedFrames++
	c.queuedBytes.Add(it.size)
	over := false
	if o := c.cfg.output; o != nil {
		over = o.total.Add(it.size) > o.max
	}
	c.outMu.Unlock()
	select {
	case c.outWake <- struct{}{}:
	default:
	}
	if over {
		c.cfg.output.shed()
	}
	return nil
}

// written settles items the writer is done with and takes them off the
// queue's counts.
func (c *Conn) written(items []outItem) {
	var bytes int64
	for _, it := range items {
		bytes += it.size
		c.settle(it)
	}
	c.outMu.Lock()
	c.queuedFrames -= len(items)
	c.queuedBytes.Add(-bytes)
	c.outMu.Unlock()
	if o := c.cfg.output; o != nil {
		o.total.Add(-bytes)
	}
}

func (c *Conn) writeLoop() {
	var bufs net.Buffers
	for {
		select {
		case <-c.outWake:
		case <-c.done:
			c.outMu.Lock()
			items := c.out
			c.out = nil
			c.outMu.Unlock()
			c.written(items)
			return
		}
		// Let the goroutines that are about to queue frames (other
		// handlers' responses, other callers' requests) do so first, so
		// that one writev carries them all: on loopback a write costs as
		// much as handling a small request, and one per frame took a third
		// of a busy broker's CPU.
		runtime.Gosched()
		c.outMu.Lock()
		items := c.out
		c.out = nil
		c.outMu.Unlock()
		bufs = bufs[:0]
		for _, it := range items {
			bufs = append(bufs, it.bufs...)
		}
		err := c.nc.SetWriteDeadline(time.Now().Add(c.cfg.writeTimeout))
		if err == nil {
			w := bufs // WriteTo consumes its receiver
			_, err = w.WriteTo(c.nc)
		}
		clear(bufs) // let the written buffers go
		c.written(items)
		if err != nil {
			c.writeFailed(err)
			continue // the done case drains what is left
		}
		c.activity.Add(1)
	}
}

// writeFailed closes the connection after a failed write: a timeout means
// the peer stopped reading; anything else that it went away.
func (c *Conn) writeFailed(err error) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.drop("write timed out; connection dropped", fmt.Errorf("%w: %w", ErrPeerNotReading, err))
		return
	}
	if closed, _ := c.fail(err); closed {
		c.cfg.log.Debug("write failed", "addr", c.RemoteAddr(), "err", err)
	}
}

// Write queues one command for sending.
func (c *Conn) Write(cmd *Command, st SerializeType) error {
	buf, err := Encode(nil, cmd, st)
	if err != nil {
		return err
	}
	return c.enqueue(outItem{bufs: [][]byte{buf}, size: int64(len(buf))})
}

// WriteVectored queues cmd with its body given as parts, which are written
// after the header without being copied (a pull response's records,
// straight from the commit log). done runs once they are written or
// dropped, to release them; it runs also when WriteVectored fails.
func (c *Conn) WriteVectored(cmd *Command, st SerializeType, parts [][]byte, done func()) error {
	it, err := vectoredItem(cmd, st, parts, done)
	if err != nil {
		if done != nil {
			done()
		}
		return err
	}
	return c.enqueue(it)
}

// vectoredItem encodes cmd's header for a body given as parts.
func vectoredItem(cmd *Command, st SerializeType, parts [][]byte, done func()) (outItem, error) {
	bodyLen := 0
	for _, p := range parts {
		bodyLen += len(p)
	}
	cmd.Body = nil
	head, err := Encode(nil, cmd, st)
	if err != nil {
		return outItem{}, err
	}
	// Encode wrote a frame without body: patch the length to include it.
	total := len(head) - prefixLength + bodyLen
	head[0], head[1], head[2], head[3] = byte(total>>24), byte(total>>16), byte(total>>8), byte(total)
	return outItem{bufs: append([][]byte{head}, parts...), size: int64(len(head) + bodyLen), done: done}, nil
}

// Reply sends resp, the answer to req, in req's serialize type.
func (c *Conn) Reply(req, resp *Command) error {
	resp.Opaque = req.Opaque
	resp.MarkResponse()
	return c.Write(resp, req.serialize)
}

// ReplyVectored answers req with resp, whose body is parts written without
// being copied; done runs once they are written or dropped.
func (c *Conn) ReplyVectored(req, resp *Command, parts [][]byte, done func()) error {
	resp.Opaque = req.Opaque
	resp.MarkResponse()
	return c.WriteVectored(resp, req.serialize, parts, done)
}

// answer queues resp to req, a request handed to the handler, and finishes
// req once it is written or dropped. A response that cannot be encoded is
// replaced by a SYSTEM_ERROR saying so: the requester must not wait in vain.
func (c *Conn) answer(req, resp *Command) error {
	resp.Opaque = req.Opaque
	resp.MarkResponse()
	buf, err := Encode(nil, resp, req.serialize)
	if err != nil {
		c.cfg.log.Error("response cannot be encoded; answering SYSTEM_ERROR",
			"addr", c.RemoteAddr(), "code", req.WideCode(), "err", err)
		fallback := NewResponse(req, ResponseSystemError, "response could not be encoded: "+err.Error())
		var err2 error
		if buf, err2 = Encode(nil, fallback, req.serialize); err2 != nil {
			c.finish(req)
			return errors.Join(err, err2)
		}
	}
	return errors.Join(err, c.enqueue(outItem{bufs: [][]byte{buf}, size: int64(len(buf)), req: req}))
}
