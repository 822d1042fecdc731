package broker

// Defaults of the limits on what one client can make the broker hold or do.
const (
	DefaultQueryMaxNum              = 64      // maxMsgsNumBatch
	DefaultQueryMaxBytes            = 8 << 20 // half of a frame's 16 MiB
	DefaultMaxSuspendedPullsPerConn = 1024
	DefaultHAMaxSlaves              = 16
	DefaultAutoCreateRate           = 100 // a second
)

// limitDefaults sets the limits left zero to their defaults.
func (o *Options) limitDefaults() {
	for _, l := range []struct {
		v   *int
		def int
	}{
		{&o.QueryMaxNum, DefaultQueryMaxNum},
		{&o.QueryMaxBytes, DefaultQueryMaxBytes},
		{&o.MaxSuspendedPullsPerConn, DefaultMaxSuspendedPullsPerConn},
		{&o.HAMaxSlaves, DefaultHAMaxSlaves},
		{&o.AutoCreateRate, DefaultAutoCreateRate},
	} {
		if *l.v <= 0 {
			*l.v = l.def
		}
	}
}
