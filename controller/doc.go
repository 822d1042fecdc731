// Package controller is RocketMQ 5's controller mode: a small group of
// controllers, replicated with hashicorp/raft (log and stable store in
// raft-boltdb/v2, snapshots in files), that keeps every broker group's
// members, master, master epoch and SyncStateSet, and elects a new master
// when the old one dies. The data path stays the brokers' own store and HA
// replication; the controller only decides who is master.
//
// # State and events
//
// The replicated state is one Group per brokerName: its members (broker
// id, remoting address, HA address, register check code), the next id to
// hand out, the master id (0: none), the master epoch and the SyncStateSet
// with its epoch. It changes only by events applied in raft log order,
// deterministically (no clock, no heartbeats): APPLY_BROKER_ID (a member
// joins), UPDATE_BROKER_ADDRESS, ELECT_MASTER (master epoch + 1; a new
// master starts alone in a new SyncStateSet; "none elected" keeps the set),
// ALTER_SYNC_STATE_SET (set epoch + 1) and CLEAN_BROKER_DATA. One request's
// events are one raft entry, JSON-encoded. Snapshots are the state as JSON.
//
// The raft leader decides: it validates a request against the state and
// its heartbeat table, commits the resulting events and only then answers,
// one request at a time (RocketMQ's single-threaded event scheduler), so a
// decision always sees every earlier one. Before serving, a new leader
// commits a barrier so its state holds every earlier entry. Followers
// answer CONTROLLER_NOT_LEADER with controllerLeaderId and
// controllerLeaderAddress in the header; any peer answers
// CONTROLLER_GET_METADATA_INFO.
//
// # Heartbeats and elections
//
// Heartbeats are not replicated (RocketMQ keeps them in memory on the
// leader). A new leader starts with an empty table and a grace period of
// one heartbeat timeout during which a broker it has not heard from counts
// as alive and no election is started. Every ScanNotActiveBrokerInterval
// the leader notes silent brokers (timeout passed, or connection closed)
// and, for each group whose master is dead while some member lives, runs
// an election: among the live SyncStateSet (and, with
// EnableElectUncleanMaster, then among all live members) the highest
// (epoch, max offset) from heartbeats wins, then the lowest election
// priority, then the lowest id. With nobody eligible the group is recorded
// masterless (epoch + 1) and waits for an in-sync member to come back.
//
// # Protocol (RocketMQ 5 codes and field names)
//
//	BROKER_HEARTBEAT (904)            header clusterName, brokerName, brokerAddr, brokerId, epoch, maxOffset,
//	                                  confirmOffset, heartbeatTimeoutMills, electionPriority [, haAddress]
//	                                  answer: master header + SyncStateSet body (rocketstore addition)
//	CONTROLLER_ALTER_SYNC_STATE_SET (1001)  header brokerName, masterBrokerId, masterEpoch; body SyncStateSet
//	CONTROLLER_ELECT_MASTER (1002)    header clusterName, brokerName, brokerId, designateElect [, stepDown]
//	CONTROLLER_REGISTER_BROKER (1003) header clusterName, brokerName, brokerId, brokerAddress [, haAddress]
//	CONTROLLER_GET_REPLICA_INFO (1004), CONTROLLER_GET_METADATA_INFO (1005),
//	CONTROLLER_GET_SYNC_STATE_DATA (1006, body: JSON list of broker names),
//	NOTIFY_BROKER_ROLE_CHANGED (1008, controller to broker), CLEAN_BROKER_DATA (1011),
//	CONTROLLER_GET_NEXT_BROKER_ID (1012), CONTROLLER_APPLY_BROKER_ID (1013)
//
// The master header is masterBrokerId, masterAddress, masterEpoch,
// syncStateSetEpoch and (rocketstore) masterHaAddress; bodies are
// RocketMQ's JSON (SyncStateSet, ElectMasterResponseBody,
// BrokerReplicasInfo). Registration is RocketMQ 5.1's flow: GET_NEXT_BROKER_ID,
// APPLY_BROKER_ID with a register check code "address;token", then
// REGISTER_BROKER. GET_BROKER_EPOCH_CACHE (1007) is a broker's code.
// Additions Java ignores: haAddress in register and heartbeat (slaves learn
// where to replicate from), the master in heartbeat answers, and stepDown
// in ELECT_MASTER (the master hands over to another in-sync member).
//
// # Using it from a broker
//
// A broker in controller mode holds a Client on the controller addresses
// and:
//
//  1. Register(ctx, RegisterRequest{...}) with its persisted id (0 the
//     first time; persist the id returned). When the returned MasterInfo
//     names no master, ElectMaster with its own id (the group's first
//     broker becomes master).
//  2. Heartbeat every second or so with its last epoch and commit-log max
//     offset; take the MasterInfo in the answer.
//  3. Handle NOTIFY_BROKER_ROLE_CHANGED on its remoting server with
//     ParseRoleChange.
//  4. Act on a MasterInfo only when its MasterEpoch is above the one it
//     acts on (answers and pushes may come late or twice): master when
//     MasterBrokerID is its id (start a new epoch at its max offset),
//     otherwise slave of MasterHAAddress (truncating to the common epoch).
//  5. As master, AlterSyncStateSet when a slave falls behind
//     (haMaxTimeSlaveNotCatchup) or catches up, with the current master
//     epoch and set epoch; ErrFencedMasterEpoch / ErrInvalidMaster mean it
//     was deposed.
//
// # Concurrency
//
// A Controller is safe for concurrent use; its goroutines (leadership
// watch, scan, notifier workers, raft) stop in Close. Client is safe for
// concurrent use.
package controller
