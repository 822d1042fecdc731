//go:build !linux

package progress

import "os"

// terminal reports false: off Linux, plain lines are good enough.
func terminal(*os.File) (isTerm bool, cols int) { return false, 0 }
