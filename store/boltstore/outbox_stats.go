package boltstore

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// OutboxStats counts the outbox in one read transaction, a consistent
// snapshot; Ready counts both ready queues. OldestAge looks at the first
// message of each ready queue and the first pending message (the oldest
// enqueued of each) and the delayed message due first, each from its
// WaitingSince, which approximates the oldest unsent message without
// reading them all; a message held until a future NotBefore is not late,
// so it adds no age.
func (s *Store) OutboxStats(ctx context.Context, now time.Time) (store.OutboxStats, error) {
	var st store.OutboxStats
	err := s.view(ctx, "outbox stats", func(tx *bolt.Tx) error {
		ready, pending, delayed := tx.Bucket(bucketReady), tx.Bucket(bucketPending), tx.Bucket(bucketDelayed)
		personal := tx.Bucket(bucketPersonal)
		st.Ready = int64(ready.Stats().KeyN) + int64(personal.Stats().KeyN)
		st.Pending = int64(pending.Stats().KeyN)
		st.Delayed = int64(delayed.Stats().KeyN)
		if v := tx.Bucket(bucketMeta).Get(metaDeadCount); v != nil {
			n, err := decodeU64(v)
			if err != nil {
				return fmt.Errorf("bad dead letter count: %w", err)
			}
			st.Dead = int64(n)
		}

		var oldest time.Time
		older := func(t time.Time) {
			if !t.IsZero() && (oldest.IsZero() || t.Before(oldest)) {
				oldest = t
			}
		}
		for _, b := range []*bolt.Bucket{ready, personal, pending} {
			if _, v := b.Cursor().First(); v != nil {
				var r readyRecord
				if decodeJSON(v, &r) == nil {
					older(time.UnixMilli(r.Enqueued))
					older(r.Message.WaitingSince())
				}
			}
		}
		if _, v := delayed.Cursor().First(); v != nil {
			var m store.OutboxMessage
			if decodeJSON(v, &m) == nil {
				older(m.WaitingSince())
			}
		}
		if !oldest.IsZero() && now.After(oldest) {
			st.OldestAge = now.Sub(oldest)
		}
		return nil
	})
	if err != nil {
		return store.OutboxStats{}, err
	}
	return st, nil
}
