package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// TransitionPost implements store.Workflow. The cause key and the post are
// watched: two officials tapping at once run the check and the write one
// after the other, so only the first finds the post in t.From.
func (s *Store) TransitionPost(ctx context.Context, id int64, t store.Transition, c store.Change) (store.Post, bool, error) {
	op := fmt.Sprintf("transition post %d %s→%s (cause %q)", id, t.From, t.To, c.Cause)
	if c.Cause == "" {
		return store.Post{}, false, fmt.Errorf("redisstore: %s: empty cause", op)
	}
	causeKey, key := s.k.cause(c.Cause), s.k.post(id)
	var saved store.Post
	var applied bool
	err := s.watch(ctx, s.ackedTx(ctx, ackOrFail, op, func(tx *redis.Tx) error {
		applied = false
		p, found, err := getPost(ctx, tx, key)
		if err != nil {
			return err
		}
		if _, done, err := causeID(ctx, tx, causeKey); err != nil || done {
			saved = p
			if !found {
				saved = store.Post{ID: id}
			}
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
		entry := c.Audit
		entry.PostID = id
		err = s.putPost(ctx, tx, q, putOptions{mustExist: true, extra: func(pipe redis.Pipeliner) {
			pipe.Set(ctx, causeKey, id, store.CauseTTL)
			if entry.Action != "" {
				s.queueAudit(ctx, pipe, entry)
			}
		}})
		saved, applied = q, err == nil
		return err
	}), causeKey, key)
	if errors.Is(err, store.ErrStateChanged) {
		return saved, false, wrapErr(err, op)
	}
	if err != nil {
		return store.Post{}, false, wrapErr(err, op)
	}
	return saved, applied, nil
}

// PostsByStatus implements store.Workflow.
func (s *Store) PostsByStatus(ctx context.Context, status store.PostStatus, limit int) ([]store.Post, error) {
	op := fmt.Sprintf("posts %s limit=%d", status, limit)
	if status == store.StatusPublished || !status.Valid() || status == "" {
		return nil, fmt.Errorf("redisstore: %s: not a status of unpublished posts", op)
	}
	if limit <= 0 {
		return []store.Post{}, nil
	}
	posts, err := s.query(ctx, []string{s.k.statusPosts(status)}, limit, func(key string) redis.ZRangeArgs {
		return redis.ZRangeArgs{Key: key, Start: 0, Stop: limit - 1}
	}, compareZ)
	return posts, wrapErr(err, op)
}

// DuePosts implements store.Workflow.
func (s *Store) DuePosts(ctx context.Context, now time.Time, limit int) ([]store.Post, error) {
	op := fmt.Sprintf("due posts at %s limit=%d", now.Format(time.RFC3339), limit)
	if limit <= 0 {
		return []store.Post{}, nil
	}
	// A score S (whole ms) is at or before now exactly when S <= now in
	// whole ms, rounded down.
	stop := strconv.FormatInt(now.UnixMilli(), 10)
	posts, err := s.query(ctx, []string{s.k.duePosts()}, limit, func(key string) redis.ZRangeArgs {
		return redis.ZRangeArgs{Key: key, Start: "-inf", Stop: stop, ByScore: true, Count: int64(limit)}
	}, compareZ)
	return posts, wrapErr(err, op)
}
