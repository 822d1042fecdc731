package message

// Magic codes of the commit-log record formats.
const (
	MagicCodeV1    int32 = -626843481 // 0xDAA320A7: 1-byte topic length
	MagicCodeV2    int32 = -626843477 // 0xDAA320AB: 2-byte topic length
	BlankMagicCode int32 = -875286124 // 0xCBD43194: end-of-file filler
)

// Size limits.
const (
	MinBlankSize        = 8     // TOTALSIZE + MAGICCODE
	MaxPropertiesLength = 32767 // int16 length
	MaxTopicLength      = 32767 // with MagicCodeV2
	MaxTopicLengthV1    = 127   // longer topics are written with MagicCodeV2
)

// Byte offsets of the fixed-position fields of a record.
const (
	OffsetTotalSize      = 0
	OffsetMagic          = 4
	OffsetBodyCRC        = 8
	OffsetQueueID        = 12
	OffsetFlag           = 16
	OffsetQueueOffset    = 20
	OffsetPhysicalOffset = 28
	OffsetSysFlag        = 36
	OffsetBornTimestamp  = 40
	OffsetBornHost       = 48
)

// SYSFLAG bits.
const (
	FlagCompressed          int32 = 0x1
	FlagMultiTags           int32 = 0x2
	TransactionNotType      int32 = 0
	TransactionPreparedType int32 = 0x4
	TransactionCommitType   int32 = 0x8
	TransactionRollbackType int32 = 0xC
	FlagBornHostV6          int32 = 0x10
	FlagStoreHostV6         int32 = 0x20
	FlagNeedUnwrap          int32 = 0x40
	FlagInnerBatch          int32 = 0x80
	CompressionLZ4          int32 = 0x100
	CompressionZSTD         int32 = 0x200
	CompressionZLIB         int32 = 0x300

	transactionMask int32 = 0xC
)

// TransactionType returns the transaction bits of a SYSFLAG.
func TransactionType(sysFlag int32) int32 { return sysFlag & transactionMask }

// ResetTransactionType replaces the transaction bits of sysFlag with t.
func ResetTransactionType(sysFlag, t int32) int32 {
	return sysFlag&^transactionMask | t&transactionMask
}

// Well-known property names.
const (
	PropertyKeys                = "KEYS"
	PropertyTags                = "TAGS"
	PropertyUniqKey             = "UNIQ_KEY"
	PropertyWaitStoreOK         = "WAIT"
	PropertyDelayLevel          = "DELAY"
	PropertyTransactionPrepared = "TRAN_MSG"
	PropertyProducerGroup       = "PGROUP"
	PropertyRealTopic           = "REAL_TOPIC"
	PropertyRealQueueID         = "REAL_QID"
	PropertyRetryTopic          = "RETRY_TOPIC"
	PropertyOriginMessageID     = "ORIGIN_MESSAGE_ID"
	PropertyMinOffset           = "MIN_OFFSET"
	PropertyMaxOffset           = "MAX_OFFSET"
	PropertyTraceSwitch         = "TRACE_ON"
	PropertyCRC32               = "__CRC32#"
	PropertyReconsumeTime       = "RECONSUME_TIME"
	PropertyMaxReconsumeTimes   = "MAX_RECONSUME_TIMES"
	PropertyTransactionID       = "__transactionId__"

	// KeySeparator separates the keys of the KEYS property.
	KeySeparator = " "
)
