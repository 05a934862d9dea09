package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// bumpSeqScript raises posts:seq to ARGV[1] unless it is already higher, so
// ids assigned later never collide with a post stored under an explicit id.
// It runs inside MULTI, hence EVAL rather than EVALSHA: a NOSCRIPT error
// there would fail the whole transaction. Migrate raises the layout version
// with it too.
const bumpSeqScript = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local id = tonumber(ARGV[1])
if cur < id then redis.call('SET', KEYS[1], ARGV[1]) end
return 0`

// CreatePost stores p under a new id from posts:seq, or under p.ID when it
// is not zero; storing under the id of an existing post replaces that post
// and its index entries. It returns p with its id.
func (s *Store) CreatePost(ctx context.Context, p store.Post) (store.Post, error) {
	if p.ID < 0 {
		return store.Post{}, fmt.Errorf("redisstore: create post: invalid id %d", p.ID)
	}
	explicit := p.ID != 0
	if !explicit {
		// Taken outside the transaction: ids only need to be unique and
		// increasing, and a failed write merely leaves a gap.
		id, err := s.rdb.Incr(ctx, s.k.postSeq()).Result()
		if err != nil {
			return store.Post{}, wrapErr(err, "create post: next id")
		}
		p.ID = id
	}
	// Under an explicit id a retry puts the same post again; under a new
	// id it would create a second one.
	op := fmt.Sprintf("create post %d", p.ID)
	err := s.watch(ctx, s.ackedTx(ctx, keyedOr(explicit), op, func(tx *redis.Tx) error {
		return s.putPost(ctx, tx, p, putOptions{bumpSeq: explicit})
	}), s.k.post(p.ID))
	if err != nil {
		return store.Post{}, wrapErr(err, op)
	}
	return p, nil
}

// SeedPost stores p once per p.SeedKey. WATCH on the seed key makes
// concurrent seeds of the same key create a single post: the losers' EXEC
// fails, and their retry finds the key set.
func (s *Store) SeedPost(ctx context.Context, p store.Post) (created bool, err error) {
	op := fmt.Sprintf("seed post %q", p.SeedKey)
	if p.SeedKey == "" {
		return false, fmt.Errorf("redisstore: %s: empty seed key", op)
	}
	if p.ID < 0 {
		return false, fmt.Errorf("redisstore: %s: invalid id %d", op, p.ID)
	}
	seedKey := s.k.seed(p.SeedKey)
	err = s.watch(ctx, s.ackedTx(ctx, ackOrFail, op, func(tx *redis.Tx) error {
		created = false
		n, err := tx.Exists(ctx, seedKey).Result()
		if err != nil || n > 0 {
			return err
		}
		q := p
		if q.ID == 0 {
			if q.ID, err = tx.Incr(ctx, s.k.postSeq()).Result(); err != nil {
				return err
			}
		}
		err = s.putPost(ctx, tx, q, putOptions{bumpSeq: p.ID != 0, extra: func(pipe redis.Pipeliner) {
			pipe.Set(ctx, seedKey, q.ID, 0)
		}})
		created = err == nil
		return err
	}), seedKey)
	if err != nil {
		return false, wrapErr(err, op)
	}
	return created, nil
}

// UpdatePost implements store.Posts.
func (s *Store) UpdatePost(ctx context.Context, p store.Post) error {
	op := fmt.Sprintf("update post %d", p.ID)
	if p.ID <= 0 {
		return notFound(op)
	}
	err := s.watch(ctx, s.ackedTx(ctx, ackOrFail, op, func(tx *redis.Tx) error {
		return s.putPost(ctx, tx, p, putOptions{mustExist: true})
	}), s.k.post(p.ID))
	return wrapErr(err, op)
}

// SetChannelRef implements store.Posts.
func (s *Store) SetChannelRef(ctx context.Context, id int64, ref *store.ChannelRef) error {
	op := fmt.Sprintf("set channel of post %d", id)
	key := s.k.post(id)
	err := s.watch(ctx, s.ackedTx(ctx, ackOrFail, op, func(tx *redis.Tx) error {
		p, found, err := getPost(ctx, tx, key)
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		p.Channel = ref
		data, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.Set(ctx, key, data, 0)
			return nil
		})
		return err
	}), key)
	return wrapErr(err, op)
}

// DeletePost implements store.Posts.
func (s *Store) DeletePost(ctx context.Context, id int64) error {
	op := fmt.Sprintf("delete post %d", id)
	key := s.k.post(id)
	err := s.watch(ctx, func(tx *redis.Tx) error {
		old, found, err := getPost(ctx, tx, key)
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			s.unindexPost(ctx, pipe, old)
			pipe.Del(ctx, key)
			return nil
		})
		return err
	}, key)
	return wrapErr(err, op)
}

// putOptions tunes putPost.
type putOptions struct {
	// bumpSeq raises posts:seq to the post's id.
	bumpSeq bool
	// mustExist fails with store.ErrNotFound when there is no post to
	// replace.
	mustExist bool
	// extra queues more writes into the transaction.
	extra func(redis.Pipeliner)
}

// putPost writes p (whose id is final) within the optimistic transaction
// tx: it watches the post's key, reads the previous version so its stale
// index entries can be dropped, and then writes the record, the indexes and
// whatever o asks for in one MULTI/EXEC.
func (s *Store) putPost(ctx context.Context, tx *redis.Tx, p store.Post, o putOptions) error {
	key := s.k.post(p.ID)
	if err := tx.Watch(ctx, key).Err(); err != nil {
		return err
	}
	old, found, err := getPost(ctx, tx, key)
	if err != nil {
		return err
	}
	if o.mustExist && !found {
		return store.ErrNotFound
	}
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		if found {
			s.unindexPost(ctx, pipe, old)
		}
		pipe.Set(ctx, key, data, 0)
		s.indexPost(ctx, pipe, p)
		if o.bumpSeq {
			pipe.Eval(ctx, bumpSeqScript, []string{s.k.postSeq()}, p.ID)
		}
		if o.extra != nil {
			o.extra(pipe)
		}
		return nil
	})
	return err
}

// postIndexes lists the index entries of p: key and score. The listings
// residents read hold only the posts store.Post.Visible allows; the others
// are listed by status.
func (s *Store) postIndexes(p store.Post) []redis.Z {
	var out []redis.Z
	add := func(key string, t time.Time) { out = append(out, redis.Z{Member: key, Score: timeScore(t)}) }
	if p.Visible() {
		add(s.k.postsByTime(), p.PublishedAt)
		add(s.k.cityPosts(p.City), p.PublishedAt)
		add(s.k.kindPosts(p.Kind), p.PublishedAt)
		if p.IsDatedEvent() {
			add(s.k.eventsByStart(), *p.StartsAt)
			add(s.k.cityEvents(p.City), *p.StartsAt)
		}
	} else {
		add(s.k.statusPosts(p.State()), p.WaitingOrder())
	}
	if due, ok := p.DueAt(); ok {
		add(s.k.duePosts(), due)
	}
	return out
}

// indexPost queues the index entries of p.
func (s *Store) indexPost(ctx context.Context, pipe redis.Pipeliner, p store.Post) {
	m := postMember(p.ID)
	for _, ix := range s.postIndexes(p) {
		pipe.ZAdd(ctx, ix.Member.(string), redis.Z{Score: ix.Score, Member: m})
	}
}

// unindexPost queues the removal of the index entries of p.
func (s *Store) unindexPost(ctx context.Context, pipe redis.Pipeliner, p store.Post) {
	m := postMember(p.ID)
	for _, ix := range s.postIndexes(p) {
		pipe.ZRem(ctx, ix.Member.(string), m)
	}
}

// timeScore is the zset score of a time: unix milliseconds, exact in a
// float64 for any date the bot will see.
func timeScore(t time.Time) float64 { return float64(t.UnixMilli()) }

// Post implements store.Posts.
func (s *Store) Post(ctx context.Context, id int64) (store.Post, error) {
	op := fmt.Sprintf("get post %d", id)
	p, found, err := getPost(ctx, s.rdb, s.k.post(id))
	if err != nil {
		return store.Post{}, wrapErr(err, op)
	}
	if !found {
		return store.Post{}, notFound(op)
	}
	return p, nil
}

// getPost reads and decodes one post; found is false when the key does not
// exist.
func getPost(ctx context.Context, c redis.Cmdable, key string) (p store.Post, found bool, err error) {
	data, err := c.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return store.Post{}, false, nil
	}
	if err != nil {
		return store.Post{}, false, err
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return store.Post{}, false, fmt.Errorf("decode %s: %w", key, err)
	}
	return p, true, nil
}
