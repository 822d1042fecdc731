package sysinfo

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// fsNames maps statfs(2) magic numbers to file-system names. ext2, ext3
// and ext4 share one magic; today it is almost always ext4.
var fsNames = map[uint32]string{
	0xEF53:     "ext4",
	0x58465342: "xfs",
	0x9123683E: "btrfs",
	0x01021994: "tmpfs",
	0x794C7630: "overlayfs",
	0x2FC12FC1: "zfs",
	0x6969:     "nfs",
	0xF2F52010: "f2fs",
}

// fileSystem names the type of the file system holding dir.
func fileSystem(dir string) string {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return unknown
	}
	// Type's width and signedness vary by architecture; every magic fits
	// in 32 bits.
	magic := uint32(st.Type)
	if name, ok := fsNames[magic]; ok {
		return name
	}
	return fmt.Sprintf("0x%x", magic)
}

// kernelRelease returns uname -r.
func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return unknown
	}
	if r := unix.ByteSliceToString(u.Release[:]); r != "" {
		return r
	}
	return unknown
}
