package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// startRunScript stores the run ARGV[1] under KEYS[1] and indexes its key
// ARGV[3] in KEYS[2] with score ARGV[2], unless a run is stored there
// already; it returns whether it stored the run.
var startRunScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1`)

// StartRun stores r unless a run with its key exists, and returns the run
// as stored (like Run). Runs are kept for good (a few hundred small
// records a year).
func (s *Store) StartRun(ctx context.Context, r store.DigestRun) (store.DigestRun, error) {
	op := fmt.Sprintf("start run %q", r.Key)
	if r.Key == "" {
		return store.DigestRun{}, fmt.Errorf("redisstore: %s: empty key", op)
	}
	data, err := json.Marshal(r)
	if err != nil {
		return store.DigestRun{}, wrapErr(fmt.Errorf("encode: %w", err), op)
	}
	created, err := startRunScript.Run(ctx, s.rdb, []string{s.k.run(r.Key), s.k.runsByStart()},
		data, timeScore(r.StartedAt), r.Key).Int()
	if err != nil {
		return store.DigestRun{}, wrapErr(err, op)
	}
	if created == 0 {
		// Started before: read it with its counts.
		return s.Run(ctx, r.Key)
	}
	r.Sent, r.Failed = 0, 0
	return r, nil
}

// SaveRun stores r (creating it if need be) and its index entry.
func (s *Store) SaveRun(ctx context.Context, r store.DigestRun) error {
	op := fmt.Sprintf("save run %q", r.Key)
	if r.Key == "" {
		return fmt.Errorf("redisstore: %s: empty key", op)
	}
	data, err := json.Marshal(r)
	if err != nil {
		return wrapErr(fmt.Errorf("encode: %w", err), op)
	}
	_, err = s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Set(ctx, s.k.run(r.Key), data, 0)
		pipe.ZAdd(ctx, s.k.runsByStart(), redis.Z{Score: timeScore(r.StartedAt), Member: r.Key})
		return nil
	})
	return wrapErr(err, op)
}

// Run returns the run with key, with Sent and Failed from its counts
// (see CountDelivery), or store.ErrNotFound.
func (s *Store) Run(ctx context.Context, key string) (store.DigestRun, error) {
	op := fmt.Sprintf("get run %q", key)
	var (
		get    *redis.StringCmd
		counts *redis.SliceCmd
	)
	_, err := s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		get = pipe.Get(ctx, s.k.run(key))
		counts = pipe.HMGet(ctx, s.k.runCounts(key), "sent", "failed")
		return nil
	})
	if errors.Is(err, redis.Nil) {
		return store.DigestRun{}, notFound(op)
	}
	if err != nil {
		return store.DigestRun{}, wrapErr(err, op)
	}
	var r store.DigestRun
	if err := json.Unmarshal([]byte(get.Val()), &r); err != nil {
		return store.DigestRun{}, wrapErr(fmt.Errorf("decode: %w", err), op)
	}
	r.Sent, r.Failed = 0, 0 // the counts hash is the truth, not what SaveRun wrote
	for i, dst := range []*int{&r.Sent, &r.Failed} {
		str, ok := counts.Val()[i].(string)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(str)
		if err != nil {
			return store.DigestRun{}, wrapErr(fmt.Errorf("bad count %q: %w", str, err), op)
		}
		*dst = n
	}
	return r, nil
}

// countDeliveryScript adds one to field ARGV[1] of the counts KEYS[2] of
// the run KEYS[1]; it returns 0 when there is no such run.
var countDeliveryScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
return 1`)

