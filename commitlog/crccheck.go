package commitlog

import (
	"runtime"
	"sync"

	"github.com/rocketstore/rocketstore/message"
)

// A batch goes to a worker once it holds checkBatchBytes of body bytes or
// checkBatchRecords records: large enough that handing over costs nothing,
// small enough to spread a file (and, for tiny records, to bound the
// batch's memory).
const (
	checkBatchBytes   = 4 << 20
	checkBatchRecords = 8 << 10
)

// checkSpan is one record to be checked.
type checkSpan struct {
	pos int   // position in the file
	seq int64 // records before it in the scan
	fr  message.Frame
}

// recordChecker checks what framing cannot see on every core while a scan
// walks framing: each record's body CRC (when asked) and its topic and
// properties (always: they are cheap, and a torn write zeroes them first).
// It remembers the first record (lowest position) that fails, and why.
type recordChecker struct {
	crc   bool
	jobs  chan []checkSpan
	free  chan []checkSpan // checked batches, for reuse
	wg    sync.WaitGroup
	batch []checkSpan
	bytes int

	mu     sync.Mutex
	bad    checkSpan // the first record that failed, when badErr is set
	badErr error
}

func newRecordChecker(crc bool) *recordChecker {
	workers := max(1, runtime.GOMAXPROCS(0))
	c := &recordChecker{crc: crc, jobs: make(chan []checkSpan, 2), free: make(chan []checkSpan, workers+2)}
	for range workers {
		c.wg.Go(c.work)
	}
	return c
}

func (c *recordChecker) work() {
	for batch := range c.jobs {
		for i := range batch {
			if err := checkRecord(&batch[i].fr, c.crc); err != nil {
				c.mu.Lock()
				if c.badErr == nil || batch[i].pos < c.bad.pos {
					c.bad, c.badErr = batch[i], err
				}
				c.mu.Unlock()
				break // later records of the batch cannot matter
			}
		}
		clear(batch) // drop the references into the file
		select {
		case c.free <- batch[:0]:
		default:
		}
	}
}

// checkRecord checks a framed record's topic and properties and, with crc,
// its body CRC.
func checkRecord(fr *message.Frame, crc bool) error {
	if crc {
		return fr.Verify()
	}
	return fr.CheckUncovered()
}

// add queues the record at pos, the seq-th of the scan.
func (c *recordChecker) add(pos int, seq int64, fr message.Frame) {
	if c.batch == nil {
		select {
		case c.batch = <-c.free:
		default:
			c.batch = make([]checkSpan, 0, checkBatchRecords)
		}
	}
	c.batch = append(c.batch, checkSpan{pos: pos, seq: seq, fr: fr})
	c.bytes += len(fr.Body)
	if c.bytes >= checkBatchBytes || len(c.batch) >= checkBatchRecords {
		c.jobs <- c.batch
		c.batch, c.bytes = nil, 0
	}
}

// firstFailure waits for every check and returns the position, sequence
// number and error of the first record that failed.
func (c *recordChecker) firstFailure() (pos int, seq int64, err error) {
	if len(c.batch) > 0 {
		c.jobs <- c.batch
	}
	close(c.jobs)
	c.wg.Wait()
	if c.badErr == nil {
		return 0, 0, nil
	}
	return c.bad.pos, c.bad.seq, c.badErr
}
