package remoting

// ConnCount is the number of open connections.
func (s *Server) ConnCount() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.conns)
}

// Queued is the number of requests waiting for a worker of the pool
// (RocketMQ's thread-pool queue size).
func (p *Pool) Queued() int { return len(p.jobs) }

// Capacity is how many requests the pool's queue holds before it answers
// SYSTEM_BUSY.
func (p *Pool) Capacity() int { return cap(p.jobs) }
