package boltstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// InactiveSubscribersAfter walks subs_inactive in chat id order (negative
// ids first) in one read transaction, keeping the chats inactive since
// before before, until it has limit or the index ends.
func (s *Store) InactiveSubscribersAfter(ctx context.Context, before time.Time, after int64, limit int) ([]store.Subscriber, error) {
	op := fmt.Sprintf("inactive subscribers after %d limit=%d", after, limit)
	out := []store.Subscriber{}
	if limit <= 0 || after == math.MaxInt64 {
		return out, nil
	}
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		subs := tx.Bucket(bucketSubs)
		c := tx.Bucket(bucketInactive).Cursor()
		for k, _ := c.Seek(i64(after + 1)); k != nil && len(out) < limit; k, _ = c.Next() {
			var sub store.Subscriber
			found, err := getJSON(subs, k, &sub)
			if err != nil {
				return err
			}
			if found && sub.Expired(before) {
				out = append(out, sub)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UserAudit walks the log of all posts from its newest entry, keeping
// userID's.
func (s *Store) UserAudit(ctx context.Context, userID int64, limit int) ([]store.AuditEntry, error) {
	op := fmt.Sprintf("audit of user %d limit=%d", userID, limit)
	out := []store.AuditEntry{}
	if limit <= 0 {
		return out, nil
	}
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			var e store.AuditEntry
			if err := decodeJSON(v, &e); err != nil {
				return fmt.Errorf("decode audit entry %x: %w", k, err)
			}
			if e.UserID == userID {
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PruneAudit deletes, in one write transaction, the oldest entries of the
// log of all posts made before before (at most limit), each with its copy
// in its post's log. Entries are only ever removed from the front, so the
// log's sequence numbers stay contiguous, as trimLog relies on.
func (s *Store) PruneAudit(ctx context.Context, before time.Time, limit int) (int, error) {
	op := fmt.Sprintf("prune audit before %s", before.UTC().Format(time.RFC3339))
	if limit <= 0 {
		return 0, nil
	}
	n := 0
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		n = 0
		all, byPost := tx.Bucket(bucketAudit), tx.Bucket(bucketAuditByPost)
		c := all.Cursor()
		for k, v := c.First(); k != nil && n < limit; k, v = c.First() {
			var e store.AuditEntry
			if err := decodeJSON(v, &e); err != nil {
				return fmt.Errorf("decode audit entry %x: %w", k, err)
			}
			if !e.At.Before(before) {
				return nil
			}
			seq, err := decodeU64(k)
			if err != nil {
				return err
			}
			if err := all.Delete(clone(k)); err != nil {
				return err
			}
			if e.PostID != 0 {
				if err := byPost.Delete(postAuditKey(e.PostID, seq)); err != nil {
					return err
				}
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// errKept aborts a deletion whose record is no longer expired.
var errKept = errors.New("record kept")

// DeleteExpiredSubscriber deletes chatID's record (and what
// DeleteSubscriber deletes with it) in one write transaction, only while
// it is still expired.
func (s *Store) DeleteExpiredSubscriber(ctx context.Context, chatID int64, cutoff time.Time) (bool, error) {
	op := fmt.Sprintf("delete expired subscriber %d", chatID)
	_, err := s.updateSubscriber(ctx, op, chatID, func(old store.Subscriber, found bool) (*store.Subscriber, error) {
		if !found || !old.Expired(cutoff) {
			return nil, errKept
		}
		return nil, nil
	})
	if errors.Is(err, errKept) {
		return false, nil
	}
	return err == nil, err
}
