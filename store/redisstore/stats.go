package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// scanBatch is the COUNT hint of SCAN and ZSCAN: how many keys (and so
// records) one round trip handles, which bounds the memory of a full pass.
const scanBatch = 500

// SubscriberStats counts every subscriber record. It walks the records with
// SCAN, scanBatch at a time, reading each batch with one MGET, so memory
// stays flat however many chats there are (apart from the set of chat ids
// seen, which SCAN's possible repeats require). Records changed during the
// walk may be counted as they were or as they are.
func (s *Store) SubscriberStats(ctx context.Context) (store.SubscriberStats, error) {
	const op = "subscriber stats"
	st := store.SubscriberStats{
		PerCity: map[string]int{},
		PerLang: map[store.Lang]int{},
		PerFreq: map[store.Frequency]int{},
	}
	// SCAN may return a key twice; count each chat once.
	seen := make(map[int64]struct{})
	err := s.scanSubscribers(ctx, func(c redis.Cmdable, found []string, ids []int64) error {
		keys := make([]string, 0, len(found))
		for i, key := range found {
			if _, dup := seen[ids[i]]; dup {
				continue
			}
			seen[ids[i]] = struct{}{}
			keys = append(keys, key)
		}
		return countSubscribers(ctx, c, keys, &st)
	})
	if err != nil {
		return store.SubscriberStats{}, wrapErr(err, op)
	}
	return st, nil
}

// countSubscribers reads the records of keys and adds them to st.
func countSubscribers(ctx context.Context, c redis.Cmdable, keys []string, st *store.SubscriberStats) error {
	return mgetEach(ctx, c, keys, func(i int, str string) error {
		var sub store.Subscriber
		if err := json.Unmarshal([]byte(str), &sub); err != nil {
			return fmt.Errorf("decode %s: %w", keys[i], err)
		}
		st.Count(sub)
		return nil
	})
}

// CountPosts counts, for every kind in store.Kinds(), the posts published at
// or after since (at millisecond precision), with one ZCOUNT per kind. The
// map holds every kind, zero or not.
func (s *Store) CountPosts(ctx context.Context, since time.Time) (map[store.Kind]int, error) {
	op := fmt.Sprintf("count posts since %s", since.Format(time.RFC3339))
	if err := s.ensureMigrated(ctx); err != nil {
		return nil, err
	}
	start := strconv.FormatInt(minScore(since), 10)
	cmds := make([]*redis.IntCmd, len(store.Kinds()))
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, k := range store.Kinds() {
			cmds[i] = pipe.ZCount(ctx, s.k.kindPosts(k), start, "+inf")
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr(err, op)
	}
	counts := make(map[store.Kind]int, len(store.Kinds()))
	for i, k := range store.Kinds() {
		counts[k] = int(cmds[i].Val())
	}
	return counts, nil
}

// layoutVersion is the version of the key layout this package writes,
// stored under keys.layout by Migrate. Version 1 (no layout key) lacked the
// posts:kind:{kind} indexes; version 2 lacked subs:active, version 3
// subs:inactive, version 4 the zone indexes (zone:{name}:subs, zones);
// version 5 kept its keys under legacyPrefix "partnerbot:", without the
// hash tag of DefaultPrefix "{partnerbot}:"; version 6 had no personal
// stream (outbox:personal). That stream needs no migration: a missing
// stream reads as an empty one, and the consumer group is made on it the
// first time a read finds it missing, as for outbox. A replica of layout
// 6 still running next to newer ones neither reads it nor writes to it
// (its office messages go to outbox, which the newer ones read too); a
// delayed personal message it promotes goes to outbox. Going back to a
// release of layout 6 leaves the messages still in outbox:personal
// unsent until a newer release runs again.
const layoutVersion = 7

