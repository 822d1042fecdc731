package nameserver

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// Handlers for the requests brokers send: REGISTER_BROKER,
// UNREGISTER_BROKER and QUERY_DATA_VERSION.

// emptyKVTable is the register response body: RocketMQ's KVTable of
// order-topic settings, which this name server does not keep.
var emptyKVTable = []byte(`{"table":{}}`)

// brokerHeader is the header REGISTER_BROKER, UNREGISTER_BROKER and
// QUERY_DATA_VERSION share; RocketMQ requires all of it in each.
type brokerHeader struct {
	clusterName string
	brokerName  string
	brokerAddr  string
	brokerID    int64
}

// parseBrokerHeader reads the shared fields. The first error returned is
// a *remoting.FieldError (SYSTEM_ERROR); the second flags values that
// parse but cannot identify a broker (INVALID_PARAMETER).
func parseBrokerHeader(req *remoting.Command) (h brokerHeader, readErr, invalid error) {
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"brokerName", &h.brokerName},
		{"brokerAddr", &h.brokerAddr},
		{"clusterName", &h.clusterName},
	} {
		if *f.dst, readErr = req.Field(f.key); readErr != nil {
			return h, readErr, nil
		}
	}
	if h.brokerID, readErr = req.Int64("brokerId"); readErr != nil {
		return h, readErr, nil
	}
	switch {
	case h.brokerName == "":
		invalid = errors.New("brokerName is empty")
	case h.brokerAddr == "":
		invalid = errors.New("brokerAddr is empty")
	case h.clusterName == "":
		invalid = errors.New("clusterName is empty")
	case h.brokerID < 0:
		invalid = errors.New("brokerId is negative")
	}
	return h, nil, invalid
}

// registerBroker handles REGISTER_BROKER.
func (ns *NameServer) registerBroker(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	h, readErr, invalid := parseBrokerHeader(req)
	if readErr != nil {
		return failure(req, remoting.ResponseSystemError, "register broker: %v", readErr)
	}
	if invalid != nil {
		return failure(req, remoting.ResponseInvalidParameter, "register broker: %v", invalid)
	}
	haServerAddr, err := req.Field("haServerAddr")
	if err != nil {
		return failure(req, remoting.ResponseSystemError, "register broker: %v", err)
	}
	if _, ok := req.Lookup("compressed"); ok {
		compressed, err := req.Bool("compressed")
		if err != nil {
			return failure(req, remoting.ResponseSystemError, "register broker: %v", err)
		}
		if compressed {
			return failure(req, remoting.ResponseInvalidParameter,
				"register broker: compressed bodies are not supported; set compressedRegister=false on the broker")
		}
	}
	var timeout time.Duration
	if _, ok := req.Lookup("heartbeatTimeoutMillis"); ok {
		ms, err := req.Int64("heartbeatTimeoutMillis")
		if err != nil {
			return failure(req, remoting.ResponseSystemError, "register broker: %v", err)
		}
		if ms > 0 {
			timeout = time.Duration(ms) * time.Millisecond
		}
	}
	// RocketMQ checks the CRC only when the broker sent one.
	if _, ok := req.Lookup("bodyCrc32"); ok {
		want, err := req.Int32("bodyCrc32")
		if err != nil {
			return failure(req, remoting.ResponseSystemError, "register broker: %v", err)
		}
		if want != 0 && javaCRC32(req.Body) != want {
			return failure(req, remoting.ResponseSystemError, "crc32 not match")
		}
	}

	reg := Registration{
		ClusterName:  h.clusterName,
		BrokerName:   h.brokerName,
		BrokerAddr:   h.brokerAddr,
		BrokerID:     h.brokerID,
		HAServerAddr: haServerAddr,
		Timeout:      timeout,
		Conn:         c,
	}
	// No body means no topic information: the registration only proves
	// the broker is alive.
	if len(req.Body) > 0 {
		reg.DataVersion, reg.Topics, err = decodeRegisterBody(req.Body)
		if err != nil {
			return failure(req, remoting.ResponseSystemError, "register broker: failed to decode body: %v", err)
		}
	}
	res := ns.routes.Register(reg, ns.opts.Now())

	resp := success(req, emptyKVTable)
	// Absent rather than empty when unknown, as Java omits null header
	// fields: a slave reading "" would take it for its master's address.
	if res.HAServerAddr != "" {
		resp.Set("haServerAddr", res.HAServerAddr)
	}
	if res.MasterAddr != "" {
		resp.Set("masterAddr", res.MasterAddr)
	}
	return resp
}

// unregisterBroker handles UNREGISTER_BROKER, which a broker sends when it
// shuts down. Unknown brokers are not an error: the broker may have
// expired already.
func (ns *NameServer) unregisterBroker(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	h, readErr, invalid := parseBrokerHeader(req)
	if readErr != nil {
		return failure(req, remoting.ResponseSystemError, "unregister broker: %v", readErr)
	}
	if invalid != nil {
		return failure(req, remoting.ResponseInvalidParameter, "unregister broker: %v", invalid)
	}
	ns.routes.RemoveBroker(h.brokerAddr)
	return success(req, nil)
}

// queryDataVersion handles QUERY_DATA_VERSION: a Java broker asks whether
// the name server already has its current topic configuration before
// deciding to send a full registration. The body is the broker's
// DataVersion; the answer says whether it changed and carries the name
// server's version for the broker, if any.
func (ns *NameServer) queryDataVersion(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	h, readErr, invalid := parseBrokerHeader(req)
	if readErr != nil {
		return failure(req, remoting.ResponseSystemError, "query data version: %v", readErr)
	}
	if invalid != nil {
		return failure(req, remoting.ResponseInvalidParameter, "query data version: %v", invalid)
	}
	var v DataVersion
	if err := json.Unmarshal(req.Body, &v); err != nil {
		return failure(req, remoting.ResponseSystemError, "query data version: failed to decode body: %v", err)
	}
	current, registered, changed := ns.routes.QueryDataVersion(h.brokerAddr, v, ns.opts.Now())
	resp := success(req, nil)
	if registered {
		body, err := encodeJSON(current)
		if err != nil {
			return failure(req, remoting.ResponseSystemError, "%v", err)
		}
		resp.Body = body
	}
	resp.SetBool("changed", changed)
	return resp
}
