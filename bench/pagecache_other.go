//go:build !linux

package bench

import "errors"

// dropPageCache cannot drop the page cache here: W9 then reads a backlog
// that may be in memory, and says so.
func dropPageCache(string) (string, error) { return "not dropped", nil }

// residentFraction is unknown here.
func residentFraction(string) (float64, error) {
	return 0, errors.New("page-cache residency is read on Linux only")
}
