package store

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/rocketstore/rocketstore/consumequeue"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// DirRecord is one record read from a store directory by ReadRecords or
// ReadQueue. Record's Body and Properties alias the file: they are valid
// only during the callback.
type DirRecord struct {
	message.Record
	// CRCOK says whether the body matches its CRC.
	CRCOK bool
}

// ReadRecords calls fn for every record of the commit log under dir whose
// offset is in [from, to) (to <= 0: to the end), in order, without opening
// the store, until fn returns false. It stops with an error at the first
// record that fails its framing, naming its offset; a body that fails its
// CRC is handed over with CRCOK false.
func ReadRecords(dir string, opts *CheckOptions, from, to int64, fn func(DirRecord) bool) error {
	d, err := openDirReader(fsOf(opts), dir)
	if err != nil {
		return err
	}
	return errors.Join(readRecords(d, from, to, fn), d.close())
}

func fsOf(opts *CheckOptions) mappedfile.FS {
	if opts == nil {
		return nil
	}
	return opts.FS
}

func readRecords(d *dirReader, from, to int64, fn func(DirRecord) bool) error {
	if to <= 0 {
		to = 1<<63 - 1
	}
	first := 0
	for first+1 < len(d.logFiles) && d.logFiles[first+1].start <= from {
		first++
	}
	scan, err := d.scanLog(first, false, func(phys int64, r *message.Record) bool {
		if phys < from {
			return true
		}
		return phys < to && fn(DirRecord{Record: *r, CRCOK: message.BodyCRC(r.Body) == r.BodyCRC})
	}, nil, nil)
	if err == nil && scan.Reason != nil {
		err = fmt.Errorf("%w: commit log %s at byte %d (offset %d): %w", ErrDamaged, scan.BadPath, scan.BadPos, scan.End, scan.Reason)
	}
	return err
}

// ReadQueue calls fn for every unit of topic/queueID in [from, to) (to <=
// 0: to the end) of the store under dir, with the record it points at,
// until fn returns false. Blank units are passed over; a unit whose record
// is gone (deleted by cleanup) or is not its record is an error naming the
// unit.
func ReadQueue(dir string, opts *CheckOptions, topic string, queueID int32, from, to int64, fn func(queueOffset int64, r DirRecord) bool) error {
	d, err := openDirReader(fsOf(opts), dir)
	if err != nil {
		return err
	}
	return errors.Join(readQueue(d, queueKey{topic, queueID}, from, to, fn), d.close())
}

func readQueue(d *dirReader, k queueKey, from, to int64, fn func(int64, DirRecord) bool) error {
	files, err := listRun(d.fs, consumequeue.Dir(filepath.Join(d.root, consumeQueueDir), k.topic, k.queueID))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%w: no consume queue %s/%d", ErrNotFound, k.topic, k.queueID)
	}
	if to <= 0 {
		to = 1<<63 - 1
	}
	var failed error
	err = eachUnit(d, files, func(logic int64, u consumequeue.Unit) bool {
		if logic < from || u.IsBlank() {
			return true
		}
		if logic >= to {
			return false
		}
		r, err := d.recordAt(u.CommitLogOffset)
		if err == nil && (r.Topic != k.topic || r.QueueID != k.queueID || r.QueueOffset != logic) {
			err = fmt.Errorf("the record there is %s/%d offset %d", r.Topic, r.QueueID, r.QueueOffset)
		}
		if err != nil {
			failed = fmt.Errorf("%s/%d unit %d (commit-log offset %d): %w", k.topic, k.queueID, logic, u.CommitLogOffset, err)
			return false
		}
		return fn(logic, DirRecord{Record: r, CRCOK: message.BodyCRC(r.Body) == r.BodyCRC})
	})
	return errors.Join(err, failed)
}
