package errorfs

import (
	"errors"
	"fmt"
	"syscall"
)

// Op is a kind of file-system operation that can fail.
type Op uint8

// The operations. Reads of a mapping's bytes cannot fail (they are memory
// accesses), nor can Close.
const (
	OpCreate   Op = iota // FS.Create and FS.CreateSparse
	OpOpen               // FS.Open
	OpWrite              // Mapping.WriteAt (committing a write buffer) and FS.WriteFile
	OpSync               // Mapping.Flush (msync, fdatasync)
	OpSyncDir            // FS.SyncDir
	OpTruncate           // Mapping.ZeroRange (clearing a truncated tail)
	OpRemove             // FS.Remove
	OpRename             // FS.Rename
	OpReadDir            // FS.ReadDir and FS.Subdirs
	OpStat               // FS.Stat
	OpReadFile           // FS.ReadFile
	OpMkdir              // FS.MkdirAll
	OpPopulate           // Mapping.Populate
	OpFindData           // Mapping.MaybeData
	OpLock               // Mapping.Lock and Mapping.Advise
	OpEvict              // Mapping.Evict
	numOps
)

var opNames = [numOps]string{"create", "open", "write", "sync", "syncdir", "truncate", "remove",
	"rename", "readdir", "stat", "readfile", "mkdir", "populate", "finddata", "lock", "evict"}

func (op Op) String() string {
	if op < numOps {
		return opNames[op]
	}
	return fmt.Sprintf("Op(%d)", uint8(op))
}

// OpSet is a set of operations; the zero set means every operation.
type OpSet uint32

// Ops returns the set of ops; none means every operation.
func Ops(ops ...Op) OpSet {
	var s OpSet
	for _, op := range ops {
		s |= 1 << op
	}
	return s
}

// Has reports whether op is in s.
func (s OpSet) Has(op Op) bool { return s == 0 || s&(1<<op) != 0 }

// ErrInjected is matched by every injected error.
var ErrInjected = errors.New("errorfs: injected fault")

// InjectedError is an injected failure of one operation. errors.Is matches
// ErrInjected and syscall.EIO, what a failing disk returns.
type InjectedError struct {
	Op    Op
	Path  string
	Index int64 // the operation's index in its injector's count, or -1
}

// Error names the operation and the file.
func (e *InjectedError) Error() string {
	return fmt.Sprintf("errorfs: injected fault in %s of %s (operation %d): %v", e.Op, e.Path, e.Index, syscall.EIO)
}

// Unwrap returns ErrInjected and syscall.EIO.
func (e *InjectedError) Unwrap() []error { return []error{ErrInjected, syscall.EIO} }
