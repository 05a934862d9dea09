package boltstore

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// PublishPost creates p under a new id and appends c.Audit, once per
// c.Cause: the cause is recorded in the same transaction as the post.
func (s *Store) PublishPost(ctx context.Context, p store.Post, c store.Change) (store.Post, bool, error) {
	op := fmt.Sprintf("publish post (cause %q)", c.Cause)
	if c.Cause == "" {
		return store.Post{}, false, fmt.Errorf("boltstore: %s: empty cause", op)
	}
	var saved store.Post
	var created bool
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		created = false
		now := s.now()
		if id, done, err := getCause(tx, c.Cause, now); err != nil || done {
			saved = postOrID(tx, id)
			return err
		}
		q := p
		q.ID = 0
		q, err := putPost(tx, q, false)
		if err != nil {
			return err
		}
		if err := s.applyChange(tx, c, q.ID, now); err != nil {
			return err
		}
		saved, created = q, true
		return nil
	})
	if err != nil {
		return store.Post{}, false, err
	}
	return saved, created, nil
}

// EditPost implements store.Publishing.
func (s *Store) EditPost(ctx context.Context, p store.Post, c store.Change) (bool, error) {
	op := fmt.Sprintf("edit post %d (cause %q)", p.ID, c.Cause)
	if c.Cause == "" {
		return false, fmt.Errorf("boltstore: %s: empty cause", op)
	}
	if p.ID <= 0 {
		return false, notFound(op)
	}
	var applied, notices bool
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		applied, notices = false, false
		now := s.now()
		if _, done, err := getCause(tx, c.Cause, now); err != nil || done {
			return err
		}
		// Where the post stands and its channel reference belong to
		// TransitionPost and SetChannelRef, not to the edit; only the
		// domain's rule (store.Post.Edited) may send it back for approval.
		var old store.Post
		if _, err := getJSON(tx.Bucket(bucketPosts), i64(p.ID), &old); err != nil {
			return err
		}
		q, entry := p.Edited(old, c)
		if _, err := putPost(tx, q, true); err != nil {
			return err
		}
		// An event's attendees hear of a new time or place, and new places
		// go to its waiting list, in this same transaction.
		var err error
		if notices, err = s.editList(tx, old, q, c.Audit.At); err != nil {
			return err
		}
		applied = true
		return s.applyChange(tx, store.Change{Cause: c.Cause, Audit: entry}, p.ID, now)
	})
	if err == nil && notices {
		s.ready.broadcast()
	}
	return applied, err
}

// RemovePost implements store.Publishing.
func (s *Store) RemovePost(ctx context.Context, id int64, c store.Change) (store.Post, bool, error) {
	op := fmt.Sprintf("remove post %d (cause %q)", id, c.Cause)
	if c.Cause == "" {
		return store.Post{}, false, fmt.Errorf("boltstore: %s: empty cause", op)
	}
	var old store.Post
	var applied, notices bool
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		applied, notices = false, false
		now := s.now()
		if _, done, err := getCause(tx, c.Cause, now); err != nil || done {
			old = store.Post{ID: id}
			return err
		}
		var err error
		if old, err = deletePost(tx, id); err != nil {
			return err
		}
		if notices, err = s.deleteList(tx, old, c.Audit.At); err != nil {
			return err
		}
		applied = true
		return s.applyChange(tx, c, id, now)
	})
	if err != nil {
		return store.Post{}, false, err
	}
	if notices {
		s.ready.broadcast()
	}
	return old, applied, nil
}

// applyChange records the cause of a change to post id and its audit entry.
func (s *Store) applyChange(tx *bolt.Tx, c store.Change, id int64, now time.Time) error {
	if err := putExpiring(tx, causeKey(c.Cause), i64(id), now.Add(store.CauseTTL), now); err != nil {
		return err
	}
	entry := c.Audit
	entry.PostID = id
	return appendAudit(tx, entry, s.auditCap)
}

// getCause reads a recorded cause: the id of the post its change concerned.
func getCause(tx *bolt.Tx, cause string, now time.Time) (id int64, done bool, err error) {
	v, found, err := getExpiring(tx, causeKey(cause), now)
	if err != nil || !found {
		return 0, false, err
	}
	id, err = decodeI64(v)
	if err != nil {
		return 0, false, fmt.Errorf("bad cause %q: %w", cause, err)
	}
	return id, true, nil
}

