package boltstore

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// draftRecord is a draft with its expiry.
type draftRecord struct {
	Draft store.Draft `json:"draft"`
	// Expires is when the draft expires, unix nanoseconds.
	Expires int64 `json:"expires"`
}

func (r draftRecord) expired(now time.Time) bool { return now.UnixNano() >= r.Expires }

// SaveDraft stores d as the draft of d.UserID, expiring after ttl, which
// must be positive: a draft that never expires would never clean up. It
// also drops other drafts that expired (there is one per official at
// most, so the sweep is cheap).
func (s *Store) SaveDraft(ctx context.Context, d store.Draft, ttl time.Duration) error {
	op := fmt.Sprintf("save draft of %d", d.UserID)
	if ttl <= 0 {
		return fmt.Errorf("boltstore: %s: ttl %v is not positive", op, ttl)
	}
	now := s.now()
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDrafts)
		var stale [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var r draftRecord
			if err := decodeJSON(v, &r); err != nil || r.expired(now) {
				stale = append(stale, clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return putJSON(b, i64(d.UserID), draftRecord{Draft: d, Expires: now.Add(ttl).UnixNano()})
	})
}

// Draft returns the draft of userID, or store.ErrNotFound when there is
// none or it expired; an expired draft is deleted then.
func (s *Store) Draft(ctx context.Context, userID int64) (store.Draft, error) {
	op := fmt.Sprintf("get draft of %d", userID)
	var r draftRecord
	if err := s.get(ctx, op, bucketDrafts, i64(userID), &r); err != nil {
		return store.Draft{}, err
	}
	if !r.expired(s.now()) {
		return r.Draft, nil
	}
	err := s.update(ctx, op+": drop expired", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDrafts)
		var cur draftRecord
		found, err := getJSON(b, i64(userID), &cur)
		if err != nil || !found || cur.Expires != r.Expires {
			return err // saved again meanwhile: keep it
		}
		return b.Delete(i64(userID))
	})
	if err != nil {
		return store.Draft{}, err
	}
	return store.Draft{}, notFound(op)
}

// DeleteDraft implements store.Drafts.
func (s *Store) DeleteDraft(ctx context.Context, userID int64) error {
	op := fmt.Sprintf("delete draft of %d", userID)
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDrafts).Delete(i64(userID))
	})
}
