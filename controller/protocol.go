package controller

import (
	"strconv"
	"strings"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// Wire bodies, with RocketMQ's JSON field names so that its tools read them.
// Fields marked "rocketstore" are additions Java ignores.

// SyncStateSet is RocketMQ's SyncStateSet body: the in-sync broker ids and
// the epoch of that set.
type SyncStateSet struct {
	SyncStateSet      []int64 `json:"syncStateSet"`
	SyncStateSetEpoch int32   `json:"syncStateSetEpoch"`
}

// BrokerMemberGroup is a group's members by id (RocketMQ's
// BrokerMemberGroup).
type BrokerMemberGroup struct {
	Cluster     string           `json:"cluster"`
	BrokerName  string           `json:"brokerName"`
	BrokerAddrs map[int64]string `json:"brokerAddrs"`
}

// ElectMasterResponseBody is the body of a successful CONTROLLER_ELECT_MASTER.
type ElectMasterResponseBody struct {
	BrokerMemberGroup *BrokerMemberGroup `json:"brokerMemberGroup,omitempty"`
	SyncStateSet      []int64            `json:"syncStateSet"`
}

// ReplicaIdentity is one member in CONTROLLER_GET_SYNC_STATE_DATA's answer.
type ReplicaIdentity struct {
	BrokerName    string `json:"brokerName"`
	BrokerID      int64  `json:"brokerId"`
	BrokerAddress string `json:"brokerAddress"`
	Alive         bool   `json:"alive"`
	HAAddress     string `json:"haAddress,omitempty"` // rocketstore
}

// ReplicasInfo is one group in CONTROLLER_GET_SYNC_STATE_DATA's answer.
type ReplicasInfo struct {
	MasterBrokerID    int64             `json:"masterBrokerId,omitempty"` // absent: no master
	MasterAddress     string            `json:"masterAddress,omitempty"`
	MasterEpoch       int32             `json:"masterEpoch"`
	SyncStateSetEpoch int32             `json:"syncStateSetEpoch"`
	InSyncReplicas    []ReplicaIdentity `json:"inSyncReplicas"`
	NotInSyncReplicas []ReplicaIdentity `json:"notInSyncReplicas"`
}

// BrokerReplicasInfo is the body of CONTROLLER_GET_SYNC_STATE_DATA's answer.
type BrokerReplicasInfo struct {
	ReplicasInfoTable map[string]ReplicasInfo `json:"replicasInfoTable"`
}

// MasterInfo is what the controller tells a broker about its group: in the
// answers to register, heartbeat, get-replica-info and elect, and in the
// role-change push. A broker takes it only when MasterEpoch is above the
// one it acts on.
type MasterInfo struct {
	// MasterBrokerID is the master's id; 0 while the group has no master.
	MasterBrokerID  int64
	MasterAddress   string
	MasterHAAddress string // rocketstore: where slaves replicate from
	MasterEpoch     int32
	// SyncStateSet is the set and its epoch, when the answer carries them.
	SyncStateSet SyncStateSet
}

// Header keys.
const (
	keyMasterBrokerID    = "masterBrokerId"
	keyMasterAddress     = "masterAddress"
	keyMasterHAAddress   = "masterHaAddress" // rocketstore
	keyMasterEpoch       = "masterEpoch"
	keySyncStateSetEpoch = "syncStateSetEpoch"
	keyClusterName       = "clusterName"
	keyBrokerName        = "brokerName"
	keyBrokerID          = "brokerId"
	keyHAAddress         = "haAddress" // rocketstore
	keyLeaderID          = "controllerLeaderId"
	keyLeaderAddress     = "controllerLeaderAddress"
)

// setMasterHeader writes mi into c's header the way RocketMQ's response
// headers carry it: no master means no masterBrokerId and masterAddress.
func setMasterHeader(c *remoting.Command, mi MasterInfo) {
	if mi.MasterBrokerID != 0 {
		c.SetInt64(keyMasterBrokerID, mi.MasterBrokerID)
		c.Set(keyMasterAddress, mi.MasterAddress)
		if mi.MasterHAAddress != "" {
			c.Set(keyMasterHAAddress, mi.MasterHAAddress)
		}
	}
	c.SetInt32(keyMasterEpoch, mi.MasterEpoch)
	c.SetInt32(keySyncStateSetEpoch, mi.SyncStateSet.SyncStateSetEpoch)
}

// parseMasterHeader reads what setMasterHeader wrote (the set itself comes
// from the body).
func parseMasterHeader(c *remoting.Command) (MasterInfo, error) {
	h := header{c: c}
	mi := MasterInfo{
		MasterBrokerID:  h.optInt64(keyMasterBrokerID, 0),
		MasterAddress:   h.optStr(keyMasterAddress),
		MasterHAAddress: h.optStr(keyMasterHAAddress),
		MasterEpoch:     h.optInt32(keyMasterEpoch, 0),
	}
	mi.SyncStateSet.SyncStateSetEpoch = h.optInt32(keySyncStateSetEpoch, 0)
	if mi.MasterBrokerID < 0 { // Java writes -1 for "none" in places
		mi.MasterBrokerID = 0
	}
	return mi, h.err
}

// header reads typed ExtFields and keeps the first error, so a handler
// reads all its fields and checks once. Absent optional fields take their
// default, as Java leaves a @CFNullable field null.
type header struct {
	c   *remoting.Command
	err error
}

func (h *header) keep(err error) {
	if h.err == nil {
		h.err = err
	}
}

func (h *header) str(key string) string {
	v, err := h.c.Field(key)
	h.keep(err)
	return v
}

func (h *header) optStr(key string) string {
	v, _ := h.c.Lookup(key)
	return v
}

func (h *header) has(key string) bool {
	v, ok := h.c.Lookup(key)
	return ok && v != "" && v != "null"
}

func (h *header) int64(key string) int64 {
	v, err := h.c.Int64(key)
	h.keep(err)
	return v
}

func (h *header) optInt64(key string, absent int64) int64 {
	if !h.has(key) {
		return absent
	}
	return h.int64(key)
}

func (h *header) optInt32(key string, absent int32) int32 {
	if !h.has(key) {
		return absent
	}
	v, err := h.c.Int32(key)
	h.keep(err)
	return v
}

func (h *header) optBool(key string) bool {
	if !h.has(key) {
		return false
	}
	v, err := h.c.Bool(key)
	h.keep(err)
	return v
}

// HeartbeatRequest is BROKER_HEARTBEAT's header.
type HeartbeatRequest struct {
	ClusterName string
	BrokerName  string
	BrokerAddr  string
	BrokerID    int64
	// Epoch and MaxOffset are the broker's last epoch and commit-log max
	// offset: elections prefer the highest (epoch, offset).
	Epoch         int32
	MaxOffset     int64
	ConfirmOffset int64
	// Timeout is how long the controller waits for the next heartbeat;
	// zero means the controller's default (10 s).
	Timeout time.Duration
	// ElectionPriority breaks ties between equal (epoch, offset): lower
	// wins. Zero means none (the lowest priority).
	ElectionPriority int32
	HAAddress        string // rocketstore
}

func (r *HeartbeatRequest) command() *remoting.Command {
	c := remoting.NewRequest(remoting.RequestBrokerHeartbeat, nil, nil)
	c.Set(keyClusterName, r.ClusterName)
	c.Set(keyBrokerName, r.BrokerName)
	c.Set("brokerAddr", r.BrokerAddr)
	c.SetInt64(keyBrokerID, r.BrokerID)
	c.SetInt32("epoch", r.Epoch)
	c.SetInt64("maxOffset", r.MaxOffset)
	c.SetInt64("confirmOffset", r.ConfirmOffset)
	if r.Timeout > 0 {
		c.SetInt64("heartbeatTimeoutMills", r.Timeout.Milliseconds())
	}
	if r.ElectionPriority != 0 {
		c.SetInt32("electionPriority", r.ElectionPriority)
	}
	if r.HAAddress != "" {
		c.Set(keyHAAddress, r.HAAddress)
	}
	return c
}

func parseHeartbeat(c *remoting.Command) (HeartbeatRequest, error) {
	h := header{c: c}
	r := HeartbeatRequest{
		ClusterName:      h.optStr(keyClusterName),
		BrokerName:       h.str(keyBrokerName),
		BrokerAddr:       h.optStr("brokerAddr"),
		BrokerID:         h.int64(keyBrokerID),
		Epoch:            h.optInt32("epoch", -1),
		MaxOffset:        h.optInt64("maxOffset", -1),
		ConfirmOffset:    h.optInt64("confirmOffset", -1),
		Timeout:          time.Duration(h.optInt64("heartbeatTimeoutMills", 0)) * time.Millisecond,
		ElectionPriority: h.optInt32("electionPriority", 0),
		HAAddress:        h.optStr(keyHAAddress),
	}
	return r, h.err
}

// ElectRequest is CONTROLLER_ELECT_MASTER's header.
type ElectRequest struct {
	ClusterName string
	BrokerName  string
	// BrokerID is, from a broker, itself (elected outright when the group
	// never had a master); from an admin with Designate, the broker to
	// elect. -1 or 0: none.
	BrokerID  int64
	Designate bool
	// StepDown (rocketstore) is the master giving up: a new master is
	// elected among the others, or the request fails and it stays.
	StepDown bool
}

func (r *ElectRequest) command() *remoting.Command {
	c := remoting.NewRequest(remoting.RequestControllerElectMaster, nil, nil)
	c.Set(keyClusterName, r.ClusterName)
	c.Set(keyBrokerName, r.BrokerName)
	c.SetInt64(keyBrokerID, r.BrokerID)
	c.SetBool("designateElect", r.Designate)
	c.SetInt64("invokeTime", time.Now().UnixMilli())
	if r.StepDown {
		c.SetBool("stepDown", true)
	}
	return c
}

func parseElect(c *remoting.Command) (ElectRequest, error) {
	h := header{c: c}
	r := ElectRequest{
		ClusterName: h.optStr(keyClusterName),
		BrokerName:  h.str(keyBrokerName),
		BrokerID:    h.optInt64(keyBrokerID, -1),
		Designate:   h.optBool("designateElect"),
		StepDown:    h.optBool("stepDown"),
	}
	if r.BrokerID <= 0 {
		r.BrokerID = 0
	}
	return r, h.err
}

// RegisterRequest is CONTROLLER_REGISTER_BROKER's header: the last step of
// registration, once the broker holds its id.
type RegisterRequest struct {
	ClusterName   string
	BrokerName    string
	BrokerID      int64
	BrokerAddress string
	HAAddress     string // rocketstore
}

func (r *RegisterRequest) command() *remoting.Command {
	c := remoting.NewRequest(remoting.RequestControllerRegisterBroker, nil, nil)
	c.Set(keyClusterName, r.ClusterName)
	c.Set(keyBrokerName, r.BrokerName)
	c.SetInt64(keyBrokerID, r.BrokerID)
	c.Set("brokerAddress", r.BrokerAddress)
	c.SetInt64("invokeTime", time.Now().UnixMilli())
	if r.HAAddress != "" {
		c.Set(keyHAAddress, r.HAAddress)
	}
	return c
}

func parseRegister(c *remoting.Command) (RegisterRequest, error) {
	h := header{c: c}
	r := RegisterRequest{
		ClusterName:   h.optStr(keyClusterName),
		BrokerName:    h.str(keyBrokerName),
		BrokerID:      h.int64(keyBrokerID),
		BrokerAddress: h.str("brokerAddress"),
		HAAddress:     h.optStr(keyHAAddress),
	}
	return r, h.err
}

// ApplyBrokerIDRequest is CONTROLLER_APPLY_BROKER_ID's header.
type ApplyBrokerIDRequest struct {
	ClusterName string
	BrokerName  string
	BrokerID    int64
	// RegisterCheckCode is "brokerAddress;uniqueToken": the same broker
	// re-applying for its id presents the same code.
	RegisterCheckCode string
}

func (r *ApplyBrokerIDRequest) command() *remoting.Command {
	c := remoting.NewRequest(remoting.RequestControllerApplyBrokerID, nil, nil)
	c.Set(keyClusterName, r.ClusterName)
	c.Set(keyBrokerName, r.BrokerName)
	c.SetInt64("appliedBrokerId", r.BrokerID)
	c.Set("registerCheckCode", r.RegisterCheckCode)
	return c
}

func parseApplyBrokerID(c *remoting.Command) (ApplyBrokerIDRequest, error) {
	h := header{c: c}
	r := ApplyBrokerIDRequest{
		ClusterName:       h.optStr(keyClusterName),
		BrokerName:        h.str(keyBrokerName),
		BrokerID:          h.int64("appliedBrokerId"),
		RegisterCheckCode: h.str("registerCheckCode"),
	}
	return r, h.err
}

// AlterSyncStateSetRequest is CONTROLLER_ALTER_SYNC_STATE_SET's header and
// body: the master proposes NewSet, valid only against the master epoch and
// SyncStateSet epoch it names.
type AlterSyncStateSetRequest struct {
	BrokerName     string
	MasterBrokerID int64
	MasterEpoch    int32
	// NewSet carries the proposed ids and the epoch of the set it replaces.
	NewSet SyncStateSet
}

func (r *AlterSyncStateSetRequest) command() (*remoting.Command, error) {
	body, err := encodeJSON(r.NewSet)
	if err != nil {
		return nil, err
	}
	c := remoting.NewRequest(remoting.RequestControllerAlterSyncStateSet, nil, body)
	c.Set(keyBrokerName, r.BrokerName)
	c.SetInt64("masterBrokerId", r.MasterBrokerID)
	c.SetInt32(keyMasterEpoch, r.MasterEpoch)
	c.SetInt64("invokeTime", time.Now().UnixMilli())
	return c, nil
}

func parseAlterSyncStateSet(c *remoting.Command) (AlterSyncStateSetRequest, error) {
	h := header{c: c}
	r := AlterSyncStateSetRequest{
		BrokerName:     h.str(keyBrokerName),
		MasterBrokerID: h.int64("masterBrokerId"),
		MasterEpoch:    int32(h.int64(keyMasterEpoch)),
	}
	if h.err != nil {
		return r, h.err
	}
	err := decodeJSON(c.Body, &r.NewSet)
	return r, err
}

// CleanBrokerDataRequest is CLEAN_BROKER_DATA's header.
type CleanBrokerDataRequest struct {
	ClusterName string
	BrokerName  string
	// BrokerIDs to remove; empty removes the whole group.
	BrokerIDs []int64
	// CleanLiving allows removing brokers that still heartbeat.
	CleanLiving bool
}

func parseCleanBrokerData(c *remoting.Command) (CleanBrokerDataRequest, error) {
	h := header{c: c}
	r := CleanBrokerDataRequest{
		ClusterName: h.optStr(keyClusterName),
		BrokerName:  h.str(keyBrokerName),
		CleanLiving: h.optBool("isCleanLivingBroker"),
	}
	ids, err := parseIDList(h.optStr("brokerControllerIdsToClean"))
	h.keep(err)
	r.BrokerIDs = ids
	return r, h.err
}

// parseIDList reads "1;2;3" (RocketMQ's separator), ignoring empty items.
func parseIDList(s string) ([]int64, error) {
	var ids []int64
	for item := range strings.SplitSeq(s, ";") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		id, err := strconv.ParseInt(item, 10, 64)
		if err != nil {
			return nil, &remoting.FieldError{Key: "brokerControllerIdsToClean", Value: s, Want: "ids separated by ';'", Err: remoting.ErrInvalidField}
		}
		ids = append(ids, id)
	}
	return ids, nil
}
