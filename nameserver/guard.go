package nameserver

import (
	"github.com/rocketstore/rocketstore/acl"
	"github.com/rocketstore/rocketstore/remoting"
)

// Who may do what. Broker requests that change routes (registration,
// unregistration, liveness, single-topic registration) are authenticated
// by the cluster secret when one is configured: an unsigned or badly
// signed one is refused. Without a secret they run untrusted, and the
// route table lets them change only registrations made from the same
// host (RouteTable.Register). Admin requests are checked against the ACL
// when it is enabled. Reads are open to all.

// brokerHandler handles a broker request made by origin.
type brokerHandler func(c *remoting.Conn, req *remoting.Command, origin Origin) *remoting.Command

// brokerGuard verifies the cluster signature of a broker request, when a
// cluster secret is configured, and hands the handler the request's
// origin: trusted when it was signed.
func (ns *NameServer) brokerGuard(h brokerHandler) remoting.Handler {
	return func(c *remoting.Conn, req *remoting.Command) *remoting.Command {
		origin := Origin{Conn: c}
		if ns.cluster != nil {
			if err := ns.cluster.Verify(req); err != nil {
				return ns.refuse(c, req, remoting.ResponseNoPermission, "%v", err)
			}
			origin.Trusted = true
		}
		return h(c, req, origin)
	}
}

// adminGuard checks an admin request against the ACL, when it is enabled.
// The authorizer logs its denials.
func (ns *NameServer) adminGuard(h remoting.Handler) remoting.Handler {
	return func(c *remoting.Conn, req *remoting.Command) *remoting.Command {
		if ns.acl != nil {
			if err := ns.acl.Check(req, c.RemoteAddr()); err != nil {
				return acl.DenyResponse(req, err)
			}
		}
		return h(c, req)
	}
}
