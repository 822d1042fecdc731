package main

import (
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rocketstore/rocketstore/internal/atomicfile"
)

// addrFileFlag declares -addr-file. A command started with port 0 (any
// free port) writes there the addresses it listens on once it accepts
// connections, so a script or a test learns the ports the kernel chose
// instead of picking one in advance and racing every other process for it.
func addrFileFlag(fs *flag.FlagSet) *string {
	return fs.String("addr-file", "", "once listening, write the listen addresses here as name=address lines (names: nameserver, controller, broker, console)")
}

// Address names in an -addr-file.
const (
	addrNameServer = "nameserver"
	addrBroker     = "broker"
	addrConsole    = "console"
	addrController = "controller"
)

// writeAddrFile writes addrs (name to address, empty addresses left out)
// to path, sorted by name. The file appears whole or not at all: a reader
// polling for it never sees half of it. An empty path writes nothing.
func writeAddrFile(path string, addrs map[string]string) error {
	if path == "" {
		return nil
	}
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(addrs)) {
		if addrs[name] != "" {
			fmt.Fprintf(&b, "%s=%s\n", name, addrs[name])
		}
	}
	if err := atomicfile.Write(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("-addr-file: %w", err)
	}
	return nil
}

// consoleAddr is the console's address, empty without -http.
func (h *httpListener) consoleAddr() string {
	if h == nil {
		return ""
	}
	return h.server.Addr()
}
