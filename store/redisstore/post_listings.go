package redisstore

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// LatestPosts returns up to limit posts newest first by PublishedAt (at
// millisecond precision; ties newest id first). With a city it merges that
// city's index with the AllCities one. Each index is read only up to limit
// entries, so the cost does not grow with the number of posts.
func (s *Store) LatestPosts(ctx context.Context, city string, limit int) ([]store.Post, error) {
	op := fmt.Sprintf("latest posts city=%q limit=%d", city, limit)
	if limit <= 0 {
		return []store.Post{}, nil
	}
	indexes := []string{s.k.postsByTime()}
	if cities := store.ListedCities(city); cities != nil {
		indexes = mapSlice(cities, s.k.cityPosts)
	}
	posts, err := s.query(ctx, indexes, limit, func(key string) redis.ZRangeArgs {
		return redis.ZRangeArgs{Key: key, Start: 0, Stop: limit - 1, Rev: true}
	}, func(a, b redis.Z) int {
		return -compareZ(a, b)
	})
	return posts, wrapErr(err, op)
}

// UpcomingEvents implements store.Posts.
func (s *Store) UpcomingEvents(ctx context.Context, city string, from time.Time, limit int) ([]store.Post, error) {
	op := fmt.Sprintf("upcoming events city=%q limit=%d", city, limit)
	if limit <= 0 {
		return []store.Post{}, nil
	}
	indexes := []string{s.k.eventsByStart()}
	if cities := store.ListedCities(city); cities != nil {
		indexes = mapSlice(cities, s.k.cityEvents)
	}
	start := minScore(from)
	posts, err := s.query(ctx, indexes, limit, func(key string) redis.ZRangeArgs {
		return redis.ZRangeArgs{Key: key, Start: start, Stop: "+inf", ByScore: true, Count: int64(limit)}
	}, compareZ)
	return posts, wrapErr(err, op)
}

// EventsStartingBetween reads the events:bystart index from from to to (at
// millisecond precision) and loads the posts with one MGET; ties come
// lowest id first.
func (s *Store) EventsStartingBetween(ctx context.Context, from, to time.Time) ([]store.Post, error) {
	op := fmt.Sprintf("events starting between %s and %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	lo, hi := minScore(from), minScore(to) // score >= from  <=>  score >= lo; score < to  <=>  score < hi
	if lo >= hi {
		return []store.Post{}, nil
	}
	posts, err := s.query(ctx, []string{s.k.eventsByStart()}, math.MaxInt, func(key string) redis.ZRangeArgs {
		return redis.ZRangeArgs{
			Key:     key,
			Start:   strconv.FormatInt(lo, 10),
			Stop:    "(" + strconv.FormatInt(hi, 10),
			ByScore: true,
		}
	}, compareZ)
	return posts, wrapErr(err, op)
}

// minScore is the lowest score of a time at or after t: t rounded up to a
// whole millisecond, since a score S (whole ms) is >= t exactly when it is
// >= t rounded up.
func minScore(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.After(time.UnixMilli(ms)) {
		ms++
	}
	return ms
}

// compareZ orders index entries by score, then by member (the padded id).
func compareZ(a, b redis.Z) int {
	if c := cmp.Compare(a.Score, b.Score); c != 0 {
		return c
	}
	return cmp.Compare(a.Member.(string), b.Member.(string))
}

// query reads up to limit entries from each index in one round trip, merges
// them in order (each index comes back sorted by order already), and loads
// the first limit posts with one MGET.
func (s *Store) query(ctx context.Context, indexes []string, limit int,
	args func(key string) redis.ZRangeArgs, order func(a, b redis.Z) int) ([]store.Post, error) {
	cmds := make([]*redis.ZSliceCmd, len(indexes))
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, key := range indexes {
			cmds[i] = pipe.ZRangeArgsWithScores(ctx, args(key))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	lists := make([][]redis.Z, len(cmds))
	for i, c := range cmds {
		lists[i] = c.Val()
	}
	merged := mergeZ(lists, order, limit)
	if len(merged) == 0 {
		return []store.Post{}, nil
	}
	keys := make([]string, len(merged))
	for i, z := range merged {
		id, err := parseMember(z.Member.(string))
		if err != nil {
			return nil, fmt.Errorf("bad index member %q: %w", z.Member, err)
		}
		keys[i] = s.k.post(id)
	}
	// Record and indexes change together, so a missing record was written
	// by something else than this package: it is skipped rather than fail
	// the whole listing.
	return mgetJSON[store.Post](ctx, s.rdb, keys)
}

// mergeZ merges sorted lists into one sorted list of at most limit
// distinct members.
func mergeZ(lists [][]redis.Z, order func(a, b redis.Z) int, limit int) []redis.Z {
	total := 0
	for _, l := range lists {
		total += len(l)
	}
	// Size by what was read, not by limit, which callers may set huge.
	out := make([]redis.Z, 0, min(limit, total))
	seen := make(map[string]bool, min(limit, total))
	pos := make([]int, len(lists))
	for len(out) < limit {
		best := -1
		for i, l := range lists {
			if pos[i] < len(l) && (best < 0 || order(l[pos[i]], lists[best][pos[best]]) < 0) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		z := lists[best][pos[best]]
		pos[best]++
		if m := z.Member.(string); !seen[m] {
			seen[m] = true
			out = append(out, z)
		}
	}
	return out
}

// mapSlice applies f to every element.
func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
