package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// Limit is one physical limit of the machine, measured by the suite in the
// same run as the workloads so that their figures can be stated as ratios.
// Its run reports payload bytes (bandwidth) and may record latencies.
type Limit struct {
	ID, Title, About string
	Run              func(env *Env) (Sample, error)
}

// Limit IDs the workloads refer to.
const (
	LimitWriteFdatasync = "write-fdatasync-64KiB"
	LimitFdatasync      = "fdatasync-4KiB"
	LimitPageCacheRead  = "pagecache-read"
)

// LimitMemcpy is the ID of the memcpy limit for records of size bytes.
func LimitMemcpy(size int) string { return "memcpy-mmap-" + sizeName(size) }

// Limits lists the limits the workloads compare with.
func Limits() []Limit {
	var out []Limit
	for _, size := range appendSizes {
		out = append(out, Limit{
			ID:    LimitMemcpy(size),
			Title: "memcpy into mmap, " + sizeName(size),
			About: "records copied one by one into fresh files created (space allocated) and mapped as the commit log's are: the ceiling of an async append",
			Run:   func(env *Env) (Sample, error) { return memcpyMmap(env, size) },
		})
	}
	return append(out,
		Limit{
			ID:    LimitWriteFdatasync,
			Title: "write + fdatasync, 64 KiB",
			About: "64 KiB write(2) then fdatasync(2), in a loop: the ceiling of 64 durable 1 KiB appenders sharing each fsync",
			Run: func(env *Env) (Sample, error) {
				return writeFdatasync(env, 64<<10, env.Duration(2*time.Second, 50*time.Millisecond), 0)
			},
		},
		Limit{
			ID:    LimitFdatasync,
			Title: "write + fdatasync latency, 4 KiB",
			About: "one 4 KiB write(2) then fdatasync(2): the least a durable append can wait",
			Run:   func(env *Env) (Sample, error) { return writeFdatasync(env, 4<<10, 0, env.Count(2000, 20)) },
		},
		Limit{
			ID:    LimitPageCacheRead,
			Title: "page-cache read",
			About: "pread(2) of a file just written, in 1 MiB chunks: the ceiling of reading records that are in memory",
			Run:   pageCacheRead,
		},
	)
}

// memcpyMmap copies as many records as W1 appends into fresh mapped files.
func memcpyMmap(env *Env, size int) (Sample, error) {
	n := appendCount(env, size)
	fileSize := min(1<<30, n*size)
	perFile := fileSize / size
	var maps []mappedfile.Mapping
	defer func() {
		for _, m := range maps {
			m.Close()
		}
	}()
	for i := 0; i*perFile < n; i++ {
		m, err := mappedfile.OSFS.Create(filepath.Join(env.Dir, fmt.Sprintf("%020d", i)), fileSize)
		if err != nil {
			return Sample{}, err
		}
		maps = append(maps, m)
	}
	src := Record(size, 0)
	settle()
	env.StartTimer()
	for i := range n {
		copy(maps[i/perFile].Bytes()[(i%perFile)*size:], src)
	}
	env.StopTimer()
	return Sample{Ops: int64(n), Bytes: int64(n * size)}, nil
}

// writeFdatasync writes chunks and fdatasyncs after each, for d or for n
// chunks, recording each pair's latency.
func writeFdatasync(env *Env, chunk int, d time.Duration, n int) (Sample, error) {
	f, err := os.OpenFile(filepath.Join(env.Dir, "limit"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return Sample{}, err
	}
	defer f.Close()
	buf := Record(chunk, 0)
	settle()
	env.StartTimer()
	deadline := time.Now().Add(d)
	var done int
	for ; (n > 0 && done < n) || (n == 0 && time.Now().Before(deadline)); done++ {
		start := time.Now()
		if _, err := f.Write(buf); err != nil {
			return Sample{}, err
		}
		if err := unix.Fdatasync(int(f.Fd())); err != nil {
			return Sample{}, err
		}
		env.RecordLatency(time.Since(start))
	}
	env.StopTimer()
	return Sample{Ops: int64(done), Bytes: int64(done * chunk)}, nil
}

// pageCacheRead writes a file and reads it back while it is in memory.
func pageCacheRead(env *Env) (Sample, error) {
	const chunk = 1 << 20
	size := env.Count(1<<30, 4<<20) / chunk * chunk
	path := filepath.Join(env.Dir, "limit")
	f, err := os.Create(path)
	if err != nil {
		return Sample{}, err
	}
	defer f.Close()
	buf := Record(chunk, 0)
	for off := 0; off < size; off += chunk {
		if _, err := f.Write(buf); err != nil {
			return Sample{}, err
		}
	}
	settle()
	env.StartTimer()
	for off := 0; off < size; off += chunk {
		if _, err := f.ReadAt(buf, int64(off)); err != nil {
			return Sample{}, err
		}
	}
	env.StopTimer()
	return Sample{Ops: int64(size / chunk), Bytes: int64(size)}, nil
}

// settle writes back dirty pages left by earlier runs, so that the timed
// part of the next does not pay for them.
func settle() { unix.Sync() }
