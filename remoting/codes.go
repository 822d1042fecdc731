package remoting

// Request codes, from apache/rocketmq RequestCode.java. Only codes a broker,
// a nameserver, their clients and admin tools exchange in RocketMQ 4.x are
// listed; 5.x pop, controller and auth codes are left out until needed.
const (
	// RequestSendMessage (SEND_MESSAGE) sends one message; header SendMessageRequestHeader with long field names.
	RequestSendMessage int16 = 10

	// RequestPullMessage (PULL_MESSAGE) pulls messages from a queue, optionally long-polling; header PullMessageRequestHeader.
	RequestPullMessage int16 = 11

	// RequestQueryMessage (QUERY_MESSAGE) looks messages up by key in the index; header QueryMessageRequestHeader.
	RequestQueryMessage int16 = 12

	// RequestQueryBrokerOffset (QUERY_BROKER_OFFSET) asks a broker for its offsets (unused by current clients).
	RequestQueryBrokerOffset int16 = 13

	// RequestQueryConsumerOffset (QUERY_CONSUMER_OFFSET) reads a group's committed offset for one queue.
	RequestQueryConsumerOffset int16 = 14

	// RequestUpdateConsumerOffset (UPDATE_CONSUMER_OFFSET) commits a group's offset for one queue.
	RequestUpdateConsumerOffset int16 = 15

	// RequestUpdateAndCreateTopic (UPDATE_AND_CREATE_TOPIC) creates or updates a topic's configuration on a broker.
	RequestUpdateAndCreateTopic int16 = 17

	// RequestGetAllTopicConfig (GET_ALL_TOPIC_CONFIG) returns every topic configuration a broker holds (slaves sync with it).
	RequestGetAllTopicConfig int16 = 21

	// RequestGetTopicConfigList (GET_TOPIC_CONFIG_LIST) returns a broker's topic configurations as a list.
	RequestGetTopicConfigList int16 = 22

	// RequestGetTopicNameList (GET_TOPIC_NAME_LIST) returns the names of a broker's topics.
	RequestGetTopicNameList int16 = 23

	// RequestUpdateBrokerConfig (UPDATE_BROKER_CONFIG) changes broker configuration at run time (admin).
	RequestUpdateBrokerConfig int16 = 25

	// RequestGetBrokerConfig (GET_BROKER_CONFIG) returns the broker configuration (admin).
	RequestGetBrokerConfig int16 = 26

	// RequestTriggerDeleteFiles (TRIGGER_DELETE_FILES) asks the broker to run expired-file cleanup now (admin).
	RequestTriggerDeleteFiles int16 = 27

	// RequestGetBrokerRuntimeInfo (GET_BROKER_RUNTIME_INFO) returns the broker's runtime statistics table (admin).
	RequestGetBrokerRuntimeInfo int16 = 28

	// RequestSearchOffsetByTimestamp (SEARCH_OFFSET_BY_TIMESTAMP) finds a queue offset by store time; header SearchOffsetRequestHeader.
	RequestSearchOffsetByTimestamp int16 = 29

	// RequestGetMaxOffset (GET_MAX_OFFSET) returns a queue's max offset; header GetMaxOffsetRequestHeader.
	RequestGetMaxOffset int16 = 30

	// RequestGetMinOffset (GET_MIN_OFFSET) returns a queue's min offset; header GetMinOffsetRequestHeader.
	RequestGetMinOffset int16 = 31

	// RequestGetEarliestMsgStoreTime (GET_EARLIEST_MSG_STORETIME) returns the store time of a queue's oldest message.
	RequestGetEarliestMsgStoreTime int16 = 32

	// RequestViewMessageByID (VIEW_MESSAGE_BY_ID) reads one record by commit-log offset; header ViewMessageRequestHeader.
	RequestViewMessageByID int16 = 33

	// RequestHeartBeat (HEART_BEAT) registers a client's producer and consumer groups; JSON body.
	RequestHeartBeat int16 = 34

	// RequestUnregisterClient (UNREGISTER_CLIENT) removes a client's producer or consumer group registration.
	RequestUnregisterClient int16 = 35

	// RequestConsumerSendMsgBack (CONSUMER_SEND_MSG_BACK) returns a message the consumer failed to process, for retry or DLQ.
	RequestConsumerSendMsgBack int16 = 36

	// RequestEndTransaction (END_TRANSACTION) commits or rolls back a half (prepared) message.
	RequestEndTransaction int16 = 37

	// RequestGetConsumerListByGroup (GET_CONSUMER_LIST_BY_GROUP) lists the client ids of a consumer group (for rebalancing).
	RequestGetConsumerListByGroup int16 = 38

	// RequestCheckTransactionState (CHECK_TRANSACTION_STATE) is sent by the broker to a producer to ask a half message's state.
	RequestCheckTransactionState int16 = 39

	// RequestNotifyConsumerIDsChanged (NOTIFY_CONSUMER_IDS_CHANGED) is sent by the broker to consumers when their group changes; triggers rebalance.
	RequestNotifyConsumerIDsChanged int16 = 40

	// RequestLockBatchMQ (LOCK_BATCH_MQ) locks queues for an orderly consumer; JSON body.
	RequestLockBatchMQ int16 = 41

	// RequestUnlockBatchMQ (UNLOCK_BATCH_MQ) unlocks queues held by an orderly consumer; JSON body.
	RequestUnlockBatchMQ int16 = 42

	// RequestGetAllConsumerOffset (GET_ALL_CONSUMER_OFFSET) returns every committed consumer offset (slaves sync with it).
	RequestGetAllConsumerOffset int16 = 43

	// RequestGetAllDelayOffset (GET_ALL_DELAY_OFFSET) returns the schedule service's progress per delay level (slaves sync with it).
	RequestGetAllDelayOffset int16 = 45

	// RequestCheckClientConfig (CHECK_CLIENT_CONFIG) validates a consumer's subscription (for example an SQL92 filter).
	RequestCheckClientConfig int16 = 46

	// RequestUpdateAndCreateACLConfig (UPDATE_AND_CREATE_ACL_CONFIG) creates or updates an ACL account (admin).
	RequestUpdateAndCreateACLConfig int16 = 50

	// RequestDeleteACLConfig (DELETE_ACL_CONFIG) deletes an ACL account (admin).
	RequestDeleteACLConfig int16 = 51

	// RequestGetBrokerClusterACLInfo (GET_BROKER_CLUSTER_ACL_INFO) returns the broker's ACL version information (admin).
	RequestGetBrokerClusterACLInfo int16 = 52

	// RequestUpdateGlobalWhiteAddrsConfig (UPDATE_GLOBAL_WHITE_ADDRS_CONFIG) replaces the ACL global address white list (admin).
	RequestUpdateGlobalWhiteAddrsConfig int16 = 53

	// RequestGetBrokerClusterACLConfig (GET_BROKER_CLUSTER_ACL_CONFIG) returns the broker's whole ACL configuration, secret keys included (admin).
	RequestGetBrokerClusterACLConfig int16 = 54
	// RequestGetTimerCheckPoint (GET_TIMER_CHECK_POINT) returns the timer's checkpoint (slaves sync with it).
	RequestGetTimerCheckPoint int16 = 60

	// RequestPutKVConfig (PUT_KV_CONFIG) stores a namespaced key/value pair on the nameserver.
	RequestPutKVConfig int16 = 100

	// RequestGetKVConfig (GET_KV_CONFIG) reads a namespaced key/value pair from the nameserver.
	RequestGetKVConfig int16 = 101

	// RequestDeleteKVConfig (DELETE_KV_CONFIG) deletes a namespaced key/value pair on the nameserver.
	RequestDeleteKVConfig int16 = 102

	// RequestRegisterBroker (REGISTER_BROKER) is a broker's periodic registration with a nameserver; body is its topic config wrapper.
	RequestRegisterBroker int16 = 103

	// RequestUnregisterBroker (UNREGISTER_BROKER) removes a broker from a nameserver on shutdown.
	RequestUnregisterBroker int16 = 104

	// RequestGetRouteInfoByTopic (GET_ROUTEINFO_BY_TOPIC) asks a nameserver for a topic's route data.
	RequestGetRouteInfoByTopic int16 = 105

	// RequestGetBrokerClusterInfo (GET_BROKER_CLUSTER_INFO) asks a nameserver for clusters, brokers and their addresses.
	RequestGetBrokerClusterInfo int16 = 106

	// RequestUpdateAndCreateSubscriptionGroup (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP) creates or updates a subscription group (admin).
	RequestUpdateAndCreateSubscriptionGroup int16 = 200

	// RequestGetAllSubscriptionGroupConfig (GET_ALL_SUBSCRIPTIONGROUP_CONFIG) returns every subscription group (slaves sync with it).
	RequestGetAllSubscriptionGroupConfig int16 = 201

	// RequestGetTopicStatsInfo (GET_TOPIC_STATS_INFO) returns min/max offsets and last update time per queue of a topic (admin).
	RequestGetTopicStatsInfo int16 = 202

	// RequestGetConsumerConnectionList (GET_CONSUMER_CONNECTION_LIST) lists a consumer group's connections (admin).
	RequestGetConsumerConnectionList int16 = 203

	// RequestGetProducerConnectionList (GET_PRODUCER_CONNECTION_LIST) lists a producer group's connections (admin).
	RequestGetProducerConnectionList int16 = 204

	// RequestWipeWritePermOfBroker (WIPE_WRITE_PERM_OF_BROKER) removes write permission from a broker's topics on a nameserver (admin).
	RequestWipeWritePermOfBroker int16 = 205

	// RequestGetAllTopicListFromNameServer (GET_ALL_TOPIC_LIST_FROM_NAMESERVER) lists every topic a nameserver knows.
	RequestGetAllTopicListFromNameServer int16 = 206

	// RequestDeleteSubscriptionGroup (DELETE_SUBSCRIPTIONGROUP) deletes a subscription group (admin).
	RequestDeleteSubscriptionGroup int16 = 207

	// RequestGetConsumeStats (GET_CONSUME_STATS) returns a group's consume progress per queue (admin).
	RequestGetConsumeStats int16 = 208

	// RequestSuspendConsumer (SUSPEND_CONSUMER) suspends a consumer group (reserved, unused).
	RequestSuspendConsumer int16 = 209

	// RequestResumeConsumer (RESUME_CONSUMER) resumes a consumer group (reserved, unused).
	RequestResumeConsumer int16 = 210

	// RequestResetConsumerOffsetInConsumer (RESET_CONSUMER_OFFSET_IN_CONSUMER) resets offsets held in a consumer (reserved, unused).
	RequestResetConsumerOffsetInConsumer int16 = 211

	// RequestResetConsumerOffsetInBroker (RESET_CONSUMER_OFFSET_IN_BROKER) resets offsets held in a broker (reserved, unused).
	RequestResetConsumerOffsetInBroker int16 = 212

	// RequestAdjustConsumerThreadPool (ADJUST_CONSUMER_THREAD_POOL) resizes a consumer's thread pool (reserved, unused).
	RequestAdjustConsumerThreadPool int16 = 213

	// RequestWhoConsumeTheMessage (WHO_CONSUME_THE_MESSAGE) asks which groups consumed a message (reserved, unused).
	RequestWhoConsumeTheMessage int16 = 214

	// RequestDeleteTopicInBroker (DELETE_TOPIC_IN_BROKER) deletes a topic and its queues on a broker (admin).
	RequestDeleteTopicInBroker int16 = 215

	// RequestDeleteTopicInNameServer (DELETE_TOPIC_IN_NAMESRV) deletes a topic's route on a nameserver (admin).
	RequestDeleteTopicInNameServer int16 = 216

	// RequestRegisterTopicInNameServer (REGISTER_TOPIC_IN_NAMESRV) registers one topic's route on a nameserver without a full broker registration.
	RequestRegisterTopicInNameServer int16 = 217

	// RequestGetKVListByNamespace (GET_KVLIST_BY_NAMESPACE) lists a nameserver's key/value pairs in one namespace.
	RequestGetKVListByNamespace int16 = 219

	// RequestResetConsumerClientOffset (RESET_CONSUMER_CLIENT_OFFSET) is sent by the broker to consumers to reset their offsets.
	RequestResetConsumerClientOffset int16 = 220

	// RequestGetConsumerStatusFromClient (GET_CONSUMER_STATUS_FROM_CLIENT) is sent by the broker to a consumer to read its offsets.
	RequestGetConsumerStatusFromClient int16 = 221

	// RequestInvokeBrokerToResetOffset (INVOKE_BROKER_TO_RESET_OFFSET) asks a broker to reset a group's offsets to a timestamp (admin).
	RequestInvokeBrokerToResetOffset int16 = 222

	// RequestInvokeBrokerToGetConsumerStatus (INVOKE_BROKER_TO_GET_CONSUMER_STATUS) asks a broker to collect consumers' offsets (admin).
	RequestInvokeBrokerToGetConsumerStatus int16 = 223

	// RequestGetTopicsByCluster (GET_TOPICS_BY_CLUSTER) lists the topics of one cluster from a nameserver.
	RequestGetTopicsByCluster int16 = 224

	// RequestQueryTopicConsumeByWho (QUERY_TOPIC_CONSUME_BY_WHO) lists the consumer groups of a topic (admin).
	RequestQueryTopicConsumeByWho int16 = 300

	// RequestQueryConsumeTimeSpan (QUERY_CONSUME_TIME_SPAN) returns per-queue store time spans for a group (admin).
	RequestQueryConsumeTimeSpan int16 = 303

	// RequestGetSystemTopicListFromNameServer (GET_SYSTEM_TOPIC_LIST_FROM_NS) lists system topics from a nameserver.
	RequestGetSystemTopicListFromNameServer int16 = 304

	// RequestGetSystemTopicListFromBroker (GET_SYSTEM_TOPIC_LIST_FROM_BROKER) lists system topics from a broker.
	RequestGetSystemTopicListFromBroker int16 = 305

	// RequestCleanExpiredConsumeQueue (CLEAN_EXPIRED_CONSUMEQUEUE) asks a broker to delete consume queues of removed topics (admin).
	RequestCleanExpiredConsumeQueue int16 = 306

	// RequestGetConsumerRunningInfo (GET_CONSUMER_RUNNING_INFO) is sent through the broker to a consumer to read its running state (admin).
	RequestGetConsumerRunningInfo int16 = 307

	// RequestQueryCorrectionOffset (QUERY_CORRECTION_OFFSET) returns the lowest committed offset across groups (admin).
	RequestQueryCorrectionOffset int16 = 308

	// RequestConsumeMessageDirectly (CONSUME_MESSAGE_DIRECTLY) is sent through the broker to a consumer to consume one message now (admin).
	RequestConsumeMessageDirectly int16 = 309

	// RequestSendMessageV2 (SEND_MESSAGE_V2) sends one message with the one-letter header keys (SendMessageV2ToV1).
	RequestSendMessageV2 int16 = 310

	// RequestGetUnitTopicList (GET_UNIT_TOPIC_LIST) lists unit topics from a nameserver.
	RequestGetUnitTopicList int16 = 311

	// RequestGetHasUnitSubTopicList (GET_HAS_UNIT_SUB_TOPIC_LIST) lists topics with unit subscriptions from a nameserver.
	RequestGetHasUnitSubTopicList int16 = 312

	// RequestGetHasUnitSubUnunitTopicList (GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST) lists non-unit topics with unit subscriptions from a nameserver.
	RequestGetHasUnitSubUnunitTopicList int16 = 313

	// RequestCloneGroupOffset (CLONE_GROUP_OFFSET) copies one group's offsets to another (admin).
	RequestCloneGroupOffset int16 = 314

	// RequestViewBrokerStatsData (VIEW_BROKER_STATS_DATA) returns one broker statistics item (admin).
	RequestViewBrokerStatsData int16 = 315

	// RequestCleanUnusedTopic (CLEAN_UNUSED_TOPIC) asks a broker to remove topics with no route (admin).
	RequestCleanUnusedTopic int16 = 316

	// RequestGetBrokerConsumeStats (GET_BROKER_CONSUME_STATS) returns consume statistics of every group on a broker (admin).
	RequestGetBrokerConsumeStats int16 = 317

	// RequestUpdateNameServerConfig (UPDATE_NAMESRV_CONFIG) changes nameserver configuration at run time (admin).
	RequestUpdateNameServerConfig int16 = 318

	// RequestGetNameServerConfig (GET_NAMESRV_CONFIG) returns the nameserver configuration (admin).
	RequestGetNameServerConfig int16 = 319

	// RequestSendBatchMessage (SEND_BATCH_MESSAGE) sends a packed batch of messages; header uses the one-letter keys.
	RequestSendBatchMessage int16 = 320

	// RequestQueryConsumeQueue (QUERY_CONSUME_QUEUE) dumps consume-queue units of a queue (admin).
	RequestQueryConsumeQueue int16 = 321

	// RequestQueryDataVersion (QUERY_DATA_VERSION) asks a nameserver whether a broker's registered data version changed.
	RequestQueryDataVersion int16 = 322

	// RequestResumeCheckHalfMessage (RESUME_CHECK_HALF_MESSAGE) resumes transaction checks of a half message that hit the check limit (admin).
	RequestResumeCheckHalfMessage int16 = 323

	// RequestSendReplyMessage (SEND_REPLY_MESSAGE) sends a request-reply answer with the long header keys.
	RequestSendReplyMessage int16 = 324

	// RequestSendReplyMessageV2 (SEND_REPLY_MESSAGE_V2) sends a request-reply answer with the one-letter header keys.
	RequestSendReplyMessageV2 int16 = 325

	// RequestPushReplyMessageToClient (PUSH_REPLY_MESSAGE_TO_CLIENT) is sent by the broker to deliver a reply to the requesting producer.
	RequestPushReplyMessageToClient int16 = 326

	// RequestAddWritePermOfBroker (ADD_WRITE_PERM_OF_BROKER) restores write permission of a broker's topics on a nameserver (admin).
	RequestAddWritePermOfBroker int16 = 327

	// RequestGetTopicConfig (GET_TOPIC_CONFIG) returns one topic's configuration.
	RequestGetTopicConfig int16 = 351

	// RequestGetSubscriptionGroupConfig (GET_SUBSCRIPTIONGROUP_CONFIG) returns one subscription group's configuration.
	RequestGetSubscriptionGroupConfig int16 = 352
)

