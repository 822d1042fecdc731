//go:build !(linux && amd64)

package commitlog

import "time"

// wallMicros is the wall clock in microseconds since the epoch.
func wallMicros() int64 { return time.Now().UnixMicro() }
