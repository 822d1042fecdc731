package commitlog

import "time"

// processCPU is not read on Windows: the cpu-ns/op metric is left out.
func processCPU() time.Duration { return 0 }
