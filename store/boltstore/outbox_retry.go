package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// Retry settles the claimed message id and schedules m at at (whole
// milliseconds, rounded down); it does nothing when id is not pending.
func (s *Store) Retry(ctx context.Context, id string, m store.OutboxMessage, at time.Time) error {
	op := "retry " + id
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		_, found, err := settle(tx, id)
		if err != nil || !found {
			return err
		}
		return putDelayed(tx, m, at)
	})
}

// putDelayed adds m to the delayed messages, due at at.
func putDelayed(tx *bolt.Tx, m store.OutboxMessage, at time.Time) error {
	m.ID = ""
	data, err := encodeJSON(m)
	if err != nil {
		return err
	}
	delayed := tx.Bucket(bucketDelayed)
	n, err := delayed.NextSequence()
	if err != nil {
		return err
	}
	return delayed.Put(delayedKey(ms(at), n), data)
}

// Bury settles the claimed message id and keeps d as a dead letter; like
// Retry it does nothing when id is not pending.
func (s *Store) Bury(ctx context.Context, id string, d store.DeadLetter) error {
	return s.update(ctx, "bury "+id, func(tx *bolt.Tx) error {
		_, found, err := settle(tx, id)
		if err != nil || !found {
			return err
		}
		return s.addDead(tx, d)
	})
}

// addDead appends a dead letter, counts it and drops the oldest beyond
// deadCap.
func (s *Store) addDead(tx *bolt.Tx, d store.DeadLetter) error {
	d.Message.ID = ""
	dead := tx.Bucket(bucketDead)
	seq, err := dead.NextSequence()
	if err != nil {
		return err
	}
	if err := putJSON(dead, u64(seq), d); err != nil {
		return err
	}
	if err := trimLog(dead, seq, s.deadCap); err != nil {
		return err
	}
	meta := tx.Bucket(bucketMeta)
	var count uint64
	if v := meta.Get(metaDeadCount); v != nil {
		if count, err = decodeU64(v); err != nil {
			return fmt.Errorf("bad dead letter count: %w", err)
		}
	}
	return meta.Put(metaDeadCount, u64(count+1))
}

// PromoteDue moves every delayed message due at or before now (whole
// milliseconds) to the ready queue in one transaction. A read transaction
// looks first, so the frequent calls that find nothing cost no write.
func (s *Store) PromoteDue(ctx context.Context, now time.Time) (int, error) {
	const op = "promote due messages"
	limit := i64(ms(now))
	due := func(k []byte) bool { return len(k) >= 8 && bytes.Compare(k[:8], limit) <= 0 }
	var work bool
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketDelayed).Cursor().First()
		work = due(k)
		return nil
	})
	if err != nil || !work {
		return 0, err
	}
	n := 0
	err = s.update(ctx, op, func(tx *bolt.Tx) error {
		n = 0
		delayed := tx.Bucket(bucketDelayed)
		var keys [][]byte
		var msgs []store.OutboxMessage
		c := delayed.Cursor()
		for k, v := c.First(); due(k); k, v = c.Next() {
			var m store.OutboxMessage
			if err := decodeJSON(v, &m); err != nil {
				return fmt.Errorf("decode delayed message %x: %w", k, err)
			}
			keys = append(keys, clone(k))
			msgs = append(msgs, m)
		}
		for _, k := range keys {
			if err := delayed.Delete(k); err != nil {
				return err
			}
		}
		n = len(msgs)
		return s.enqueueReady(tx, msgs)
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		s.ready.broadcast()
	}
	return n, nil
}

// DeadLetters implements store.Outbox.
func (s *Store) DeadLetters(ctx context.Context, limit int) ([]store.DeadLetter, error) {
	op := fmt.Sprintf("dead letters limit=%d", limit)
	out := []store.DeadLetter{}
	if limit <= 0 {
		return out, nil
	}
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDead).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			var d store.DeadLetter
			if err := decodeJSON(v, &d); err != nil {
				return fmt.Errorf("decode dead letter %x: %w", k, err)
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
