package commitlog

import (
	"syscall"
	"time"
)

// wallMicros is the wall clock in microseconds since the epoch. On
// linux/amd64 gettimeofday is one vDSO call made on the goroutine's stack,
// where time.Now makes two (wall and monotonic clocks), each on the system
// stack: on a virtual machine that halves the cost of an append's clock
// read, which the monotonic part does not serve.
func wallMicros() int64 {
	var tv syscall.Timeval
	if err := syscall.Gettimeofday(&tv); err != nil {
		return time.Now().UnixMicro()
	}
	return tv.Nano() / int64(time.Microsecond)
}
