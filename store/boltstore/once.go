package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// sweepBatch bounds how many expired flags one setOnce deletes. Each call
// adds at most one flag, so sweeping a few more than that keeps the file
// from growing with flags nobody will ask about again.
const sweepBatch = 64

// MarkOnce sets the flag key unless it is set; a ttl <= 0 keeps it
// forever. It shares its flags with EnqueueOnce, like redisstore.
func (s *Store) MarkOnce(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	op := fmt.Sprintf("mark once %q", key)
	if key == "" {
		return false, fmt.Errorf("boltstore: %s: empty key", op)
	}
	var set bool
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		var err error
		set, err = setOnce(tx, key, ttl, s.now())
		return err
	})
	if err != nil {
		return false, err
	}
	return set, nil
}

// setOnce sets the flag key for ttl (forever when ttl <= 0) unless it is
// set and not expired, and reports whether it set it. It also deletes up
// to sweepBatch flags that expired.
func setOnce(tx *bolt.Tx, key string, ttl time.Duration, now time.Time) (bool, error) {
	flags, byExpiry := tx.Bucket(bucketOnce), tx.Bucket(bucketOnceByExpiry)
	nowNS := now.UnixNano()
	if err := sweepOnce(flags, byExpiry, nowNS); err != nil {
		return false, err
	}
	if v := flags.Get([]byte(key)); v != nil {
		exp, err := decodeI64(v)
		if err != nil {
			return false, fmt.Errorf("bad flag %q: %w", key, err)
		}
		if exp == 0 || nowNS < exp {
			return false, nil
		}
		if err := byExpiry.Delete(expiryKey(exp, key)); err != nil {
			return false, err
		}
	}
	var exp int64
	if ttl > 0 {
		exp = now.Add(ttl).UnixNano()
		if err := byExpiry.Put(expiryKey(exp, key), nil); err != nil {
			return false, err
		}
	}
	return true, flags.Put([]byte(key), i64(exp))
}

// sweepOnce deletes up to sweepBatch flags (or memos) whose expiry is at or
// before nowNS, oldest first. A flag's value is its expiry; a memo's value
// starts with it.
func sweepOnce(flags, byExpiry *bolt.Bucket, nowNS int64) error {
	limit := i64(nowNS)
	c := byExpiry.Cursor()
	var drop [][]byte
	for k, _ := c.First(); k != nil && len(drop) < sweepBatch; k, _ = c.Next() {
		if len(k) < 8 || bytes.Compare(k[:8], limit) > 0 {
			break
		}
		drop = append(drop, clone(k))
	}
	for _, k := range drop {
		key := k[8:]
		// The flag may have been set again with a later expiry; its
		// index entry is another key then, and the flag stays.
		if v := flags.Get(key); v != nil && bytes.HasPrefix(v, k[:8]) {
			if err := flags.Delete(key); err != nil {
				return err
			}
		}
		if err := byExpiry.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