// postOrID returns the post with id, or a post holding only the id when it
// has been deleted since (or cannot be read).
func postOrID(tx *bolt.Tx, id int64) store.Post {
	var p store.Post
	if found, err := getJSON(tx.Bucket(bucketPosts), i64(id), &p); err != nil || !found {
		return store.Post{ID: id}
	}
	return p
}

// SaveMemo implements store.Memos.
func (s *Store) SaveMemo(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	op := fmt.Sprintf("save memo %q", key)
	if ttl <= 0 {
		return fmt.Errorf("boltstore: %s: ttl %v is not positive", op, ttl)
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		now := s.now()
		return putExpiring(tx, memoKey(key), value, now.Add(ttl), now)
	})
}

// Memo implements store.Memos.
func (s *Store) Memo(ctx context.Context, key string) ([]byte, error) {
	op := fmt.Sprintf("get memo %q", key)
	var out []byte
	var found bool
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		v, ok, err := getExpiring(tx, memoKey(key), s.now())
		out, found = clone(v), ok
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, notFound(op)
	}
	return out, nil
}

// DeleteMemo implements store.Memos.
func (s *Store) DeleteMemo(ctx context.Context, key string) error {
	op := fmt.Sprintf("delete memo %q", key)
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		memos := tx.Bucket(bucketMemos)
		k := memoKey(key)
		if v := memos.Get(k); len(v) >= 8 {
			exp, _ := decodeI64(v)
			if err := tx.Bucket(bucketMemosByExpiry).Delete(expiryKey(exp, string(k))); err != nil {
				return err
			}
		}
		return memos.Delete(k)
	})
}

// putExpiring stores value under key until expires, sweeping a few records
// that expired before now so the bucket does not grow with stale ones.
func putExpiring(tx *bolt.Tx, key, value []byte, expires, now time.Time) error {
	memos, byExpiry := tx.Bucket(bucketMemos), tx.Bucket(bucketMemosByExpiry)
	if err := sweepOnce(memos, byExpiry, now.UnixNano()); err != nil {
		return err
	}
	if old := memos.Get(key); len(old) >= 8 {
		exp, _ := decodeI64(old)
		if err := byExpiry.Delete(expiryKey(exp, string(key))); err != nil {
			return err
		}
	}
	exp := expires.UnixNano()
	if err := byExpiry.Put(expiryKey(exp, string(key)), nil); err != nil {
		return err
	}
	return memos.Put(key, append(i64(exp), value...))
}

// getExpiring returns the value under key unless it expired; the slice is
// only valid within tx.
func getExpiring(tx *bolt.Tx, key []byte, now time.Time) ([]byte, bool, error) {
	v := tx.Bucket(bucketMemos).Get(key)
	if v == nil {
		return nil, false, nil
	}
	exp, err := decodeI64(v)
	if err != nil {
		return nil, false, fmt.Errorf("bad memo %q: %w", key, err)
	}
	if now.UnixNano() >= exp {
		return nil, false, nil
	}
	return v[8:], true, nil
}

// EnqueueEach adds every message whose Dedupe key is not set yet, setting
// it for ttl, in one transaction.
func (s *Store) EnqueueEach(ctx context.Context, ttl time.Duration, msgs ...store.OutboxMessage) (int, error) {
	op := fmt.Sprintf("enqueue %d messages each once", len(msgs))
	if len(msgs) == 0 {
		return 0, nil
	}
	if ttl <= 0 {
		return 0, fmt.Errorf("boltstore: %s: ttl %v is not positive", op, ttl)
	}
	for i, m := range msgs {
		if m.Dedupe == "" {
			return 0, fmt.Errorf("boltstore: %s: message %d has no dedupe key", op, i)
		}
	}
	n := 0
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		n = 0
		now := s.now()
		for _, m := range msgs {
			set, err := setOnce(tx, m.Dedupe, ttl, now)
			if err != nil {
				return err
			}
			if !set {
				continue
			}
			if err := s.enqueue(tx, []store.OutboxMessage{m}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		s.ready.broadcast()
	}
	return n, nil
}
