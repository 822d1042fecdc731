package broker

import (
	"log/slog"
	"time"
)

// logEvery is how often one cause of a warning a peer can repeat in a loop
// (a refused send, an unknown producer) is logged.
const logEvery = 10 * time.Second

// limitedLog is a logThrottle bound to the broker's logger.
type limitedLog struct {
	log *slog.Logger
	*logThrottle
}

func newLimitedLog(l *slog.Logger) *limitedLog {
	return &limitedLog{log: l, logThrottle: newLogThrottle(logEvery)}
}

// warn logs msg with args unless cause was logged less than logEvery ago.
func (l *limitedLog) warn(cause, msg string, args ...any) {
	l.logThrottle.warn(l.log, cause, msg, args...)
}
