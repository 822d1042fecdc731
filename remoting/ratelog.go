package remoting

import (
	"log/slog"
	"time"

	"github.com/rocketstore/rocketstore/internal/lograte"
)

// rateLogInterval is how often one kind of warning may be written.
const rateLogInterval = 10 * time.Second

// rateLog writes at most one line per message and interval, and reports how
// many it held back with the next line of the same message: a peer that
// repeats a fault in a loop (connects and sends garbage, floods a full
// pool) must not flood the log. The message is the cause.
type rateLog struct {
	log *slog.Logger
	lim *lograte.Limiter
}

func newRateLog(log *slog.Logger, every time.Duration) *rateLog {
	return &rateLog{log: log, lim: lograte.New(every)}
}

// warn logs msg with args at Warn level unless msg was logged less than an
// interval ago.
func (l *rateLog) warn(msg string, args ...any) {
	l.lim.Log(l.log, slog.LevelWarn, msg, msg, args...)
}
