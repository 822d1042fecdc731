package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/rocketstore/rocketstore/store"
)

// Exit statuses of the store tools.
const (
	exitOK      = 0
	exitDamaged = 1 // verify found damage; dump met it
	exitUsage   = 2 // bad arguments, or the directory could not be read
)

// toolFlags declares the flags the store tools share.
type toolFlags struct {
	fs           *flag.FlagSet
	indexSlots   *int
	indexEntries *int
}

func newToolFlags(name string, stderr io.Writer) *toolFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &toolFlags{
		fs:           fs,
		indexSlots:   fs.Int("index-slots", 0, "hash slots per index file (maxHashSlotNum); 0: from the file size"),
		indexEntries: fs.Int("index-entries", 0, "entries per index file (maxIndexNum); 0: from the file size"),
	}
}

// parse parses args, in which the store directory may come before or
// after the flags, and returns the directory.
func (t *toolFlags) parse(args []string) (string, error) {
	if err := t.fs.Parse(args); err != nil {
		return "", err
	}
	if t.fs.NArg() == 0 {
		return "", fmt.Errorf("%s: the store directory is missing (the broker's is <data>/store)", t.fs.Name())
	}
	dir := t.fs.Arg(0)
	if err := t.fs.Parse(t.fs.Args()[1:]); err != nil {
		return "", err
	}
	if t.fs.NArg() > 0 {
		return "", fmt.Errorf("%s: unexpected arguments %q", t.fs.Name(), t.fs.Args())
	}
	return dir, nil
}

// checkOptions are the options for reading the store directory.
func (t *toolFlags) checkOptions() *store.CheckOptions {
	return &store.CheckOptions{IndexSlotCount: *t.indexSlots, IndexMaxEntries: *t.indexEntries}
}
