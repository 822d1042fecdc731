package broker

// roleState is the broker's role at one moment. Outside controller mode it
// is fixed by the options; in controller mode the controller's decisions
// replace it whole (controllerMode.apply), so a reader sees one consistent
// role.
type roleState struct {
	// known is false in controller mode until the controller has named a
	// master: the broker neither takes writes nor registers routes.
	known bool
	// role is RoleSlave, or the role the broker plays as master.
	role Role
	// brokerID is the id the broker registers with nameservers: 0 as
	// master, its own id as slave.
	brokerID int64
	// masterAddr and masterHAAddr are a slave's master: where it copies
	// configs and offsets from, and where it replicates from.
	masterAddr, masterHAAddr string
	// epoch is the master epoch the broker acts on (controller mode).
	epoch int32
}

// initialRoles is the role the options give: the configured one, or, in
// controller mode, none until the controller names a master.
func initialRoles(o *Options) *roleState {
	if o.Controller.Enable {
		return &roleState{role: RoleSlave, brokerID: -1}
	}
	return &roleState{known: true, role: o.Role, brokerID: o.BrokerID, masterAddr: o.MasterAddr, masterHAAddr: o.MasterHAAddr}
}

// roles is the broker's current role.
func (b *Broker) roles() roleState { return *b.state.Load() }

// haServerAddr is the address the broker takes replication connections on
// as master, registered with the nameservers (haServerAddr).
func (b *Broker) haServerAddr() string {
	if m := b.haMaster.Load(); m != nil {
		return m.Addr()
	}
	return b.opts.HAListenAddr
}
