package mappedfile

import "sync"

// preallocator creates the file after the last one in the background, one
// at a time, so that a roll finds it ready. close waits for every creation
// and population it started.
type preallocator struct {
	q  *Queue
	wg sync.WaitGroup

	mu      sync.Mutex
	pending bool
	start   int64         // offset of the file being or been created
	ready   chan struct{} // closed when that file can be taken
	file    *File
	err     error
	closed  bool
}

// request starts creating the file at start unless one is already under way.
func (p *preallocator) request(start int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.pending {
		return
	}
	p.pending, p.start, p.file, p.err = true, start, nil, nil
	ready := make(chan struct{})
	p.ready = ready
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		publish := func(f *File, err error) {
			p.mu.Lock()
			p.file, p.err = f, err
			p.mu.Unlock()
			close(ready)
		}
		o := &p.q.opts
		f, err := p.q.create(start)
		if err != nil || !o.Prewarm {
			publish(f, err)
			return
		}
		// A failed prewarm is reported and the file used anyway, as in
		// Queue.createFile.
		if f.populateHead() {
			// The rest is populated while the file may already be in use:
			// a roll never waits for a slow population (memory the kernel
			// must first reclaim), it only takes the faults that are left.
			publish(f, nil)
			if err := f.prewarmRest(o.PrewarmFlushPages, o.Mlock, p.isClosed); err != nil {
				f.report(err)
			}
			return
		}
		if err := f.Prewarm(o.PrewarmFlushPages, o.Mlock); err != nil { // touching: done before anyone writes
			f.report(err)
		}
		publish(f, nil)
	}()
}

func (p *preallocator) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// take returns the file at start: the preallocated one when it is that
// file (waiting for its creation to finish), else one created now. A
// background creation that failed is retried now, as space may have been
// freed since.
func (p *preallocator) take(start int64) (*File, error) {
	p.mu.Lock()
	if p.pending {
		ready := p.ready
		p.mu.Unlock()
		<-ready
		p.mu.Lock()
		f, err, at := p.file, p.err, p.start
		p.pending, p.file, p.err = false, nil, nil
		p.mu.Unlock()
		if err == nil && at == start {
			return f, nil
		}
		if f != nil {
			// A file for another offset (the queue was truncated or
			// restarted meanwhile): nobody has used it.
			if _, err := f.Destroy(0); err != nil {
				f.report(err)
			}
		}
	} else {
		p.mu.Unlock()
	}
	return p.q.createFile(start)
}

// close waits for a creation under way and removes a file never taken.
func (p *preallocator) close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pending && p.file != nil {
		p.pending = false
		_, err := p.file.Destroy(0)
		p.file = nil
		return err
	}
	return nil
}
