//go:build !linux

package flush

import "errors"

// prefaultBuffer is not possible without writing to buf, which a borrower
// may be writing: the borrower's own writes fault the pages in.
func prefaultBuffer([]byte) error { return errors.ErrUnsupported }