// Response codes, from apache/rocketmq RemotingSysResponseCode.java (0-4)
// and ResponseCode.java. The client-local RPC_* codes are left out: they
// never travel on the wire.
const (
	// ResponseSuccess (SUCCESS) means the request succeeded.
	ResponseSuccess int16 = 0

	// ResponseSystemError (SYSTEM_ERROR) means an unexpected error; Remark says what.
	ResponseSystemError int16 = 1

	// ResponseSystemBusy (SYSTEM_BUSY) means the server is overloaded (for example the page cache is busy); the client may retry elsewhere.
	ResponseSystemBusy int16 = 2

	// ResponseRequestCodeNotSupported (REQUEST_CODE_NOT_SUPPORTED) means no processor handles the request code.
	ResponseRequestCodeNotSupported int16 = 3

	// ResponseTransactionFailed (TRANSACTION_FAILED) means a transaction operation failed.
	ResponseTransactionFailed int16 = 4

	// ResponseFlushDiskTimeout (FLUSH_DISK_TIMEOUT) means the message was stored but the synchronous flush timed out; the client still counts it sent.
	ResponseFlushDiskTimeout int16 = 10

	// ResponseSlaveNotAvailable (SLAVE_NOT_AVAILABLE) means the message was stored but no in-sync slave exists for synchronous replication.
	ResponseSlaveNotAvailable int16 = 11

	// ResponseFlushSlaveTimeout (FLUSH_SLAVE_TIMEOUT) means the message was stored but the slave did not acknowledge in time.
	ResponseFlushSlaveTimeout int16 = 12

	// ResponseMessageIllegal (MESSAGE_ILLEGAL) means the message is invalid (too large, bad properties, ...).
	ResponseMessageIllegal int16 = 13

	// ResponseServiceNotAvailable (SERVICE_NOT_AVAILABLE) means the broker cannot serve (shutting down, slave, disk full).
	ResponseServiceNotAvailable int16 = 14

	// ResponseVersionNotSupported (VERSION_NOT_SUPPORTED) means the client's protocol version is not supported.
	ResponseVersionNotSupported int16 = 15

	// ResponseNoPermission (NO_PERMISSION) means the topic or broker forbids the operation, or ACL denied it.
	ResponseNoPermission int16 = 16

	// ResponseTopicNotExist (TOPIC_NOT_EXIST) means the topic does not exist and was not auto-created.
	ResponseTopicNotExist int16 = 17

	// ResponseTopicExistAlready (TOPIC_EXIST_ALREADY) means the topic to create exists already.
	ResponseTopicExistAlready int16 = 18

	// ResponsePullNotFound (PULL_NOT_FOUND) means no new message (after any suspended wait).
	ResponsePullNotFound int16 = 19

	// ResponsePullRetryImmediately (PULL_RETRY_IMMEDIATELY) means messages were found but all were filtered out; pull again at once.
	ResponsePullRetryImmediately int16 = 20

	// ResponsePullOffsetMoved (PULL_OFFSET_MOVED) means the requested offset is outside the queue's [min, max].
	ResponsePullOffsetMoved int16 = 21

	// ResponseQueryNotFound (QUERY_NOT_FOUND) means a query (by key, or a consumer offset) found nothing.
	ResponseQueryNotFound int16 = 22

	// ResponseSubscriptionParseFailed (SUBSCRIPTION_PARSE_FAILED) means the subscription expression does not parse.
	ResponseSubscriptionParseFailed int16 = 23

	// ResponseSubscriptionNotExist (SUBSCRIPTION_NOT_EXIST) means the consumer's subscription is not registered.
	ResponseSubscriptionNotExist int16 = 24

	// ResponseSubscriptionNotLatest (SUBSCRIPTION_NOT_LATEST) means the pull carries an older subscription version than registered.
	ResponseSubscriptionNotLatest int16 = 25

	// ResponseSubscriptionGroupNotExist (SUBSCRIPTION_GROUP_NOT_EXIST) means the consumer group does not exist and was not auto-created.
	ResponseSubscriptionGroupNotExist int16 = 26

	// ResponseFilterDataNotExist (FILTER_DATA_NOT_EXIST) means the filter data for an SQL92 or class filter is missing.
	ResponseFilterDataNotExist int16 = 27

	// ResponseFilterDataNotLatest (FILTER_DATA_NOT_LATEST) means the filter data is older than the subscription.
	ResponseFilterDataNotLatest int16 = 28

	// ResponseInvalidParameter (INVALID_PARAMETER) means a request parameter is invalid.
	ResponseInvalidParameter int16 = 29

	// ResponseTransactionShouldCommit (TRANSACTION_SHOULD_COMMIT) is a producer's answer to a check: commit the half message.
	ResponseTransactionShouldCommit int16 = 200

	// ResponseTransactionShouldRollback (TRANSACTION_SHOULD_ROLLBACK) is a producer's answer to a check: roll the half message back.
	ResponseTransactionShouldRollback int16 = 201

	// ResponseTransactionStateUnknown (TRANSACTION_STATE_UNKNOW (sic)) is a producer's answer to a check: state not known yet.
	ResponseTransactionStateUnknown int16 = 202

	// ResponseTransactionStateGroupWrong (TRANSACTION_STATE_GROUP_WRONG) means the transaction belongs to another producer group.
	ResponseTransactionStateGroupWrong int16 = 203

	// ResponseNoBuyerID (NO_BUYER_ID) is a legacy code kept for compatibility.
	ResponseNoBuyerID int16 = 204

	// ResponseNotInCurrentUnit (NOT_IN_CURRENT_UNIT) is a legacy code kept for compatibility.
	ResponseNotInCurrentUnit int16 = 205

	// ResponseConsumerNotOnline (CONSUMER_NOT_ONLINE) means the target consumer client is not connected.
	ResponseConsumerNotOnline int16 = 206

	// ResponseConsumeMsgTimeout (CONSUME_MSG_TIMEOUT) means a consumer took too long to consume a message directly.
	ResponseConsumeMsgTimeout int16 = 207

	// ResponseNoMessage (NO_MESSAGE) means no message matched (for example a reply or view by id).
	ResponseNoMessage int16 = 208

	// ResponseUpdateAndCreateACLConfigFailed (UPDATE_AND_CREATE_ACL_CONFIG_FAILED) means an ACL account could not be created or updated; RocketMQ reuses the value 209 for POLLING_FULL.
	ResponseUpdateAndCreateACLConfigFailed int16 = 209

	// ResponseDeleteACLConfigFailed (DELETE_ACL_CONFIG_FAILED) means an ACL account could not be deleted; RocketMQ reuses the value 210 for POLLING_TIMEOUT.
	ResponseDeleteACLConfigFailed int16 = 210

	// ResponseUpdateGlobalWhiteAddrsConfigFailed (UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED) means the ACL global white list could not be replaced; RocketMQ reuses the value 211 for BROKER_NOT_EXIST.
	ResponseUpdateGlobalWhiteAddrsConfigFailed int16 = 211

	// ResponsePollingFull (POLLING_FULL) means too many suspended pop requests (5.x).
	ResponsePollingFull int16 = 209

	// ResponsePollingTimeout (POLLING_TIMEOUT) means a suspended pop request timed out (5.x).
	ResponsePollingTimeout int16 = 210

	// ResponseBrokerNotExist (BROKER_NOT_EXIST) means the named broker is unknown.
	ResponseBrokerNotExist int16 = 211

	// ResponseBrokerDispatchNotComplete (BROKER_DISPATCH_NOT_COMPLETE) means the broker has not dispatched everything it stored yet.
	ResponseBrokerDispatchNotComplete int16 = 212

	// ResponseBroadcastConsumption (BROADCAST_CONSUMPTION) means the group consumes in broadcast mode, so offsets live in clients.
	ResponseBroadcastConsumption int16 = 213

	// ResponseFlowControl (FLOW_CONTROL) means the request was refused by flow control.
	ResponseFlowControl int16 = 215

	// ResponseNotLeaderForQueue (NOT_LEADER_FOR_QUEUE) means the broker is not the leader of the static-topic queue (5.x).
	ResponseNotLeaderForQueue int16 = 501

	// ResponseIllegalOperation (ILLEGAL_OPERATION) means the operation is not allowed in the current state.
	ResponseIllegalOperation int16 = 604

	// ResponseGoAway (GO_AWAY) asks the client to move its connection elsewhere (5.x proxy).
	ResponseGoAway int16 = 1500
)

