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
// # What checks which bytes
//
// A reader that must not trust a record (a recovery scan after a power
// loss, a replication slave) has these checks:
//
//	TOTALSIZE, MAGICCODE       framing (CheckFrame, Decode): a known magic, a
//	                           size that covers the fixed fields and fits
//	BORNHOST, STOREHOST        framing: SYSFLAG's host bits give each host 8
//	                           or 20 bytes (the layout has no family byte),
//	                           and a port must fit 16 bits
//	BODYLENGTH, TOPICLENGTH,   framing: every length in range, and the
//	PROPERTIESLENGTH           fields ending exactly at TOTALSIZE
//	BODY                       BODYCRC (Frame.Verify, Decode with checkCRC)
//	TOPIC                      CheckUncovered: not empty, RocketMQ's legal
//	                           characters (ValidateTopicChars)
//	PROPERTIES                 CheckUncovered: Properties.Validate (pairs
//	                           name 0x01 value 0x02, the last one ended, no
//	                           NUL)
//
// EncodedSize refuses a message that would fail CheckUncovered, so a
// stored record fails it only when its bytes changed.
//
// Nothing checks the values of QUEUEID, FLAG, QUEUEOFFSET, the timestamps,
// the host addresses, SYSFLAG's other bits, RECONSUMETIMES or PREPARED TX
// OFFSET: any value is valid. A torn write (a lost page reads as zeros)
// cannot damage them alone, though: a lost page that starts inside the
// fixed fields also zeroes BODYLENGTH (a page is larger than the fixed
// fields), which framing or the topic check refuses, and one that ends
// inside them zeroes (part of) TOTALSIZE and MAGICCODE, which framing
// refuses or reads as the end of the data. Every zero run that starts at
// BODYLENGTH or later is refused (tested from every position: runs of 1, 3,
// 17 and 4096 bytes, and to the end), but for a body whose damaged bytes
// keep its 31-bit CRC, a chance of 2^-31 per damaged record. RocketMQ 5's optional
// __CRC32# property (a CRC of the whole record, computed under the append
// lock) would also cover the fixed fields against damage other than
// zeros; a torn write does not need it.
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
