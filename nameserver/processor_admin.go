package nameserver

import (
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/rocketstore/rocketstore/remoting"
)

// Handlers for the admin requests that change routes or settings:
// DELETE_TOPIC_IN_NAMESRV, WIPE_WRITE_PERM_OF_BROKER,
// ADD_WRITE_PERM_OF_BROKER, UPDATE_NAMESRV_CONFIG, and GET_NAMESRV_CONFIG.
// Each change is logged with who made it.

// deleteTopic handles DELETE_TOPIC_IN_NAMESRV. RocketMQ 5 adds an optional
// clusterName that limits the deletion to that cluster's brokers. Deleting
// an unknown topic succeeds, as in RocketMQ: the admin tool deletes from
// every name server whether or not it knew the topic.
func (ns *NameServer) deleteTopic(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	topic, err := req.Field("topic")
	if err != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "delete topic: %v", err)
	}
	if topic == "" {
		return ns.refuse(c, req, remoting.ResponseInvalidParameter, "delete topic: topic is empty")
	}
	cluster, _ := req.Lookup("clusterName") // absent: every cluster
	removed := ns.routes.DeleteTopic(topic, cluster)
	ns.log.Info("topic deleted", "topic", topic, "cluster", cluster, "existed", removed, "conn", peerAddr(c))
	return success(req, nil)
}

// wipeWritePerm handles WIPE_WRITE_PERM_OF_BROKER: clients stop sending
// to the broker (before maintenance); the count of topics changed is the
// response header wipeTopicCount.
func (ns *NameServer) wipeWritePerm(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	return ns.setWritePerm(c, req, true, "wipeTopicCount")
}

// addWritePerm handles ADD_WRITE_PERM_OF_BROKER, answering addTopicCount.
func (ns *NameServer) addWritePerm(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	return ns.setWritePerm(c, req, false, "addTopicCount")
}

func (ns *NameServer) setWritePerm(c *remoting.Conn, req *remoting.Command, wipe bool, countKey string) *remoting.Command {
	brokerName, err := req.Field("brokerName")
	if err != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "write perm: %v", err)
	}
	n := ns.routes.SetWritePerm(brokerName, wipe)
	ns.log.Info("broker write permission changed", "brokerName", brokerName, "wipe", wipe, "topics", n, "conn", peerAddr(c))
	resp := success(req, nil)
	resp.SetInt32(countKey, int32(n))
	return resp
}

// runtimeSetting is one option UPDATE_NAMESRV_CONFIG may change, under
// RocketMQ's NamesrvConfig name. inverted settings store the opposite of
// the RocketMQ value (DisableX for enableX).
type runtimeSetting struct {
	name     string
	value    *atomic.Bool
	inverted bool
}

func (ns *NameServer) runtimeSettings() []runtimeSetting {
	return []runtimeSetting{
		{"enableAllTopicList", &ns.settings.disableAllTopicList, true},
		{"enableTopicList", &ns.settings.disableTopicList, true},
		{"orderMessageEnable", &ns.settings.orderMessageEnable, false},
	}
}

// protectedSettings may not change over the network: RocketMQ refuses the
// paths; the security settings would let a caller switch off its own
// checks.
var protectedSettings = []string{"kvConfigPath", "configStorePath", "aclEnable", "aclFile", "clusterSecret"}

// updateConfig handles UPDATE_NAMESRV_CONFIG: a body of properties lines
// (key=value). Only the runtime settings may change; the change lasts
// until restart (RocketMQ writes it to configStorePath when one is set).
// A body naming anything else is refused whole.
func (ns *NameServer) updateConfig(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	props, err := remoting.ParseProperties(req.Body)
	if err != nil {
		return ns.refuse(c, req, remoting.ResponseSystemError, "update config: %v", err)
	}
	settings := ns.runtimeSettings()
	values := make([]bool, len(settings))
	for key, text := range props {
		if slices.Contains(protectedSettings, key) {
			return ns.refuse(c, req, remoting.ResponseNoPermission, "Can not update config %s", key)
		}
		i := slices.IndexFunc(settings, func(s runtimeSetting) bool { return s.name == key })
		if i < 0 {
			return ns.refuse(c, req, remoting.ResponseInvalidParameter,
				"update config: %s cannot change at run time; these can: enableAllTopicList, enableTopicList, orderMessageEnable", key)
		}
		v, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil {
			return ns.refuse(c, req, remoting.ResponseInvalidParameter, "update config: %s=%q is not true or false", key, text)
		}
		values[i] = v
	}
	for i, s := range settings {
		if _, ok := props[s.name]; ok {
			s.value.Store(values[i] != s.inverted)
		}
	}
	ns.log.Info("name server config updated", "changes", props, "conn", peerAddr(c))
	return success(req, nil)
}

// getConfig handles GET_NAMESRV_CONFIG: the settings as properties lines,
// RocketMQ's names, sorted. The cluster secret is not shown.
func (ns *NameServer) getConfig(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	lines := []string{
		"kvConfigPath=" + ns.opts.KVConfigPath,
		"aclEnable=" + strconv.FormatBool(ns.opts.ACLEnable),
		"aclFile=" + ns.opts.ACLFile,
		"clusterSecretEnable=" + strconv.FormatBool(ns.cluster != nil),
		"scanNotActiveBrokerInterval=" + strconv.FormatInt(ns.opts.ScanInterval.Milliseconds(), 10),
		"brokerChannelExpiredTime=" + strconv.FormatInt(ns.opts.BrokerExpiry.Milliseconds(), 10),
	}
	for _, s := range ns.runtimeSettings() {
		lines = append(lines, s.name+"="+strconv.FormatBool(s.value.Load() != s.inverted))
	}
	slices.Sort(lines)
	return success(req, []byte(strings.Join(lines, "\n")+"\n"))
}
