package peers

import (
	"sync"

	"github.com/tidwall/wal"
)

const tidwallName = "tidwall-wal"

// tidwallLog adapts github.com/tidwall/wal, opened with NoSync and its
// default 20 MB segments and binary format. Record seq is stored at index
// seq+1 (the log's indexes start at 1), so it needs no table.
//
//   - Append writes the entry to the segment file with write(2) and returns:
//     a process crash loses nothing, a machine crash loses whatever the
//     kernel had not yet written back.
//   - AppendDurable writes the entry, then calls Sync (fsync of the segment
//     file) before it returns. The log has no group commit, so every durable
//     append pays a whole fsync, and concurrent callers wait in line.
//
// The log needs indexes written in order, so mu serializes appends, each
// with its fsync; sequence numbers follow that order.
type tidwallLog struct {
	mu   sync.Mutex // guards next and the write-then-sync of one durable append
	next uint64     // index of the next entry
	log  *wal.Log
}

func openTidwall(dir string) (Log, error) {
	opts := *wal.DefaultOptions
	opts.NoSync = true
	l, err := wal.Open(dir, &opts)
	if err != nil {
		return nil, err
	}
	return &tidwallLog{next: 1, log: l}, nil
}

func (t *tidwallLog) Name() string { return tidwallName }

func (t *tidwallLog) Append(record []byte) error { return t.append(record, false) }

func (t *tidwallLog) AppendDurable(record []byte) error { return t.append(record, true) }

func (t *tidwallLog) append(record []byte, durable bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.log.Write(t.next, record); err != nil {
		return err
	}
	// The entry is in the log even if the sync fails, so its index is used.
	t.next++
	if durable {
		return t.log.Sync()
	}
	return nil
}

func (t *tidwallLog) ReadAt(seq int) ([]byte, error) {
	t.mu.Lock()
	have := t.next - 1
	t.mu.Unlock()
	if seq < 0 || uint64(seq) >= have {
		return nil, noRecord(seq, int(have))
	}
	return t.log.Read(uint64(seq) + 1) // Read copies: NoCopy is off
}

func (t *tidwallLog) Close() error { return t.log.Close() }
