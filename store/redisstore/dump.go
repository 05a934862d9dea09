package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// The methods below let store/dump move residents' and officials' data
// between backends (partnerbot export / import). They walk the keyspace
// with SCAN, scanBatch keys per round trip, so they are meant for a
// stopped bot: records changed during the walk may be seen as they were or
// as they are. Each record is reported once, although SCAN may list a key
// twice.

// ExportSubscribers calls fn for every subscriber record.
func (s *Store) ExportSubscribers(ctx context.Context, fn func(store.Subscriber) error) error {
	return exportJSON(ctx, s, "sub:", s.k.subscriber, "subscriber", fn)
}

// ExportPosts calls fn for every post.
func (s *Store) ExportPosts(ctx context.Context, fn func(store.Post) error) error {
	return exportJSON(ctx, s, "post:", s.k.post, "post", fn)
}

// ExportUsers calls fn for every user.
func (s *Store) ExportUsers(ctx context.Context, fn func(store.User) error) error {
	return exportJSON(ctx, s, "user:", s.k.user, "user", fn)
}

// exportJSON walks the JSON records under prefix and decodes each into T.
func exportJSON[T any](ctx context.Context, s *Store, prefix string, keyOf func(int64) string, what string, fn func(T) error) error {
	err := scanValues(ctx, s, s.k.prefix+prefix, keyOf, func(_ int64, v string) error {
		var rec T
		if err := json.Unmarshal([]byte(v), &rec); err != nil {
			return fmt.Errorf("decode %s: %w", what, err)
		}
		return fn(rec)
	})
	return wrapErr(err, "export "+what+"s")
}

// ExportDigestCursors implements dump.Exporter.
func (s *Store) ExportDigestCursors(ctx context.Context, fn func(chatID int64, at time.Time) error) error {
	err := scanValues(ctx, s, s.k.prefix+"digest:cursor:", s.k.digestCursor, func(chatID int64, v string) error {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("bad cursor of %d %q: %w", chatID, v, err)
		}
		return fn(chatID, time.UnixMilli(ms).UTC())
	})
	return wrapErr(err, "export digest cursors")
}

// ExportAudit implements dump.Exporter.
func (s *Store) ExportAudit(ctx context.Context, fn func(store.AuditEntry) error) error {
	const op = "export audit log"
	vals, err := s.rdb.LRange(ctx, s.k.audit(), 0, -1).Result()
	if err != nil {
		return wrapErr(err, op)
	}
	for i, v := range slices.Backward(vals) {
		var e store.AuditEntry
		if err := json.Unmarshal([]byte(v), &e); err != nil {
			return wrapErr(fmt.Errorf("decode %s[%d]: %w", s.k.audit(), i, err), op)
		}
		if err := fn(e); err != nil {
			return wrapErr(err, op)
		}
	}
	return nil
}

// ExportSeeds implements dump.Exporter.
func (s *Store) ExportSeeds(ctx context.Context, fn func(seedKey string, postID int64) error) error {
	const op = "export seeds"
	prefix := s.k.prefix + "seed:"
	seen := map[string]bool{}
	err := scanKeys(ctx, s, prefix, func(c redis.Cmdable, keys []string) error {
		var fresh []string
		for _, k := range keys {
			if !seen[k] {
				seen[k] = true
				fresh = append(fresh, k)
			}
		}
		return mgetEach(ctx, c, fresh, func(i int, str string) error {
			id, err := strconv.ParseInt(str, 10, 64)
			if err != nil {
				return fmt.Errorf("bad seed %s=%q: %w", fresh[i], str, err)
			}
			return fn(strings.TrimPrefix(fresh[i], prefix), id)
		})
	})
	return wrapErr(err, op)
}

// LastPostID returns the highest post id handed out so far (posts:seq),
// deleted posts included.
func (s *Store) LastPostID(ctx context.Context) (int64, error) {
	id, err := s.rdb.Get(ctx, s.k.postSeq()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return id, wrapErr(err, "last post id")
}

// ImportSeed implements dump.Importer.
func (s *Store) ImportSeed(ctx context.Context, seedKey string, postID int64) error {
	op := fmt.Sprintf("import seed %q", seedKey)
	if seedKey == "" {
		return fmt.Errorf("redisstore: %s: empty seed key", op)
	}
	return wrapErr(s.rdb.Set(ctx, s.k.seed(seedKey), postID, 0).Err(), op)
}

// ImportDigestCursor implements dump.Importer.
func (s *Store) ImportDigestCursor(ctx context.Context, chatID int64, at time.Time) error {
	op := fmt.Sprintf("import digest cursor of %d", chatID)
	return wrapErr(s.rdb.Set(ctx, s.k.digestCursor(chatID), at.UnixMilli(), 0).Err(), op)
}

// RaisePostSeq implements dump.Importer.
func (s *Store) RaisePostSeq(ctx context.Context, id int64) error {
	op := fmt.Sprintf("raise post id sequence to %d", id)
	if id <= 0 {
		return nil
	}
	return wrapErr(s.rdb.Eval(ctx, bumpSeqScript, []string{s.k.postSeq()}, id).Err(), op)
}

// scanKeys calls fn with each batch of keys starting with prefix, on every
// master that SCAN must visit.
func scanKeys(ctx context.Context, s *Store, prefix string, fn func(c redis.Cmdable, keys []string) error) error {
	return s.scanMatch(ctx, globEscape(prefix)+"*", fn)
}

// scanValues calls fn with the id and value of every key that is
// prefix+{id} for an int64 id, exactly as keyOf(id) builds it (so keys of
// a longer prefix, such as "posts:seq" for "post:", are left out), each
// id once.
func scanValues(ctx context.Context, s *Store, prefix string, keyOf func(int64) string,
	fn func(id int64, value string) error) error {
	seen := map[int64]bool{}
	return scanKeys(ctx, s, prefix, func(c redis.Cmdable, keys []string) error {
		var ids []int64
		var fresh []string
		for _, k := range keys {
			id, err := strconv.ParseInt(strings.TrimPrefix(k, prefix), 10, 64)
			if err != nil || keyOf(id) != k || seen[id] {
				continue
			}
			seen[id] = true
			ids = append(ids, id)
			fresh = append(fresh, k)
		}
		return mgetEach(ctx, c, fresh, func(i int, str string) error {
			if err := fn(ids[i], str); err != nil {
				return fmt.Errorf("%s: %w", fresh[i], err)
			}
			return nil
		})
	})
}
