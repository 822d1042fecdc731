package mappedfile

import (
	"errors"
	"fmt"
)

var (
	// ErrDiskFull means a file could not be created for lack of space. Such
	// errors also match syscall.ENOSPC.
	ErrDiskFull = errors.New("mappedfile: disk full")
	// ErrFileSize means a file in a queue's directory has the wrong size.
	ErrFileSize = errors.New("mappedfile: file has the wrong size")
	// ErrGap means a queue's files do not follow each other.
	ErrGap = errors.New("mappedfile: gap between files")
	// ErrOutOfRange means a read asked for bytes that are not written.
	ErrOutOfRange = errors.New("mappedfile: out of range")
	// ErrFileClosed means the file was closed or destroyed.
	ErrFileClosed = errors.New("mappedfile: file closed")
	// ErrClosed means the queue was closed.
	ErrClosed = errors.New("mappedfile: queue closed")
	// ErrPoisoned is matched by every error a File or Queue returns once
	// one of its writes or syncs failed (an *IOError): nothing written
	// since can be made durable until the files are opened again.
	ErrPoisoned = errors.New("mappedfile: poisoned by a failed write or sync")
	// ErrInvalidOptions means QueueOptions hold values that cannot work.
	ErrInvalidOptions = errors.New("mappedfile: invalid options")
)

// IOError is a write (the pwrite of a write buffer) or a sync (msync) that
// failed. The first one poisons its file and queue: every later Commit and
// Flush returns it, and the flushed position never moves again, because
// after a failed sync the kernel may have marked pages clean that never
// reached the disk, and a retry would then "succeed" without them (the
// lesson of PostgreSQL's fsyncgate). errors.Is matches ErrPoisoned and the
// cause (syscall.EIO, for example).
type IOError struct {
	Op     string // "write" or "sync"
	Path   string // the file
	Offset int64  // the queue offset from which bytes may not be durable
	Err    error  // the cause
}

// Error says what failed, where, and what it means for the caller.
func (e *IOError) Error() string {
	return fmt.Sprintf("mappedfile: %s of %s from offset %d failed; nothing after it can be made durable until reopened: %v",
		e.Op, e.Path, e.Offset, e.Err)
}

// Unwrap returns ErrPoisoned and the cause.
func (e *IOError) Unwrap() []error { return []error{ErrPoisoned, e.Err} }
