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
// limits is not reading (fast enough): it is disconnected, and everything
// queued for it dropped (the writer settles it), rather than held without
// bound. A frame alone in its queue is always taken, so a peer that reads
// is never refused for the size of one answer.
func (c *Conn) enqueue(it outItem) error {
	c.outMu.Lock()
	if c.isClosed() {
		c.outMu.Unlock()
		c.settle(it)
		return ErrConnClosed
	}
	if msg, err := c.overLimits(it.size); err != nil {
		c.outMu.Unlock()
		c.settle(it)
		c.drop(msg, err)
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
		// Queues alone in being over the total are each one frame; the
		// bulk sits with the slowest readers, who make room.
		c.cfg.output.shed()
	}
	return nil
}

// overLimits says why a frame of size does not fit the queue, with the
// message to log; nil when it fits. Called with outMu held.
func (c *Conn) overLimits(size int64) (string, error) {
	frames, bytes := c.queuedFrames, c.queuedBytes.Load()
	if frames == 0 {
		return "", nil
	}
	switch o := c.cfg.output; {
	case c.cfg.maxQueuedFrames > 0 && frames >= c.cfg.maxQueuedFrames,
		c.cfg.maxQueuedBytes > 0 && bytes+size > c.cfg.maxQueuedBytes:
		return "peer does not read; connection dropped",
			fmt.Errorf("%w: %d frames and %d bytes already queued", ErrPeerNotReading, frames, bytes)
	case o != nil && o.total.Load()+size > o.max:
		return "server write queues full; connection with a backlog dropped",
			fmt.Errorf("%w: %d bytes queued here, the server's %d in all", ErrPeerNotReading, bytes, o.total.Load())
	}
	return "", nil
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

// copyBodyBelow is the body size under which an answer's body is copied
// behind its header rather than written from where it is: one iovec more
// costs about what copying a few KiB does.
const copyBodyBelow = 4 << 10

// answer queues resp to req, a request handed to the handler, and finishes
// req once it is written or dropped. A large body is written from where it
// is, not copied: the handler gave resp up by returning it. A response that
// cannot be encoded is replaced by a SYSTEM_ERROR saying so: the requester
// must not wait in vain.
func (c *Conn) answer(req, resp *Command) error {
	resp.Opaque = req.Opaque
	resp.MarkResponse()
	var (
		it  outItem
		err error
	)
	if body := resp.Body; len(body) >= copyBodyBelow {
		it, err = vectoredItem(resp, req.serialize, [][]byte{body}, nil)
		resp.Body = body
	} else {
		it.bufs = [][]byte{nil}
		it.bufs[0], err = Encode(nil, resp, req.serialize)
		it.size = int64(len(it.bufs[0]))
	}
	if err != nil {
		c.cfg.log.Error("response cannot be encoded; answering SYSTEM_ERROR",
			"addr", c.RemoteAddr(), "code", req.WideCode(), "err", err)
		fallback := NewResponse(req, ResponseSystemError, "response could not be encoded: "+err.Error())
		buf, err2 := Encode(nil, fallback, req.serialize)
		if err2 != nil {
			c.finish(req)
			return errors.Join(err, err2)
		}
		it = outItem{bufs: [][]byte{buf}, size: int64(len(buf))}
	}
	it.req = req
	return errors.Join(err, c.enqueue(it))
}
