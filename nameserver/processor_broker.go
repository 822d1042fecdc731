package nameserver

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// Handlers for the requests brokers send: REGISTER_BROKER,
// UNREGISTER_BROKER, QUERY_DATA_VERSION and REGISTER_TOPIC_IN_NAMESRV.

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
func (ns *NameServer) registerBroker(c *remoting.Conn, req *remoting.Command, origin Origin) *remoting.Command {
	h, readErr, invalid := parseBrokerHeader(req)
	if readErr != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "register broker: %v", readErr)
	}
	if invalid != nil {
		return ns.refuse(c, req, remoting.ResponseInvalidParameter, "register broker: %v", invalid)
	}
	haServerAddr, err := req.Field("haServerAddr")
	if err != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "register broker: %v", err)
	}
	if _, ok := req.Lookup("compressed"); ok {
		compressed, err := req.Bool("compressed")
		if err != nil {
			return ns.refuse(c, req, remoting.ResponseSystemError, "register broker: %v", err)
		}
		if compressed {
			return ns.refuse(c, req, remoting.ResponseInvalidParameter,
				"register broker: compressed bodies are not supported; set compressedRegister=false on the broker")
		}
	}
	var timeout time.Duration
	if _, ok := req.Lookup("heartbeatTimeoutMillis"); ok {
		ms, err := req.Int64("heartbeatTimeoutMillis")
		if err != nil {
			return ns.refuse(c, req, remoting.ResponseSystemError, "register broker: %v", err)
		}
		if ms > 0 {
			timeout = time.Duration(ms) * time.Millisecond
		}
	}
	// RocketMQ checks the CRC only when the broker sent one.
	if _, ok := req.Lookup("bodyCrc32"); ok {
		want, err := req.Int32("bodyCrc32")
		if err != nil {
			return ns.refuse(c, req, remoting.ResponseSystemError, "register broker: %v", err)
		}
		if want != 0 && javaCRC32(req.Body) != want {
			return ns.refuse(c, req, remoting.ResponseSystemError, "crc32 not match")
		}
	}

	reg := Registration{
		ClusterName:  h.clusterName,
		BrokerName:   h.brokerName,
		BrokerAddr:   h.brokerAddr,
		BrokerID:     h.brokerID,
		HAServerAddr: haServerAddr,
		Timeout:      timeout,
		Origin:       origin,
	}
	// No body means no topic information: the registration only proves
	// the broker is alive.
	if len(req.Body) > 0 {
		reg.DataVersion, reg.Topics, err = decodeRegisterBody(req.Body)
		if err != nil {
			return ns.refuse(c, req, remoting.ResponseSystemError, "register broker: failed to decode body: %v", err)
		}
	}
	res, err := ns.routes.Register(reg, ns.opts.Now())
	if err != nil {
		return ns.refuse(c, req, remoting.ResponseNoPermission, "register broker: %v", err)
	}
	ns.logRegistration(c, reg, res)

	// RocketMQ answers with the order-topic settings of the KV config
	// (returnOrderTopicConfigToBroker).
	table, _ := ns.kv.List(NamespaceOrderTopicConfig) // absent: an empty table
	resp := ns.jsonResponse(c, req, newKVList(table))
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

// logRegistration logs a new broker address or a changed topic
// configuration at Info, a periodic re-registration at Debug.
func (ns *NameServer) logRegistration(c *remoting.Conn, r Registration, res RegisterResult) {
	args := []any{"cluster", r.ClusterName, "brokerName", r.BrokerName, "brokerId", r.BrokerID, "brokerAddr", r.BrokerAddr,
		"conn", peerAddr(c), "signed", r.Trusted, "counter", r.DataVersion.Counter, "stateVersion", r.DataVersion.StateVersion}
	switch {
	case res.New:
		ns.log.Info("broker registered", append(args, "topics", len(r.Topics))...)
	case res.TopicsChanged:
		ns.log.Info("broker topic config changed", append(args, "topics", len(r.Topics))...)
	default:
		ns.log.Debug("broker re-registered", args...)
	}
}

