//go:build !unix

package broker

import "errors"

// diskSpace is not measured on this platform; the disk gauges are left out.
func diskSpace(dir string) (free, total uint64, err error) {
	return 0, 0, errors.New("broker: disk space is not measured on this platform")
}
