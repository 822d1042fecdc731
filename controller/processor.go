package controller

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rocketstore/rocketstore/remoting"
)

// register adds the controller's processors to s.
func (c *Controller) register(s *remoting.Server) {
	handlers := map[int16]func(*remoting.Conn, *remoting.Command) result{
		remoting.RequestBrokerHeartbeat:             c.handleHeartbeat,
		remoting.RequestControllerAlterSyncStateSet: c.handleAlterSyncStateSet,
		remoting.RequestControllerElectMaster:       c.handleElectMaster,
		remoting.RequestControllerRegisterBroker:    c.handleRegisterBroker,
		remoting.RequestControllerGetReplicaInfo:    c.handleGetReplicaInfo,
		remoting.RequestControllerGetMetadataInfo:   c.handleGetMetadata,
		remoting.RequestControllerGetSyncStateData:  c.handleGetSyncStateData,
		remoting.RequestCleanBrokerData:             c.handleCleanBrokerData,
		remoting.RequestControllerGetNextBrokerID:   c.handleGetNextBrokerID,
		remoting.RequestControllerApplyBrokerID:     c.handleApplyBrokerID,
	}
	for code, h := range handlers {
		s.Handle(code, c.pool, func(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
			return c.respond(conn, req, h(conn, req))
		})
	}
}

// respond turns a result into the response, logging a refusal once per
// cause and peer in a while (a broker retries in a loop).
func (c *Controller) respond(conn *remoting.Conn, req *remoting.Command, r result) *remoting.Command {
	if r.code != remoting.ResponseSuccess {
		key := fmt.Sprintf("%d|%d|%s", req.Code, r.code, conn.RemoteAddr())
		if r.code == remoting.ResponseControllerNotLeader {
			key = fmt.Sprintf("notleader|%s", conn.RemoteAddr())
		}
		if c.refusals.allow(key) {
			c.log.Warn("request refused", "code", req.Code, "response", r.code, "remark", r.remark, "addr", conn.RemoteAddr())
		}
	}
	resp := remoting.NewResponse(req, r.code, r.remark)
	if r.master != nil {
		setMasterHeader(resp, *r.master)
	}
	for k, v := range r.ext {
		resp.Set(k, v)
	}
	if r.body != nil {
		body, err := encodeJSON(r.body)
		if err != nil {
			c.log.Error("encode response body", "code", req.Code, "err", err)
			return remoting.NewResponse(req, remoting.ResponseSystemError, err.Error())
		}
		resp.Body = body
	}
	return resp
}

// badRequest answers a header or body that does not parse.
func badRequest(err error) result {
	return fail(remoting.ResponseControllerInvalidRequest, "bad request: %v", err)
}

func (c *Controller) handleHeartbeat(conn *remoting.Conn, req *remoting.Command) result {
	hb, err := parseHeartbeat(req)
	if err != nil {
		return badRequest(err)
	}
	if hb.BrokerID <= 0 {
		return fail(remoting.ResponseControllerInvalidRequest, "heartbeat without a broker id")
	}
	return c.read(func(s *state) result {
		c.live.beat(&hb, conn, c.opts.BrokerHeartbeatTimeout)
		g := s.group(hb.BrokerName)
		if g == nil {
			return result{remark: "heartbeat recorded; the group is not registered"}
		}
		if _, ok := g.Members[hb.BrokerID]; !ok {
			return result{remark: "heartbeat recorded; the broker is not registered"}
		}
		// The answer carries the master, so a broker that missed the push
		// learns of a new one with its next heartbeat.
		mi := masterInfo(g)
		return result{master: &mi, body: mi.SyncStateSet}
	})
}

func (c *Controller) handleAlterSyncStateSet(_ *remoting.Conn, req *remoting.Command) result {
	r, err := parseAlterSyncStateSet(req)
	if err != nil {
		return badRequest(err)
	}
	return c.decide(func(s *state) result { return decideAlterSyncStateSet(s, r, c.live) })
}

