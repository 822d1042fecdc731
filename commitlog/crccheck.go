package commitlog

import (
	"runtime"
	"sync"

	"github.com/rocketstore/rocketstore/message"
)

// crcBatchBytes is how many body bytes go to a worker at a time: large
// enough that handing over costs nothing, small enough to spread a file.
const crcBatchBytes = 4 << 20

// crcSpan is one record whose body CRC is to be checked.
type crcSpan struct {
	pos  int   // position in the file
	seq  int64 // records before it in the scan
	body []byte
	crc  uint32
}

// crcChecker checks body CRCs on every core while a scan walks framing, and
// remembers the first record (lowest position) whose CRC does not match.
type crcChecker struct {
	jobs  chan []crcSpan
	wg    sync.WaitGroup
	batch []crcSpan
	bytes int

	mu  sync.Mutex
	bad *crcSpan
}

func newCRCChecker() *crcChecker {
	c := &crcChecker{jobs: make(chan []crcSpan, 2)}
	for range max(1, runtime.GOMAXPROCS(0)) {
		c.wg.Go(c.work)
	}
	return c
}

func (c *crcChecker) work() {
	for batch := range c.jobs {
		for i := range batch {
			if message.BodyCRC(batch[i].body) != batch[i].crc {
				c.mu.Lock()
				if c.bad == nil || batch[i].pos < c.bad.pos {
					c.bad = &batch[i]
				}
				c.mu.Unlock()
				break // later records of the batch cannot matter
			}
		}
	}
}

// add queues the record at pos, the seq-th of the scan.
func (c *crcChecker) add(pos int, seq int64, fr message.Frame) {
	c.batch = append(c.batch, crcSpan{pos: pos, seq: seq, body: fr.Body, crc: fr.BodyCRC})
	c.bytes += len(fr.Body)
	if c.bytes >= crcBatchBytes {
		c.jobs <- c.batch
		c.batch, c.bytes = nil, 0
	}
}

// firstMismatch waits for every check and returns the position and
// sequence number of the first record whose CRC failed.
func (c *crcChecker) firstMismatch() (pos int, seq int64, ok bool) {
	if len(c.batch) > 0 {
		c.jobs <- c.batch
	}
	close(c.jobs)
	c.wg.Wait()
	if c.bad == nil {
		return 0, 0, false
	}
	return c.bad.pos, c.bad.seq, true
}