// CountDelivery adds a settled message to the counts of the run runKey,
// or is store.ErrNotFound when there is no such run. The counts live in
// their own hash, so SaveRun of a run read before does not lose them;
// Run fills Sent and Failed from it.
func (s *Store) CountDelivery(ctx context.Context, runKey string, sent bool) error {
	op := fmt.Sprintf("count delivery of run %q sent=%t", runKey, sent)
	field := "failed"
	if sent {
		field = "sent"
	}
	n, err := countDeliveryScript.Run(ctx, s.rdb, []string{s.k.run(runKey), s.k.runCounts(runKey)}, field).Int()
	if err != nil {
		return wrapErr(err, op)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// LastRun returns the run with the latest StartedAt (at millisecond
// precision), or store.ErrNotFound.
func (s *Store) LastRun(ctx context.Context) (store.DigestRun, error) {
	const op = "last run"
	keys, err := s.rdb.ZRevRange(ctx, s.k.runsByStart(), 0, 0).Result()
	if err != nil {
		return store.DigestRun{}, wrapErr(err, op)
	}
	if len(keys) == 0 {
		return store.DigestRun{}, notFound(op)
	}
	return s.Run(ctx, keys[0])
}

// ActiveSubscribersAfter pages through the subs:active index by score
// (the chat id), reading the page's records with one MGET. A record that
// is gone or inactive by the time it is read is skipped, and the next part
// of the index read, so a page comes back short only at the end.
func (s *Store) ActiveSubscribersAfter(ctx context.Context, after int64, limit int) ([]store.Subscriber, error) {
	op := fmt.Sprintf("active subscribers after %d limit=%d", after, limit)
	if err := s.ensureMigrated(ctx); err != nil {
		return nil, err
	}
	out, err := s.pageIndex(ctx, s.k.activeSubscribers(), after, limit, func(store.Subscriber) bool { return true })
	return out, wrapErr(err, op)
}

// pageIndex reads up to limit active subscribers after the chat id after
// from the index zset key (member and score the chat id), keeping those
// keep accepts; see ActiveSubscribersAfter. The caller has migrated the
// layout (ensureMigrated).
func (s *Store) pageIndex(ctx context.Context, key string, after int64, limit int, keep func(store.Subscriber) bool) ([]store.Subscriber, error) {
	out := []store.Subscriber{}
	if limit <= 0 || after == math.MaxInt64 {
		return out, nil
	}
	for len(out) < limit {
		want := limit - len(out)
		members, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
			Key:     key,
			Start:   "(" + strconv.FormatInt(after, 10),
			Stop:    "+inf",
			ByScore: true,
			Count:   int64(want),
		}).Result()
		if err != nil {
			return nil, err
		}
		if len(members) == 0 {
			break
		}
		ids := make([]int64, len(members))
		keys := make([]string, len(members))
		for i, m := range members {
			if ids[i], err = parseMember(m); err != nil {
				return nil, fmt.Errorf("bad member %q: %w", m, err)
			}
		}
		// See CitySubscribers: scores order the ids exactly below 2^53.
		slices.Sort(ids)
		for i, id := range ids {
			keys[i] = s.k.subscriber(id)
		}
		err = mgetEach(ctx, s.rdb, keys, func(i int, str string) error {
			var sub store.Subscriber
			if err := json.Unmarshal([]byte(str), &sub); err != nil {
				return fmt.Errorf("decode %s: %w", keys[i], err)
			}
			if sub.Active && sub.ChatID == ids[i] && keep(sub) {
				out = append(out, sub)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		after = ids[len(ids)-1]
		if len(members) < want {
			break
		}
	}
	return out, nil
}

// DigestCursors reads the cursors of chatIDs with one MGET.
func (s *Store) DigestCursors(ctx context.Context, chatIDs []int64) (map[int64]time.Time, error) {
	op := fmt.Sprintf("digest cursors of %d chats", len(chatIDs))
	out := make(map[int64]time.Time, len(chatIDs))
	keys := make([]string, len(chatIDs))
	for i, id := range chatIDs {
		keys[i] = s.k.digestCursor(id)
	}
	err := mgetEach(ctx, s.rdb, keys, func(i int, str string) error {
		ms, err := strconv.ParseInt(str, 10, 64)
		if err != nil {
			return fmt.Errorf("bad cursor %s=%q: %w", keys[i], str, err)
		}
		out[chatIDs[i]] = time.UnixMilli(ms).UTC()
		return nil
	})
	if err != nil {
		return nil, wrapErr(err, op)
	}
	return out, nil
}

// MarkOnce sets the flag once:{key} unless it is set (SET NX PX); a ttl
// <= 0 keeps it forever.
func (s *Store) MarkOnce(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	op := fmt.Sprintf("mark once %q", key)
	if key == "" {
		return false, fmt.Errorf("redisstore: %s: empty key", op)
	}
	ttl = max(0, ttl)
	if ttl > 0 && ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	ok, err := s.rdb.SetNX(ctx, s.k.once(key), 1, ttl).Result()
	if err != nil {
		return false, wrapErr(err, op)
	}
	return ok, nil
}