// Controller-mode request codes (RocketMQ 5.x RequestCode.java): brokers and
// admin tools ask the controller, and the controller tells brokers of a new
// master.
const (
	// RequestBrokerHeartbeat (BROKER_HEARTBEAT) is a broker's liveness report to the controller, with its epoch and max offset.
	RequestBrokerHeartbeat int16 = 904

	// RequestControllerAlterSyncStateSet (CONTROLLER_ALTER_SYNC_STATE_SET) is a master's request to shrink or expand its SyncStateSet.
	RequestControllerAlterSyncStateSet int16 = 1001

	// RequestControllerElectMaster (CONTROLLER_ELECT_MASTER) elects a master for a broker group (broker, controller or admin triggered).
	RequestControllerElectMaster int16 = 1002

	// RequestControllerRegisterBroker (CONTROLLER_REGISTER_BROKER) is the last step of a broker's registration: REGISTER_SUCCESS in 5.1+.
	RequestControllerRegisterBroker int16 = 1003

	// RequestControllerGetReplicaInfo (CONTROLLER_GET_REPLICA_INFO) returns a group's master, epochs and SyncStateSet.
	RequestControllerGetReplicaInfo int16 = 1004

	// RequestControllerGetMetadataInfo (CONTROLLER_GET_METADATA_INFO) returns the controller group, its leader and peers.
	RequestControllerGetMetadataInfo int16 = 1005

	// RequestControllerGetSyncStateData (CONTROLLER_GET_SYNC_STATE_DATA) returns the replicas of the named groups (mqadmin getSyncStateSet).
	RequestControllerGetSyncStateData int16 = 1006

	// RequestGetBrokerEpochCache (GET_BROKER_EPOCH_CACHE) asks a broker for its epoch file entries (mqadmin getBrokerEpoch).
	RequestGetBrokerEpochCache int16 = 1007

	// RequestNotifyBrokerRoleChanged (NOTIFY_BROKER_ROLE_CHANGED) is the controller's push of a new master to a group's brokers.
	RequestNotifyBrokerRoleChanged int16 = 1008

	// RequestCleanBrokerData (CLEAN_BROKER_DATA) removes a group, or some of its brokers, from the controller (admin).
	RequestCleanBrokerData int16 = 1011

	// RequestControllerGetNextBrokerID (CONTROLLER_GET_NEXT_BROKER_ID) returns the broker id a new member of a group should apply for.
	RequestControllerGetNextBrokerID int16 = 1012

	// RequestControllerApplyBrokerID (CONTROLLER_APPLY_BROKER_ID) claims a broker id in a group with a register check code.
	RequestControllerApplyBrokerID int16 = 1013
)

