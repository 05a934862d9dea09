package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// activity is where a subscriber record stands in the activity indexes.
type activity int

const (
	gone     activity = iota // no record: in neither index
	active                   // in subs:active
	inactive                 // in subs:inactive
)

func activityOf(sub *store.Subscriber) activity {
	switch {
	case sub == nil:
		return gone
	case sub.Active:
		return active
	}
	return inactive
}

// indexActive queues the change of the subs:active and subs:inactive
// indexes for a subscriber record being written or deleted.
// updateSubscriber calls it in the transaction that writes the record.
func (s *Store) indexActive(ctx context.Context, pipe redis.Pipeliner, chatID int64, a activity) {
	z := redis.Z{Score: float64(chatID), Member: subscriberMember(chatID)}
	switch a {
	case active:
		pipe.ZAdd(ctx, s.k.activeSubscribers(), z)
		pipe.ZRem(ctx, s.k.inactiveSubscribers(), z.Member)
	case inactive:
		pipe.ZRem(ctx, s.k.activeSubscribers(), z.Member)
		pipe.ZAdd(ctx, s.k.inactiveSubscribers(), z)
	default:
		pipe.ZRem(ctx, s.k.activeSubscribers(), z.Member)
		pipe.ZRem(ctx, s.k.inactiveSubscribers(), z.Member)
	}
}

// RebuildActiveIndex makes the subs:active and subs:inactive indexes agree
// with the subscriber records: it indexes every record (walking the
// records with SCAN) and drops members whose record is gone or changed
// (walking each index with ZSCAN). Each batch is a transaction watching
// its records, so it is safe while the bot runs. Data written before an
// index existed needs it once; Migrate is the place to call it.
func (s *Store) RebuildActiveIndex(ctx context.Context) error {
	const op = "rebuild active subscriber index"
	err := s.scanSubscribers(ctx, func(_ redis.Cmdable, _ []string, ids []int64) error {
		return s.reindexActive(ctx, ids)
	})
	if err != nil {
		return wrapErr(err, op)
	}
	for _, index := range []string{s.k.activeSubscribers(), s.k.inactiveSubscribers()} {
		if err := s.reindexMembers(ctx, index); err != nil {
			return wrapErr(err, op)
		}
	}
	return nil
}

// reindexMembers walks one activity index and sets every member's entries
// from its record, dropping those of records gone.
func (s *Store) reindexMembers(ctx context.Context, index string) error {
	return s.scanIndex(ctx, index, func(ids []int64) error { return s.reindexActive(ctx, ids) })
}

// reindexActive sets the subs:active entries of ids from their records in
// one transaction watching the records.
func (s *Store) reindexActive(ctx context.Context, ids []int64) error {
	return s.watchSubscribers(ctx, ids, func(tx *redis.Tx, subs []*store.Subscriber) error {
		_, err := tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			for i, id := range ids {
				s.indexActive(ctx, pipe, id, activityOf(subs[i]))
			}
			return nil
		})
		return err
	})
}
