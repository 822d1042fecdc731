package progress

import (
	"os"

	"golang.org/x/sys/unix"
)

// terminal reports whether f is a terminal and, if known, its width.
func terminal(f *os.File) (isTerm bool, cols int) {
	fd := int(f.Fd())
	if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err != nil {
		return false, 0
	}
	if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil {
		cols = int(ws.Col)
	}
	return true, cols
}
