package mappedfile

import "errors"

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
)
