package broker

import "sync/atomic"

// PullStats counts what the broker's pull responses carried since it
// started: with server-side filtering, what a subscription costs on the
// network. Records count once handed to the connection's writer.
type PullStats struct {
	Responses int64 // pull responses that carried messages
	Messages  int64 // records sent
	BodyBytes int64 // bytes of those records: the responses' bodies
}

// pullStats is the live counterpart of PullStats.
type pullStats struct {
	responses, messages, bodyBytes atomic.Int64
}

func (s *pullStats) add(messages, bodyBytes int) {
	s.responses.Add(1)
	s.messages.Add(int64(messages))
	s.bodyBytes.Add(int64(bodyBytes))
}

// PullStats returns the pull counts since the broker started.
func (b *Broker) PullStats() PullStats {
	s := &b.pullStats
	return PullStats{Responses: s.responses.Load(), Messages: s.messages.Load(), BodyBytes: s.bodyBytes.Load()}
}
