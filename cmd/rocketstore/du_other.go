//go:build !unix

package main

import "os"

// allocatedBytes is a file's apparent size where allocated blocks cannot be
// read: bench-du then overstates sparse files.
func allocatedBytes(fi os.FileInfo) int64 { return fi.Size() }
