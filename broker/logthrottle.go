package broker

import (
	"log/slog"
	"time"

	"github.com/rocketstore/rocketstore/internal/lograte"
)

// logThrottle lets one log line per cause through each period, so that a
// client repeating a refused request in a loop does not flood the log; the
// next line that gets through says how many were held back (package
// lograte). Safe for concurrent use.
type logThrottle struct{ lim *lograte.Limiter }

func newLogThrottle(period time.Duration) *logThrottle {
	return &logThrottle{lim: lograte.New(period)}
}

// warn logs msg with args at Warn level unless a line for cause was
// logged less than a period ago.
func (t *logThrottle) warn(log *slog.Logger, cause, msg string, args ...any) {
	t.lim.Log(log, slog.LevelWarn, cause, msg, args...)
}
