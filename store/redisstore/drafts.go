package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// SaveDraft stores d as the draft of d.UserID, expiring after ttl (rounded
// up to a whole millisecond, Redis's precision). ttl must be positive: a
// draft that never expires would never clean up.
func (s *Store) SaveDraft(ctx context.Context, d store.Draft, ttl time.Duration) error {
	op := fmt.Sprintf("save draft of %d", d.UserID)
	if ttl <= 0 {
		return fmt.Errorf("redisstore: %s: ttl %v is not positive", op, ttl)
	}
	data, err := json.Marshal(d)
	if err != nil {
		return wrapErr(fmt.Errorf("encode: %w", err), op)
	}
	if r := ttl % time.Millisecond; r != 0 {
		ttl += time.Millisecond - r
	}
	return wrapErr(s.rdb.Set(ctx, s.k.draft(d.UserID), data, ttl).Err(), op)
}

// Draft returns the draft of userID, or store.ErrNotFound when there is
// none or it expired.
func (s *Store) Draft(ctx context.Context, userID int64) (store.Draft, error) {
	op := fmt.Sprintf("get draft of %d", userID)
	var d store.Draft
	found, err := getJSON(ctx, s.rdb, s.k.draft(userID), &d)
	if err != nil {
		return store.Draft{}, wrapErr(err, op)
	}
	if !found {
		return store.Draft{}, notFound(op)
	}
	return d, nil
}

// DeleteDraft implements store.Drafts.
func (s *Store) DeleteDraft(ctx context.Context, userID int64) error {
	op := fmt.Sprintf("delete draft of %d", userID)
	return wrapErr(s.rdb.Del(ctx, s.k.draft(userID)).Err(), op)
}
