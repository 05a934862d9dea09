package boltstore

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// The batch calls of the outbox: a page of planned digests and a batch of
// acknowledgements each cost one commit (two fsyncs) instead of one per
// message.

// EnqueueOnceMany is EnqueueOnce for each item, in one transaction: one
// commit for a page of subscribers instead of one each.
func (s *Store) EnqueueOnceMany(ctx context.Context, items []store.OnceMessages) ([]bool, error) {
	op := fmt.Sprintf("enqueue once %d items", len(items))
	if len(items) == 0 {
		return nil, nil
	}
	for i, it := range items {
		if it.Once.Key == "" {
			return nil, fmt.Errorf("boltstore: %s: item %d has an empty key", op, i)
		}
	}
	out := make([]bool, len(items))
	added := false
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		now := s.now()
		for i, it := range items {
			set, err := setOnce(tx, it.Once.Key, it.Once.TTL, now)
			if err != nil {
				return err
			}
			out[i] = set
			if !set {
				continue
			}
			if err := s.enqueue(tx, it.Msgs); err != nil {
				return err
			}
			if it.Once.CursorChat != 0 {
				if err := setCursor(tx, it.Once.CursorChat, it.Once.Cursor); err != nil {
					return err
				}
				if it.Once.Day != "" {
					if err := tx.Bucket(bucketDigestDays).Put(i64(it.Once.CursorChat), []byte(it.Once.Day)); err != nil {
						return err
					}
				}
			}
			added = added || len(it.Msgs) > 0
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if added {
		s.ready.broadcast()
	}
	return out, nil
}

// AckMany implements store.Outbox in one transaction: one commit (two
// fsyncs) for a whole batch of acknowledgements.
func (s *Store) AckMany(ctx context.Context, settled []store.Settled) error {
	if len(settled) == 0 {
		return nil
	}
	return s.update(ctx, fmt.Sprintf("ack %d messages", len(settled)), func(tx *bolt.Tx) error {
		counts := map[string]runCounts{}
		for _, x := range settled {
			if x.ID != "" {
				if _, _, err := settle(tx, x.ID); err != nil {
					return err
				}
			}
			if x.RunKey == "" {
				continue
			}
			c := counts[x.RunKey]
			if x.Sent {
				c.Sent++
			} else {
				c.Failed++
			}
			counts[x.RunKey] = c
		}
		for run, c := range counts {
			if _, err := countRun(tx, run, c); err != nil {
				return err
			}
		}
		return nil
	})
}
