package ha

import (
	"encoding/binary"

	"github.com/rocketstore/rocketstore/mappedfile"
)

const (
	// reportSize is a slave's report: its max offset.
	reportSize = 8
	// headerSize is a master frame's header: physical offset and body size.
	headerSize = 8 + 4
)

// Source is what a master replicates from. *commitlog.Log satisfies it.
type Source interface {
	// MaxOffset is the write position: the end of the readable data.
	MaxOffset() int64
	// FileSize is the size of each of the log's files.
	FileSize() int
	// ReadRange returns up to maxBytes from offset, stopping at the written
	// end of the file holding offset. The slice must be released once.
	ReadRange(offset int64, maxBytes int) (mappedfile.Slice, error)
}

// Sink is what a slave appends to. *commitlog.Log satisfies it.
type Sink interface {
	// MaxOffset is the end of the log: where the next bytes must go.
	MaxOffset() int64
	// FileSize is the size of each of the log's files; it must equal the
	// master's.
	FileSize() int
	// AppendRaw appends whole records (and blank fillers) copied from the
	// master at offset, which must be the log's end.
	AppendRaw(offset int64, data []byte) error
}

func putHeader(b *[headerSize]byte, offset int64, size int) {
	binary.BigEndian.PutUint64(b[0:], uint64(offset))
	binary.BigEndian.PutUint32(b[8:], uint32(size))
}

func parseHeader(b *[headerSize]byte) (offset int64, size int32) {
	return int64(binary.BigEndian.Uint64(b[0:])), int32(binary.BigEndian.Uint32(b[8:]))
}
