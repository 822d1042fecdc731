package mappedfile

import (
	"bytes"
	"math/rand/v2"
	"slices"
)

// CrashOptions say what a simulated power loss keeps beyond the durable
// state.
type CrashOptions struct {
	// KeepUnflushed is the chance, from 0 to 1, that a page written but
	// never flushed reached the disk anyway: the kernel writes dirty pages
	// back on its own schedule and in no particular order, so any subset of
	// them may survive. 0 keeps none.
	KeepUnflushed float64
	// Seed drives the choice of pages. Tests log it, so that a failure can
	// be replayed.
	Seed uint64
}

// Crash returns a new MemFS holding what a power loss now could leave: the
// names as of each directory's last sync, each with its file's durable
// bytes, plus (with KeepUnflushed) a random subset of the pages written
// since their last flush. The copy is one consistent cut across all files:
// every file is locked before the first is copied, so no Flush lands
// between two of them (a copy that let one in could show a later file
// ahead of an earlier one, as no disk ever held them). m keeps working
// unchanged. With KeepUnflushed it reads the live bytes, so no goroutine
// may write through a mapping meanwhile.
func (m *MemFS) Crash(opts CrashOptions) *MemFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	paths := make([]string, 0, len(m.synced))
	for path := range m.synced {
		paths = append(paths, path)
	}
	// Sorted, so that a seed picks the same pages every time.
	slices.Sort(paths)
	// A file may be synced under two names (renamed, and only one of its
	// directories synced since): it is locked once.
	locked := make(map[*memFile]bool, len(paths))
	for _, path := range paths {
		if f := m.synced[path]; !locked[f] {
			locked[f] = true
			f.mu.Lock()
		}
	}
	defer func() {
		for f := range locked {
			f.mu.Unlock()
		}
	}()
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	c := NewMemFS()
	c.capacity = m.capacity
	for _, path := range paths {
		f := m.synced[path]
		kept := slices.Clone(f.durable)
		if opts.KeepUnflushed > 0 {
			keepPages(kept, f.live, opts.KeepUnflushed, rng)
		}
		c.files[path] = &memFile{live: kept, durable: slices.Clone(kept), modTime: f.modTime}
		c.synced[path] = c.files[path]
		c.used += int64(len(kept))
	}
	return c
}

// CrashCopy is Crash keeping nothing that was not made durable.
func (m *MemFS) CrashCopy() *MemFS { return m.Crash(CrashOptions{}) }

// keepPages copies into durable each page of live that differs from it with
// probability p.
func keepPages(durable, live []byte, p float64, rng *rand.Rand) {
	for at := 0; at < len(durable) && at < len(live); at += pageBytes {
		end := min(at+pageBytes, len(durable), len(live))
		if !bytes.Equal(durable[at:end], live[at:end]) && rng.Float64() < p {
			copy(durable[at:end], live[at:end])
		}
	}
}
