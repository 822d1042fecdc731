//go:build !linux

package sysinfo

// The suite is measured on Linux; elsewhere these fields are not worth a
// per-platform implementation.

func fileSystem(string) string { return unknown }

func kernelRelease() string { return unknown }