// Migrate brings data written by earlier versions of this package up to
// the current layout: it moves the keys of the legacy prefix to the
// current one (moveLegacyKeys), indexes by kind the posts stored before
// that index existed, and so on. It does the work once per database (the
// layout key records it), is idempotent, resumable after a crash and safe
// while the bot runs, or while another replica migrates too. CountPosts
// calls it on its first use; calling it at startup moves that cost there.
//
// Upgrading from layout 5 or older moves every key, so stop the replicas
// of the older version before starting the new one: an old replica still
// running writes under the legacy prefix, where the new ones no longer
// read.
//
// On a Redis Cluster it fails unless the prefix holds a hash tag (see
// hasHashTag), since the transactions would fail with CROSSSLOT later.
func (s *Store) Migrate(ctx context.Context) error {
	const op = "migrate"
	if _, ok := s.rdb.(*redis.ClusterClient); ok && !hasHashTag(s.k.prefix) {
		return fmt.Errorf("redisstore: %s: key prefix %q has no hash tag such as {partnerbot}, "+
			"which Redis Cluster needs to keep the store's keys in one slot", op, s.k.prefix)
	}
	v, err := s.layoutVersion(ctx)
	if err != nil {
		return wrapErr(err, op)
	}
	if v < 6 {
		// The legacy layout key moves too: read the version again, so
		// the steps below see the version the legacy keys were at.
		if err := s.moveLegacyKeys(ctx); err != nil {
			return wrapErr(err, op+": move keys to prefix "+s.k.prefix)
		}
		if v, err = s.layoutVersion(ctx); err != nil {
			return wrapErr(err, op)
		}
	}
	if v < 2 {
		if err := s.indexKinds(ctx); err != nil {
			return wrapErr(err, op+": index posts by kind")
		}
	}
	if v < 4 { // 3: subs:active; 4: subs:inactive
		if err := s.RebuildActiveIndex(ctx); err != nil {
			return wrapErr(err, op+": index active subscribers")
		}
	}
	if v < 5 {
		if err := s.RebuildZoneIndex(ctx); err != nil {
			return wrapErr(err, op+": index subscribers by time zone")
		}
	}
	if v < layoutVersion {
		// Never lowers a version a newer release wrote.
		err := s.rdb.Eval(ctx, bumpSeqScript, []string{s.k.layout()}, layoutVersion).Err()
		if err != nil {
			return wrapErr(err, op)
		}
	}
	s.migrated.Store(true)
	return nil
}

// layoutVersion reads the layout key; a database without one is at
// version 1 (or empty, which every step leaves as it is).
func (s *Store) layoutVersion(ctx context.Context) (int, error) {
	v, err := s.rdb.Get(ctx, s.k.layout()).Int()
	if errors.Is(err, redis.Nil) {
		return 1, nil
	}
	return v, err
}

// ensureMigrated runs Migrate unless it succeeded before on this Store.
func (s *Store) ensureMigrated(ctx context.Context) error {
	if s.migrated.Load() {
		return nil
	}
	return s.Migrate(ctx)
}

// indexKinds adds every post listed in posts:bytime to the index of its
// kind, scanBatch posts per transaction. Each batch watches its posts, so
// a post updated or deleted meanwhile is not indexed as it was.
func (s *Store) indexKinds(ctx context.Context) error {
	return s.scanIndex(ctx, s.k.postsByTime(), func(ids []int64) error {
		if len(ids) == 0 {
			return nil
		}
		keys := make([]string, len(ids))
		for i, id := range ids {
			keys[i] = s.k.post(id)
		}
		return s.watch(ctx, func(tx *redis.Tx) error {
			vals, err := tx.MGet(ctx, keys...).Result()
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
				for i, v := range vals {
					str, ok := v.(string)
					if !ok {
						continue
					}
					var p store.Post
					if err := json.Unmarshal([]byte(str), &p); err != nil {
						return fmt.Errorf("decode %s: %w", keys[i], err)
					}
					pipe.ZAdd(ctx, s.k.kindPosts(p.Kind), redis.Z{
						Score: timeScore(p.PublishedAt), Member: postMember(p.ID),
					})
				}
				return nil
			})
			return err
		}, keys...)
	})
}
