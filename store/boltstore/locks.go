package boltstore

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// lockRecord is a lease: who holds it, until when.
type lockRecord struct {
	Owner string `json:"owner"`
	// Expires is when the lease ends, unix nanoseconds.
	Expires int64 `json:"expires"`
}

// TryLock takes or renews the lease name for owner for ttl (at least a
// millisecond, like redisstore). The lease is kept in the file with its
// expiry, so an owner that dies loses it without anyone unlocking, and a
// restarted process sees a lease it held before as held until it expires.
func (s *Store) TryLock(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	op := fmt.Sprintf("lock %q for %q", name, owner)
	if owner == "" {
		return false, fmt.Errorf("boltstore: %s: empty owner", op)
	}
	if ttl < time.Millisecond {
		return false, fmt.Errorf("boltstore: %s: ttl %s under 1ms", op, ttl)
	}
	var held bool
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLocks)
		now := s.now()
		var cur lockRecord
		found, err := getJSON(b, []byte(name), &cur)
		if err != nil {
			return err
		}
		if found && cur.Owner != owner && now.UnixNano() < cur.Expires {
			held = false
			return nil
		}
		held = true
		return putJSON(b, []byte(name), lockRecord{Owner: owner, Expires: now.Add(ttl).UnixNano()})
	})
	if err != nil {
		return false, err
	}
	return held, nil
}

// Unlock implements store.Locks.
func (s *Store) Unlock(ctx context.Context, name, owner string) error {
	op := fmt.Sprintf("unlock %q for %q", name, owner)
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLocks)
		var cur lockRecord
		found, err := getJSON(b, []byte(name), &cur)
		if err != nil || !found || cur.Owner != owner {
			return err
		}
		return b.Delete([]byte(name))
	})
}
