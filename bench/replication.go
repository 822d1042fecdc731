package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/rocketstore/rocketstore/bench/report"
	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/ha"
	"github.com/rocketstore/rocketstore/message"
)

func w7(engines []Engine) Workload {
	const size = 1 << 10
	w := Workload{
		ID:    "W7",
		Title: "Replication, master → slave",
		About: "A master commit log appends 1 KiB records from one goroutine while a slave, connected over loopback TCP, " +
			"follows it with its own commit log (every record checked: framing, offset, CRC); the clock stops when " +
			"the slave holds every byte. Both logs on disk, async flush.",
	}
	c := Case{
		Name:       "1KiB",
		Params:     []report.Param{{Name: "record", Value: "1KiB"}, {Name: "records", Value: "500k"}, {Name: "slaves", Value: "1"}},
		Unit:       "records/s",
		RecordSize: size,
		Limit:      LimitMemcpy(size),
	}
	c.Subjects = storeOnly(engines, w.ID, "no replication",
		Subject{Name: "rocketstore", Config: "ha.Master → ha.Slave over 127.0.0.1, commit logs with AsyncFlush", Run: func(env *Env) (Sample, error) {
			return replicate(env, size, env.Count(500_000, 2000))
		}})
	w.Cases = append(w.Cases, c)
	return w
}

func replicate(env *Env, size, n int) (Sample, error) {
	opts := commitlog.Options{}
	if env.Smoke {
		opts.FileSize = smokeSegment
	}
	src, err := commitlog.Open(filepath.Join(env.Dir, "master"), &opts)
	if err != nil {
		return Sample{}, err
	}
	defer src.Close()
	sink, err := commitlog.Open(filepath.Join(env.Dir, "slave"), &opts)
	if err != nil {
		return Sample{}, err
	}
	defer sink.Close()
	m := ha.NewMaster(src, nil)
	if err := m.Listen("127.0.0.1:0"); err != nil {
		return Sample{}, err
	}
	defer m.Close()
	s := ha.NewSlave(sink, &ha.SlaveOptions{MasterAddr: m.Addr(), ReconnectInterval: 20 * time.Millisecond})
	s.Start()
	defer s.Close()
	msg := &message.Message{Topic: "BenchTopic", Body: Record(size, 0), BornTimestamp: time.Now().UnixMilli(), BornHost: benchBornHost}
	ctx := context.Background()
	// Warm-up: the slave has connected and holds the first record.
	if _, err := src.Append(ctx, msg); err != nil {
		return Sample{}, err
	}
	m.Notify()
	if err := waitUntil(time.Minute, func() bool { return sink.MaxOffset() == src.MaxOffset() }); err != nil {
		return Sample{}, fmt.Errorf("the slave did not connect: %w", err)
	}
	settle()
	env.StartTimer()
	for i := range n {
		if _, err := src.Append(ctx, msg); err != nil {
			return Sample{}, err
		}
		if i%64 == 0 {
			m.Notify()
		}
	}
	m.Notify()
	end := src.MaxOffset()
	if err := waitUntil(10*time.Minute, func() bool { return sink.MaxOffset() == end }); err != nil {
		return Sample{}, fmt.Errorf("the slave did not catch up: %w", err)
	}
	env.StopTimer()
	return Sample{Ops: int64(n), Bytes: int64(n * size)}, nil
}

// waitUntil polls ok every 100 µs until it holds or d passes.
func waitUntil(d time.Duration, ok func() bool) error {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %v", d)
		}
		time.Sleep(100 * time.Microsecond)
	}
	return nil
}
