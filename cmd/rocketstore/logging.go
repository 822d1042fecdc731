package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// logFlags declares -log-level and -log-format and returns a function that
// builds the logger they ask for (after flag parsing), writing to w.
func logFlags(fs *flag.FlagSet, w io.Writer) func() (*slog.Logger, error) {
	level := fs.String("log-level", "info", "least important log lines shown: debug, info, warn or error")
	format := fs.String("log-format", "text", "log line format: text (key=value) or json")
	return func() (*slog.Logger, error) { return newLogger(w, *level, *format) }
}

// newLogger builds a logger of the given level and format.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("-log-format %q: want text or json", format)
}
