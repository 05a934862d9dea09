package boltstore

import (
	"context"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// The methods below let store/dump move residents' and officials' data
// between backends (partnerbot export / import). Each export walks one
// bucket in one read transaction, so fn sees a consistent snapshot; fn
// must not call the store.

// ExportSubscribers calls fn for every subscriber record, in chat id order.
func (s *Store) ExportSubscribers(ctx context.Context, fn func(store.Subscriber) error) error {
	return s.view(ctx, "export subscribers", func(tx *bolt.Tx) error {
		return forEachJSON(tx.Bucket(bucketSubs), fn)
	})
}

// ExportPosts calls fn for every post, in id order.
func (s *Store) ExportPosts(ctx context.Context, fn func(store.Post) error) error {
	return s.view(ctx, "export posts", func(tx *bolt.Tx) error {
		return forEachJSON(tx.Bucket(bucketPosts), fn)
	})
}

// ExportUsers calls fn for every user, in id order.
func (s *Store) ExportUsers(ctx context.Context, fn func(store.User) error) error {
	return s.view(ctx, "export users", func(tx *bolt.Tx) error {
		return forEachJSON(tx.Bucket(bucketUsers), fn)
	})
}

// ExportAudit implements dump.Exporter.
func (s *Store) ExportAudit(ctx context.Context, fn func(store.AuditEntry) error) error {
	return s.view(ctx, "export audit log", func(tx *bolt.Tx) error {
		return forEachJSON(tx.Bucket(bucketAudit), fn)
	})
}

// ExportDigestCursors implements dump.Exporter.
func (s *Store) ExportDigestCursors(ctx context.Context, fn func(chatID int64, at time.Time) error) error {
	return s.view(ctx, "export digest cursors", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCursors).ForEach(func(k, v []byte) error {
			chatID, err := decodeI64(k)
			if err != nil {
				return err
			}
			m, err := decodeI64(v)
			if err != nil {
				return fmt.Errorf("bad cursor of %d: %w", chatID, err)
			}
			return fn(chatID, time.UnixMilli(m).UTC())
		})
	})
}

// ExportSeeds implements dump.Exporter.
func (s *Store) ExportSeeds(ctx context.Context, fn func(seedKey string, postID int64) error) error {
	return s.view(ctx, "export seeds", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSeeds).ForEach(func(k, v []byte) error {
			id, err := decodeI64(v)
			if err != nil {
				return fmt.Errorf("bad seed %q: %w", k, err)
			}
			return fn(string(k), id)
		})
	})
}

// LastPostID returns the highest post id handed out so far, deleted posts
// included.
func (s *Store) LastPostID(ctx context.Context) (int64, error) {
	var last uint64
	err := s.view(ctx, "last post id", func(tx *bolt.Tx) error {
		last = tx.Bucket(bucketPosts).Sequence()
		return nil
	})
	if last > math.MaxInt64 {
		return 0, fmt.Errorf("boltstore: last post id %d out of range", last)
	}
	return int64(last), err
}

// ImportSeed implements dump.Importer.
func (s *Store) ImportSeed(ctx context.Context, seedKey string, postID int64) error {
	op := fmt.Sprintf("import seed %q", seedKey)
	if seedKey == "" {
		return fmt.Errorf("boltstore: %s: empty seed key", op)
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSeeds).Put([]byte(seedKey), i64(postID))
	})
}

// ImportDigestCursor implements dump.Importer.
func (s *Store) ImportDigestCursor(ctx context.Context, chatID int64, at time.Time) error {
	op := fmt.Sprintf("import digest cursor of %d", chatID)
	return s.update(ctx, op, func(tx *bolt.Tx) error { return setCursor(tx, chatID, at) })
}

// RaisePostSeq implements dump.Importer.
func (s *Store) RaisePostSeq(ctx context.Context, id int64) error {
	op := fmt.Sprintf("raise post id sequence to %d", id)
	if id <= 0 {
		return nil
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		posts := tx.Bucket(bucketPosts)
		if uint64(id) <= posts.Sequence() {
			return nil
		}
		return posts.SetSequence(uint64(id))
	})
}