func (c *Controller) handleElectMaster(_ *remoting.Conn, req *remoting.Command) result {
	r, err := parseElect(req)
	if err != nil {
		return badRequest(err)
	}
	res := c.decide(func(s *state) result { return decideElect(s, r, c.live, c.opts.EnableElectUncleanMaster) })
	if res.code == remoting.ResponseSuccess {
		c.log.Warn("master elected on request", "brokerName", r.BrokerName, "brokerId", res.master.MasterBrokerID,
			"masterEpoch", res.master.MasterEpoch, "designate", r.Designate, "stepDown", r.StepDown)
	}
	return res
}

func (c *Controller) handleRegisterBroker(_ *remoting.Conn, req *remoting.Command) result {
	r, err := parseRegister(req)
	if err != nil {
		return badRequest(err)
	}
	return c.decide(func(s *state) result { return decideRegister(s, r, c.live) })
}

func (c *Controller) handleApplyBrokerID(_ *remoting.Conn, req *remoting.Command) result {
	r, err := parseApplyBrokerID(req)
	if err != nil {
		return badRequest(err)
	}
	return c.decide(func(s *state) result { return decideApplyBrokerID(s, r) })
}

func (c *Controller) handleGetNextBrokerID(_ *remoting.Conn, req *remoting.Command) result {
	h := header{c: req}
	cluster, name := h.optStr(keyClusterName), h.str(keyBrokerName)
	if h.err != nil {
		return badRequest(h.err)
	}
	return c.read(func(s *state) result {
		next := FirstBrokerID
		if g := s.group(name); g != nil {
			next = g.NextBrokerID
		}
		return result{ext: map[string]string{keyClusterName: cluster, keyBrokerName: name, "nextBrokerId": fmt.Sprint(next)}}
	})
}

func (c *Controller) handleGetReplicaInfo(_ *remoting.Conn, req *remoting.Command) result {
	h := header{c: req}
	name := h.str(keyBrokerName)
	if h.err != nil {
		return badRequest(h.err)
	}
	return c.read(func(s *state) result {
		g := s.group(name)
		if g == nil {
			return fail(remoting.ResponseControllerBrokerMetadataNotExist, "broker group %q does not exist", name)
		}
		mi := masterInfo(g)
		return result{master: &mi, body: mi.SyncStateSet}
	})
}

func (c *Controller) handleGetSyncStateData(_ *remoting.Conn, req *remoting.Command) result {
	var names []string
	if err := decodeJSON(req.Body, &names); err != nil {
		return badRequest(fmt.Errorf("body must be a JSON list of broker names: %w", err))
	}
	return c.read(func(s *state) result {
		info := BrokerReplicasInfo{ReplicasInfoTable: make(map[string]ReplicasInfo)}
		for _, name := range names {
			if g := s.group(name); g != nil {
				info.ReplicasInfoTable[name] = replicasInfo(g, c.live)
			}
		}
		return result{body: info}
	})
}

func (c *Controller) handleCleanBrokerData(_ *remoting.Conn, req *remoting.Command) result {
	r, err := parseCleanBrokerData(req)
	if err != nil {
		return badRequest(err)
	}
	res := c.decide(func(s *state) result { return decideCleanBrokerData(s, r, c.live) })
	if res.code == remoting.ResponseSuccess {
		c.log.Warn("broker data cleaned", "brokerName", r.BrokerName, "brokerIds", r.BrokerIDs)
	}
	return res
}

// handleGetMetadata answers on every peer: it is how brokers find the
// leader.
func (c *Controller) handleGetMetadata(_ *remoting.Conn, _ *remoting.Command) result {
	var peers strings.Builder
	for _, p := range c.opts.Peers {
		fmt.Fprintf(&peers, "%s:%s;", p.ID, p.Addr)
	}
	ext := map[string]string{"group": c.opts.Group, "peers": peers.String(), "isLeader": fmt.Sprint(c.IsLeader())}
	if p, ok := c.Leader(); ok {
		ext[keyLeaderID], ext[keyLeaderAddress] = p.ID, p.Addr
	}
	return result{ext: ext}
}

// encodeJSON and decodeJSON are the body codec (RocketMQ's
// RemotingSerializable: JSON).
func encodeJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("controller: encode body: %w", err)
	}
	return b, nil
}

func decodeJSON(b []byte, v any) error {
	if len(b) == 0 {
		return fmt.Errorf("controller: empty body: %w", remoting.ErrMissingField)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("controller: decode body: %w", err)
	}
	return nil
}
