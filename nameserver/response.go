package nameserver

import (
	"fmt"
	"hash/crc32"
	"log/slog"

	"github.com/rocketstore/rocketstore/remoting"
)

// Error responses follow one rule: a request the name server cannot read
// (a header field missing or not parsing, a body that is not the expected
// JSON, a CRC mismatch) gets SYSTEM_ERROR, which is what a Java name server
// answers when decoding throws; a request it reads but will not act on (an
// empty broker name, a negative broker id, a compressed body) gets
// INVALID_PARAMETER; one its sender may not make gets NO_PERMISSION. The
// remark says which and why, and every refusal is logged.

// refuse logs a refused request (one line per request code, answer and
// peer every 10 s, so a peer repeating it cannot flood the log) and
// returns the error response.
func (ns *NameServer) refuse(c *remoting.Conn, req *remoting.Command, code int16, format string, args ...any) *remoting.Command {
	remark := fmt.Sprintf(format, args...)
	ns.refusals.Log(ns.log, slog.LevelWarn, fmt.Sprintf("%d|%d|%s", req.Code, code, peerHost(c)),
		"request refused", "code", req.Code, "addr", peerAddr(c), "response", code, "remark", remark)
	return remoting.NewResponse(req, code, remark)
}

// peerAddr names c's peer for logs.
func peerAddr(c *remoting.Conn) string {
	if c == nil {
		return "in-process"
	}
	return c.RemoteAddr()
}

// peerHost is c's peer host, the part of a log rate-limit key that a peer
// cannot vary by reconnecting.
func peerHost(c *remoting.Conn) string {
	if c == nil {
		return "in-process"
	}
	return c.RemoteAddrPort().Addr().String()
}

// success returns a SUCCESS response to req carrying body.
func success(req *remoting.Command, body []byte) *remoting.Command {
	resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
	resp.Body = body
	return resp
}

// jsonResponse encodes v as the body of a SUCCESS response.
func (ns *NameServer) jsonResponse(c *remoting.Conn, req *remoting.Command, v any) *remoting.Command {
	body, err := encodeJSON(v)
	if err != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "%v", err)
	}
	return success(req, body)
}

// javaCRC32 is RocketMQ's UtilAll.crc32: the IEEE CRC-32 with the top bit
// cleared, so that it fits a non-negative Java int.
func javaCRC32(b []byte) int32 {
	return int32(crc32.ChecksumIEEE(b) & 0x7FFFFFFF)
}