// unregisterBroker handles UNREGISTER_BROKER, which a broker sends when it
// shuts down. Unknown brokers are not an error: the broker may have
// expired already.
func (ns *NameServer) unregisterBroker(c *remoting.Conn, req *remoting.Command, origin Origin) *remoting.Command {
	h, readErr, invalid := parseBrokerHeader(req)
	if readErr != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "unregister broker: %v", readErr)
	}
	if invalid != nil {
		return ns.refuse(c, req, remoting.ResponseInvalidParameter, "unregister broker: %v", invalid)
	}
	removed, err := ns.routes.Unregister(h.brokerAddr, origin)
	if err != nil {
		return ns.refuse(c, req, remoting.ResponseNoPermission, "unregister broker: %v", err)
	}
	if removed {
		ns.log.Info("broker unregistered", "cluster", h.clusterName, "brokerName", h.brokerName, "brokerId", h.brokerID,
			"brokerAddr", h.brokerAddr, "conn", peerAddr(c))
	}
	return success(req, nil)
}

// queryDataVersion handles QUERY_DATA_VERSION: a Java broker asks whether
// the name server already has its current topic configuration before
// deciding to send a full registration. The body is the broker's
// DataVersion; the answer says whether it changed and carries the name
// server's version for the broker, if any.
func (ns *NameServer) queryDataVersion(c *remoting.Conn, req *remoting.Command, origin Origin) *remoting.Command {
	h, readErr, invalid := parseBrokerHeader(req)
	if readErr != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "query data version: %v", readErr)
	}
	if invalid != nil {
		return ns.refuse(c, req, remoting.ResponseInvalidParameter, "query data version: %v", invalid)
	}
	var v DataVersion
	if err := json.Unmarshal(req.Body, &v); err != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "query data version: failed to decode body: %v", err)
	}
	current, registered, changed := ns.routes.QueryDataVersion(h.brokerAddr, v, ns.opts.Now(), origin)
	resp := success(req, nil)
	if registered {
		body, err := encodeJSON(current)
		if err != nil {
			return ns.refuse(c, req, remoting.ResponseSystemError, "%v", err)
		}
		resp.Body = body
	}
	resp.SetBool("changed", changed)
	return resp
}

// registerTopic handles REGISTER_TOPIC_IN_NAMESRV: a RocketMQ 5 broker
// registers one topic's queue data without a full registration. The body
// is a TopicRouteData of which only queueDatas is read. RocketMQ skips
// the request silently when a broker named in it is not registered; here
// it is refused with the reason.
func (ns *NameServer) registerTopic(c *remoting.Conn, req *remoting.Command, origin Origin) *remoting.Command {
	topic, err := req.Field("topic")
	if err != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "register topic: %v", err)
	}
	var body struct {
		QueueDatas []wireQueueData `json:"queueDatas"`
	}
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "register topic: failed to decode body: %v", err)
	}
	if topic == "" || len(body.QueueDatas) == 0 {
		return ns.refuse(c, req, remoting.ResponseInvalidParameter, "register topic: a topic and its queue data are required")
	}
	qds := make([]QueueData, len(body.QueueDatas))
	for i, w := range body.QueueDatas {
		qds[i] = w.queueData()
	}
	if err := ns.routes.RegisterTopic(topic, qds, origin); err != nil {
		code := remoting.ResponseInvalidParameter
		if errors.Is(err, ErrConflict) {
			code = remoting.ResponseNoPermission
		}
		return ns.refuse(c, req, code, "register topic %s: %v", topic, err)
	}
	ns.log.Info("topic registered", "topic", topic, "brokers", len(qds), "conn", peerAddr(c), "signed", origin.Trusted)
	return success(req, nil)
}
