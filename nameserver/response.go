package nameserver

import (
	"fmt"
	"hash/crc32"

	"github.com/rocketstore/rocketstore/remoting"
)

// Error responses follow one rule: a request the name server cannot read
// (a header field missing or not parsing, a body that is not the expected
// JSON, a CRC mismatch) gets SYSTEM_ERROR, which is what a Java name server
// answers when decoding throws; a request it reads but will not act on (an
// empty broker name, a negative broker id, a compressed body) gets
// INVALID_PARAMETER. The remark says which and why.

// failure returns an error response to req.
func failure(req *remoting.Command, code int16, format string, args ...any) *remoting.Command {
	return remoting.NewResponse(req, code, fmt.Sprintf(format, args...))
}

// success returns a SUCCESS response to req carrying body.
func success(req *remoting.Command, body []byte) *remoting.Command {
	resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
	resp.Body = body
	return resp
}

// jsonResponse encodes v as the body of a SUCCESS response.
func jsonResponse(req *remoting.Command, v any) *remoting.Command {
	body, err := encodeJSON(v)
	if err != nil {
		return failure(req, remoting.ResponseSystemError, "%v", err)
	}
	return success(req, body)
}

// javaCRC32 is RocketMQ's UtilAll.crc32: the IEEE CRC-32 with the top bit
// cleared, so that it fits a non-negative Java int.
func javaCRC32(b []byte) int32 {
	return int32(crc32.ChecksumIEEE(b) & 0x7FFFFFFF)
}
