//go:build unix

package main

import (
	"os"
	"syscall"
)

// allocatedBytes is the disk a file takes: its allocated 512-byte blocks.
func allocatedBytes(fi os.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return fi.Size()
}
