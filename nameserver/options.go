package nameserver

import (
	"log/slog"
	"time"
)

// Defaults, equal to RocketMQ 4.x's name server where the concept is the
// same.
const (
	// DefaultBrokerExpiry is how long a broker may stay silent before it is
	// dropped (RouteInfoManager's BROKER_CHANNEL_EXPIRED_TIME): four missed
	// 30 s registrations.
	DefaultBrokerExpiry = 120 * time.Second
	// DefaultScanInterval is how often silent brokers are looked for
	// (NamesrvController's scanNotActiveBroker period).
	DefaultScanInterval = 10 * time.Second
	// DefaultAddr is the address RocketMQ's name server listens on.
	DefaultAddr = "127.0.0.1:9876"
)

// Options configure a NameServer. Zero values mean defaults.
type Options struct {
	// BrokerExpiry is how long after its last registration a broker is
	// dropped. A broker may ask for another value with the
	// heartbeatTimeoutMillis registration field. Default
	// DefaultBrokerExpiry.
	BrokerExpiry time.Duration
	// ScanInterval is the period of the expiry scan. Default
	// DefaultScanInterval.
	ScanInterval time.Duration
	// Now is the clock used for registration times and expiry (not for the
	// scan period, which is real time). Default time.Now.
	Now func() time.Time
	// Logger receives the name server's log lines; nil means
	// slog.Default().
	Logger *slog.Logger
}

// withDefaults returns a copy of o (nil allowed) with zero fields set to
// their defaults.
func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.BrokerExpiry <= 0 {
		out.BrokerExpiry = DefaultBrokerExpiry
	}
	if out.ScanInterval <= 0 {
		out.ScanInterval = DefaultScanInterval
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	return out
}