// Controller response codes (RocketMQ 5.x ResponseCode.java).
const (
	// ResponseControllerFencedMasterEpoch (CONTROLLER_FENCED_MASTER_EPOCH) means the request carries an old master epoch.
	ResponseControllerFencedMasterEpoch int16 = 2000

	// ResponseControllerFencedSyncStateSetEpoch (CONTROLLER_FENCED_SYNC_STATE_SET_EPOCH) means the request carries an old SyncStateSet epoch.
	ResponseControllerFencedSyncStateSetEpoch int16 = 2001

	// ResponseControllerInvalidMaster (CONTROLLER_INVALID_MASTER) means the requester is not the group's current master.
	ResponseControllerInvalidMaster int16 = 2002

	// ResponseControllerInvalidReplicas (CONTROLLER_INVALID_REPLICAS) means a proposed SyncStateSet names a broker that is not a member.
	ResponseControllerInvalidReplicas int16 = 2003

	// ResponseControllerMasterNotAvailable (CONTROLLER_MASTER_NOT_AVAILABLE) means the master died and no new one could be elected.
	ResponseControllerMasterNotAvailable int16 = 2004

	// ResponseControllerInvalidRequest (CONTROLLER_INVALID_REQUEST) means the request lacks what the controller needs.
	ResponseControllerInvalidRequest int16 = 2005

	// ResponseControllerBrokerNotAlive (CONTROLLER_BROKER_NOT_ALIVE) means a broker the request names has no live heartbeat.
	ResponseControllerBrokerNotAlive int16 = 2006

	// ResponseControllerNotLeader (CONTROLLER_NOT_LEADER) means this controller is not the leader; ask the one GET_METADATA_INFO names.
	ResponseControllerNotLeader int16 = 2007

	// ResponseControllerBrokerMetadataNotExist (CONTROLLER_BROKER_METADATA_NOT_EXIST) means the controller knows no such group.
	ResponseControllerBrokerMetadataNotExist int16 = 2008

	// ResponseControllerInvalidCleanBrokerMetadata (CONTROLLER_INVALID_CLEAN_BROKER_METADATA) refuses to clean a live or unknown group.
	ResponseControllerInvalidCleanBrokerMetadata int16 = 2009

	// ResponseControllerBrokerNeedToBeRegistered (CONTROLLER_BROKER_NEED_TO_BE_REGISTERED) means the broker must apply for an id first.
	ResponseControllerBrokerNeedToBeRegistered int16 = 2010

	// ResponseControllerMasterStillExist (CONTROLLER_MASTER_STILL_EXIST) means the current master is alive and stays master.
	ResponseControllerMasterStillExist int16 = 2011

	// ResponseControllerElectMasterFailed (CONTROLLER_ELECT_MASTER_FAILED) means no eligible broker could be elected.
	ResponseControllerElectMasterFailed int16 = 2012

	// ResponseControllerAlterSyncStateSetFailed (CONTROLLER_ALTER_SYNC_STATE_SET_FAILED) refuses a SyncStateSet change for another reason.
	ResponseControllerAlterSyncStateSetFailed int16 = 2013

	// ResponseControllerBrokerIDInvalid (CONTROLLER_BROKER_ID_INVALID) means the broker id applied for is taken or out of range.
	ResponseControllerBrokerIDInvalid int16 = 2014
)
