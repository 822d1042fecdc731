package acl

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/rocketstore/rocketstore/remoting"
)

// BrokerIdentity names the broker serving the ACL admin requests, for
// GET_BROKER_CLUSTER_ACL_INFO's answer.
type BrokerIdentity struct {
	ClusterName string
	BrokerName  string
	BrokerAddr  string
}

// Handlers returns the handlers of the ACL admin request codes, for the
// broker to register: UPDATE_AND_CREATE_ACL_CONFIG, DELETE_ACL_CONFIG,
// UPDATE_GLOBAL_WHITE_ADDRS_CONFIG, GET_BROKER_CLUSTER_ACL_INFO and
// GET_BROKER_CLUSTER_ACL_CONFIG. They do not check who asks: the broker
// runs Check on every request first, and all five are admin codes by
// default.
func (a *Authorizer) Handlers(id BrokerIdentity) map[int16]remoting.Handler {
	return map[int16]remoting.Handler{
		remoting.RequestUpdateAndCreateACLConfig:     a.handleUpdateAccount,
		remoting.RequestDeleteACLConfig:              a.handleDeleteAccount,
		remoting.RequestUpdateGlobalWhiteAddrsConfig: a.handleUpdateGlobalWhiteAddrs,
		remoting.RequestGetBrokerClusterACLInfo: func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
			return a.handleGetVersion(req, id)
		},
		remoting.RequestGetBrokerClusterACLConfig: a.handleGetConfig,
	}
}

// handleUpdateAccount answers UPDATE_AND_CREATE_ACL_CONFIG. List fields
// (topicPerms, groupPerms) are comma-separated, as mqadmin sends them.
func (a *Authorizer) handleUpdateAccount(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	u := AccountUpdate{
		AccessKey:        req.ExtFields["accessKey"],
		SecretKey:        req.ExtFields["secretKey"],
		DefaultTopicPerm: req.ExtFields["defaultTopicPerm"],
		DefaultGroupPerm: req.ExtFields["defaultGroupPerm"],
	}
	if w, ok := req.Lookup("whiteRemoteAddress"); ok {
		u.WhiteRemoteAddress = &w
	}
	if _, ok := req.Lookup("admin"); ok {
		admin, err := req.Bool("admin")
		if err != nil {
			return a.adminFailed(c, req, remoting.ResponseUpdateAndCreateACLConfigFailed, err)
		}
		u.Admin = admin
	}
	if s, ok := req.Lookup("topicPerms"); ok {
		u.TopicPerms = splitList(s)
	}
	if s, ok := req.Lookup("groupPerms"); ok {
		u.GroupPerms = splitList(s)
	}
	if err := a.UpdateAccount(u); err != nil {
		return a.adminFailed(c, req, remoting.ResponseUpdateAndCreateACLConfigFailed, err)
	}
	a.log.Info("acl account updated", "accessKey", u.AccessKey, "admin", u.Admin, "by", remoteOf(c))
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// handleDeleteAccount answers DELETE_ACL_CONFIG.
func (a *Authorizer) handleDeleteAccount(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	accessKey, err := req.Field("accessKey")
	if err == nil {
		err = a.DeleteAccount(accessKey)
	}
	if err != nil {
		return a.adminFailed(c, req, remoting.ResponseDeleteACLConfigFailed, err)
	}
	a.log.Info("acl account deleted", "accessKey", accessKey, "by", remoteOf(c))
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// handleUpdateGlobalWhiteAddrs answers UPDATE_GLOBAL_WHITE_ADDRS_CONFIG.
// RocketMQ 5 names the file to edit in aclFileFullPath; there is one file
// here, so another path is refused rather than ignored.
func (a *Authorizer) handleUpdateGlobalWhiteAddrs(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	addrs, err := req.Field("globalWhiteAddrs")
	if err == nil {
		if p := req.ExtFields["aclFileFullPath"]; p != "" && !samePath(p, a.path) {
			err = fmt.Errorf("acl: aclFileFullPath %q is not the ACL file in use, %q", p, a.path)
		}
	}
	if err == nil {
		err = a.UpdateGlobalWhiteAddrs(splitList(addrs))
	}
	if err != nil {
		return a.adminFailed(c, req, remoting.ResponseUpdateGlobalWhiteAddrsConfigFailed, err)
	}
	a.log.Info("acl global white addresses updated", "globalWhiteAddrs", addrs, "by", remoteOf(c))
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// handleGetVersion answers GET_BROKER_CLUSTER_ACL_INFO with the data
// version, as RocketMQ's GetBrokerAclConfigResponseHeader.
func (a *Authorizer) handleGetVersion(req *remoting.Command, id BrokerIdentity) *remoting.Command {
	v := a.Version()
	version, err := json.Marshal(v)
	if err != nil {
		return remoting.NewResponse(req, remoting.ResponseSystemError, err.Error())
	}
	all, err := json.Marshal(map[string]DataVersion{a.path: v})
	if err != nil {
		return remoting.NewResponse(req, remoting.ResponseSystemError, err.Error())
	}
	resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
	resp.Set("version", string(version))
	resp.Set("allAclFileVersion", string(all))
	resp.Set("clusterName", id.ClusterName)
	resp.Set("brokerName", id.BrokerName)
	resp.Set("brokerAddr", id.BrokerAddr)
	return resp
}

// handleGetConfig answers GET_BROKER_CLUSTER_ACL_CONFIG with the whole
// configuration (RocketMQ's GetBrokerClusterAclConfigResponseBody).
func (a *Authorizer) handleGetConfig(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	fc := a.Config()
	if fc.GlobalWhiteRemoteAddresses == nil {
		fc.GlobalWhiteRemoteAddresses = []string{}
	}
	if fc.Accounts == nil {
		fc.Accounts = []Account{}
	}
	body, err := json.Marshal(fc)
	if err != nil {
		return remoting.NewResponse(req, remoting.ResponseSystemError, err.Error())
	}
	resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
	resp.Body = body
	return resp
}

// adminFailed logs a refused edit and answers it with code.
func (a *Authorizer) adminFailed(c *remoting.Conn, req *remoting.Command, code int16, err error) *remoting.Command {
	a.log.Warn("acl admin request refused", "code", req.Code, "addr", remoteOf(c), "err", err)
	return remoting.NewResponse(req, code, err.Error())
}

// splitList splits a comma-separated list, keeping commas inside braces
// (192.168.0.{1,2}) and dropping empty items.
func splitList(s string) []string {
	out := []string{}
	depth, start := 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			switch s[i] {
			case '{':
				depth++
				continue
			case '}':
				depth--
				continue
			case ',':
				if depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		if item := strings.TrimSpace(s[start:i]); item != "" {
			out = append(out, item)
		}
		start = i + 1
	}
	return out
}

// samePath reports whether two paths name the same file.
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// remoteOf is c's peer address, or "in-process" when there is no
// connection.
func remoteOf(c *remoting.Conn) string {
	if c == nil {
		return "in-process"
	}
	return c.RemoteAddr()
}
