package remoting

import "sync"

// Pool is a bounded set of workers for one kind of request (sends, pulls,
// admin...), as RocketMQ gives each processor its own executor: a flood of
// one kind cannot starve the others. A full queue answers SYSTEM_BUSY.
type Pool struct {
	jobs chan func()
	wg   sync.WaitGroup

	mu     sync.RWMutex // submit holds it shared: Close must not close jobs under a sender
	closed bool
}

// NewPool starts workers goroutines with a queue of queue requests.
func NewPool(workers, queue int) *Pool {
	p := &Pool{jobs: make(chan func(), max(queue, 1))}
	for range max(workers, 1) {
		p.wg.Go(func() {
			for job := range p.jobs {
				job()
			}
		})
	}
	return p
}

// submit runs job on a worker, or reports false when the queue is full or
// the pool closed (a connection may still deliver a request while its
// server shuts down).
func (p *Pool) submit(job func()) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return false
	}
	select {
	case p.jobs <- job:
		return true
	default:
		return false
	}
}

// Close stops the workers once the queued jobs ran.
func (p *Pool) Close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.jobs)
	}
	p.mu.Unlock()
	p.wg.Wait()
}
