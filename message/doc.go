// Package message is the RocketMQ commit-log record codec: pure functions,
// no I/O.
//
// # Record layout
//
// All integers are big-endian. A record is:
//
//	 0  TOTALSIZE        int32   whole record, these 4 bytes included
//	 4  MAGICCODE        int32   MagicCodeV1 (1-byte topic length) or MagicCodeV2 (2-byte)
//	 8  BODYCRC          int32   CRC-32 (IEEE) of the body & 0x7FFFFFFF
//	12  QUEUEID          int32
//	16  FLAG             int32   user flag
//	20  QUEUEOFFSET      int64   logical offset in the consume queue
//	28  PHYSICALOFFSET   int64   this record's commit-log offset
//	36  SYSFLAG          int32   see the Flag* constants
//	40  BORNTIMESTAMP    int64   ms
//	48  BORNHOST         4+4 (IPv4) or 16+4 (IPv6 when SYSFLAG&FlagBornHostV6)
//	    STORETIMESTAMP   int64   ms
//	    STOREHOST        4+4 or 16+4 (IPv6 when SYSFLAG&FlagStoreHostV6)
//	    RECONSUMETIMES   int32
//	    PREPARED TX OFF  int64
//	    BODY             int32 length + bytes
//	    TOPIC            int8 (v1) or int16 (v2) length + bytes
//	    PROPERTIES       int16 length + bytes: name 0x01 value 0x02 ...
//
// The end of a commit-log file is filled by a blank record: TOTALSIZE = the
// bytes left, MAGICCODE = BlankMagicCode, and nothing else is read.
//
// A client batch (SEND_BATCH_MESSAGE) packs each message as TOTALSIZE,
// MAGICCODE, BODYCRC, FLAG, BODY (length + bytes), PROPERTIES (length +
// bytes); see EncodeBatch.
//
// # Allocation and aliasing
//
// Encode writes into a caller's buffer and never allocates. Decode copies
// only the topic; Body and Properties of the Record it returns alias the
// input. Decode never panics and never reads outside its input: any bytes
// give either a record or an error wrapping one of the Err* sentinels.
//
// All functions are safe for concurrent use; a UniqIDGenerator is too.
package message
