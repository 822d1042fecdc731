package broker

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/rocketstore/rocketstore/acl"
	"github.com/rocketstore/rocketstore/remoting"
)

// aclFileName is the ACL file RocketMQ reads, looked for in the broker's
// config directory unless Options.ACLFile names another.
const aclFileName = "plain_acl.yml"

// accessControl is what checks requests before their handlers run: the
// ACL accounts (Options.ACLEnable) and the cluster secret of trusted peers
// (Options.ClusterSecret). Either may be off.
type accessControl struct {
	acl     *acl.Authorizer      // nil without ACLEnable
	cluster *acl.ClusterVerifier // nil without ClusterSecret
	secret  string
}

// openAccessControl loads the ACL file when ACL is enabled; a missing or
// invalid file stops the broker from starting, as a broker that meant to
// check requests must not serve unchecked.
func (b *Broker) openAccessControl() error {
	o := &b.opts
	if o.ClusterSecret != "" {
		b.access.secret = o.ClusterSecret
		b.access.cluster = acl.NewClusterVerifier(o.ClusterSecret, 0, nil)
	}
	if !o.ACLEnable {
		return nil
	}
	path := o.ACLFile
	if path == "" {
		path = filepath.Join(o.DataDir, "config", aclFileName)
	}
	a, err := acl.Open(path, &acl.Options{Logger: b.log})
	if err != nil {
		return fmt.Errorf("broker: aclEnable: %w", err)
	}
	b.access.acl = a
	b.log.Info("acl enabled", "file", path, "clusterSecret", b.access.cluster != nil)
	return nil
}

// intercept is the remoting server's Intercept, or nil when nothing is
// checked (no ACL, no cluster secret): requests then cost nothing extra.
func (b *Broker) intercept() func(*remoting.Conn, *remoting.Command) *remoting.Command {
	if b.access.acl == nil && b.access.cluster == nil {
		return nil
	}
	return b.checkRequest
}

// checkRequest lets a request through (nil) or answers NO_PERMISSION. A
// request signed with the cluster secret comes from a peer broker (a slave
// syncing its master's state) and needs no account; one whose cluster
// signature fails is refused whatever else it carries. Everything else is
// checked against the ACL accounts. Each refusal leaves a log line (one per
// cause every few seconds).
func (b *Broker) checkRequest(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	if _, signed := req.Lookup(acl.FieldClusterSignature); signed && b.access.cluster != nil {
		if err := b.access.cluster.Verify(req); err != nil {
			b.refusals.warn(b.log, "cluster:"+c.RemoteAddr(), "peer request refused: bad cluster signature",
				"addr", c.RemoteAddr(), "code", req.Code, "err", err)
			return remoting.NewResponse(req, remoting.ResponseNoPermission, err.Error())
		}
		return nil
	}
	if b.access.acl == nil {
		return nil
	}
	if err := b.access.acl.Check(req, c.RemoteAddr()); err != nil {
		return acl.DenyResponse(req, err) // Check logged it
	}
	return nil
}

// aclRoutes serves the ACL admin codes when ACL is enabled; they pass
// through checkRequest like every request, and are admin codes.
func (b *Broker) aclRoutes() {
	if b.access.acl == nil {
		return
	}
	id := acl.BrokerIdentity{ClusterName: b.opts.ClusterName, BrokerName: b.opts.BrokerName, BrokerAddr: b.Addr()}
	for code, h := range b.access.acl.Handlers(id) {
		b.server.Handle(code, b.namedPools["admin"], h)
	}
}

// signPeer signs a request the broker sends to a name server or to its
// master with the cluster secret, when one is set.
func (b *Broker) signPeer(req *remoting.Command) *remoting.Command {
	if b.access.secret != "" {
		acl.SignCluster(req, b.access.secret, time.Now())
	}
	return req
}

// closeAccessControl stops watching the ACL file.
func (b *Broker) closeAccessControl() error {
	if b.access.acl == nil {
		return nil
	}
	return b.access.acl.Close()
}
