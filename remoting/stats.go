package remoting

// ServerStats is a snapshot of what a server holds for its peers.
type ServerStats struct {
	// Connections is the number of open connections.
	Connections int
}

// Stats returns a snapshot of the server's connections.
func (s *Server) Stats() ServerStats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return ServerStats{Connections: len(s.conns)}
}

// Queued is the number of requests waiting for a worker of the pool
// (RocketMQ's thread-pool queue size).
func (p *Pool) Queued() int { return len(p.jobs) }

// Capacity is how many requests the pool's queue holds before it answers
// SYSTEM_BUSY.
func (p *Pool) Capacity() int { return cap(p.jobs) }
