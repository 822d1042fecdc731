//go:build !linux

package mappedfile

import "errors"

// detachDescriptors: elsewhere a mapping keeps its descriptor (macOS and
// Windows sync through it).
const detachDescriptors = false

// ZeroRange is Linux only (fallocate); ZeroFrom then clears the pages
// through the mapping.
func (o *osMapping) ZeroRange(off, n int) error { return errors.ErrUnsupported }

// Populate is Linux only (MADV_POPULATE_WRITE); Prewarm then touches pages.
func (o *osMapping) Populate(off, n int) error { return errors.ErrUnsupported }

// MaybeData is Linux only (FIEMAP and mincore); ZeroFrom then reads the
// whole tail.
func (o *osMapping) MaybeData(off int) ([]Span, error) { return nil, errors.ErrUnsupported }
