//go:build !linux

package mappedfile

import "errors"

// populateMemory cannot fault memory in without writing to it, which an
// appender may be doing: the appender's own writes fault the pages in.
func populateMemory([]byte) error { return errors.ErrUnsupported }
