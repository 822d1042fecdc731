package nameserver

import (
	"github.com/rocketstore/rocketstore/remoting"
)

// Handlers for the KV config: PUT_KV_CONFIG, GET_KV_CONFIG,
// DELETE_KV_CONFIG and GET_KVLIST_BY_NAMESPACE, with RocketMQ's headers
// (namespace, key, value) and answers.

// kvHeader reads the required header fields named by keys.
func kvHeader(req *remoting.Command, keys ...string) ([]string, error) {
	vals := make([]string, len(keys))
	for i, k := range keys {
		v, err := req.Field(k)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	return vals, nil
}

// putKVConfig handles PUT_KV_CONFIG. The answer comes after the change is
// on disk.
func (ns *NameServer) putKVConfig(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	h, err := kvHeader(req, "namespace", "key", "value")
	if err != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "put kv config: %v", err)
	}
	if err := ns.kv.Put(h[0], h[1], h[2]); err != nil {
		ns.log.Error("kv config not saved", "namespace", h[0], "key", h[1], "err", err)
		return ns.refuse(c, req, remoting.ResponseSystemError, "put kv config: %v", err)
	}
	ns.log.Info("kv config put", "namespace", h[0], "key", h[1], "value", h[2], "conn", peerAddr(c))
	return success(req, nil)
}

// getKVConfig handles GET_KV_CONFIG: the value in the response header, or
// QUERY_NOT_FOUND.
func (ns *NameServer) getKVConfig(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	h, err := kvHeader(req, "namespace", "key")
	if err != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "get kv config: %v", err)
	}
	v, ok := ns.kv.Get(h[0], h[1])
	if !ok {
		return remoting.NewResponse(req, remoting.ResponseQueryNotFound, "No config item, Namespace: "+h[0]+" Key: "+h[1])
	}
	resp := success(req, nil)
	resp.Set("value", v)
	return resp
}

// deleteKVConfig handles DELETE_KV_CONFIG. Deleting an absent key
// succeeds, as in RocketMQ.
func (ns *NameServer) deleteKVConfig(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	h, err := kvHeader(req, "namespace", "key")
	if err != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "delete kv config: %v", err)
	}
	if err := ns.kv.Delete(h[0], h[1]); err != nil {
		ns.log.Error("kv config not saved", "namespace", h[0], "key", h[1], "err", err)
		return ns.refuse(c, req, remoting.ResponseSystemError, "delete kv config: %v", err)
	}
	ns.log.Info("kv config deleted", "namespace", h[0], "key", h[1], "conn", peerAddr(c))
	return success(req, nil)
}

// getKVListByNamespace handles GET_KVLIST_BY_NAMESPACE: a KVTable body, or
// QUERY_NOT_FOUND for a namespace never written.
func (ns *NameServer) getKVListByNamespace(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	h, err := kvHeader(req, "namespace")
	if err != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "get kv list: %v", err)
	}
	table, ok := ns.kv.List(h[0])
	if !ok {
		return remoting.NewResponse(req, remoting.ResponseQueryNotFound, "No config item, Namespace: "+h[0])
	}
	return ns.jsonResponse(c, req, newKVList(table))
}
