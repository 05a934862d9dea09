package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// TransitionPost implements store.Workflow: check, change, indexes, cause
// and audit entry in one transaction (bbolt serializes writers, so two
// officials tapping at once are checked one after the other).
func (s *Store) TransitionPost(ctx context.Context, id int64, t store.Transition, c store.Change) (store.Post, bool, error) {
	op := fmt.Sprintf("transition post %d %s→%s (cause %q)", id, t.From, t.To, c.Cause)
	if c.Cause == "" {
		return store.Post{}, false, fmt.Errorf("boltstore: %s: empty cause", op)
	}
	var saved store.Post
	var applied bool
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		applied = false
		now := s.now()
		if _, done, err := getCause(tx, c.Cause, now); err != nil || done {
			saved = postOrID(tx, id)
			return err
		}
		var p store.Post
		found, err := getJSON(tx.Bucket(bucketPosts), i64(id), &p)
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		q, err := p.Apply(t)
		if err != nil {
			saved = p
			return err
		}
		if _, err := putPost(tx, q, true); err != nil {
			return err
		}
		if err := putExpiring(tx, causeKey(c.Cause), i64(id), now.Add(store.CauseTTL), now); err != nil {
			return err
		}
		if c.Audit.Action != "" {
			entry := c.Audit
			entry.PostID = id
			if err := appendAudit(tx, entry, s.auditCap); err != nil {
				return err
			}
		}
		saved, applied = q, true
		return nil
	})
	if errors.Is(err, store.ErrStateChanged) {
		return saved, false, err
	}
	if err != nil {
		return store.Post{}, false, err
	}
	return saved, applied, nil
}

// PostsByStatus implements store.Workflow.
func (s *Store) PostsByStatus(ctx context.Context, status store.PostStatus, limit int) ([]store.Post, error) {
	op := fmt.Sprintf("posts %s limit=%d", status, limit)
	if status == store.StatusPublished || status == "" || !status.Valid() {
		return nil, fmt.Errorf("boltstore: %s: not a status of unpublished posts", op)
	}
	out := []store.Post{}
	if limit <= 0 {
		return out, nil
	}
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		sc := newScan(tx.Bucket(bucketPostsByStatus), strPrefix(string(status)), nil, false)
		var err error
		out, err = loadPosts(tx, merge([]*scan{sc}, false, limit, nil))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DuePosts implements store.Workflow.
func (s *Store) DuePosts(ctx context.Context, now time.Time, limit int) ([]store.Post, error) {
	op := fmt.Sprintf("due posts at %s limit=%d", now.Format(time.RFC3339), limit)
	out := []store.Post{}
	if limit <= 0 {
		return out, nil
	}
	// Due at or before now, in whole milliseconds like the index.
	end := i64(ms(now))
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		sc := newScan(tx.Bucket(bucketPostsDue), nil, i64(math.MinInt64), false)
		ids := merge([]*scan{sc}, false, limit, func(suffix []byte) bool {
			return bytes.Compare(suffix[:8], end) > 0
		})
		var err error
		out, err = loadPosts(tx, ids)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
