package boltstore

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// Official implements store.Officials.
func (s *Store) Official(ctx context.Context, userID int64) (store.Official, error) {
	op := fmt.Sprintf("get official %d", userID)
	var o store.Official
	if err := s.get(ctx, op, bucketOfficials, i64(userID), &o); err != nil {
		return store.Official{}, err
	}
	return o, nil
}

// SaveOfficial creates or replaces the grant of o.UserID.
func (s *Store) SaveOfficial(ctx context.Context, o store.Official) error {
	op := fmt.Sprintf("save official %d", o.UserID)
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketOfficials), i64(o.UserID), o)
	})
}

// DeleteOfficial removes the grant of userID; store.ErrNotFound when there
// was none.
func (s *Store) DeleteOfficial(ctx context.Context, userID int64) error {
	op := fmt.Sprintf("delete official %d", userID)
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOfficials)
		if b.Get(i64(userID)) == nil {
			return store.ErrNotFound
		}
		return b.Delete(i64(userID))
	})
}

// Officials returns every grant in ascending user id order, the order of
// the bucket's keys.
func (s *Store) Officials(ctx context.Context) ([]store.Official, error) {
	out := []store.Official{}
	err := s.view(ctx, "list officials", func(tx *bolt.Tx) error {
		return forEachJSON(tx.Bucket(bucketOfficials), func(o store.Official) error {
			out = append(out, o)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
