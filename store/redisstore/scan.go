package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/partnerbot/partnerbot/store"
	"github.com/redis/go-redis/v9"
)

// scanClients returns the clients a SCAN of the whole keyspace must run
// on: every master of a Redis Cluster, else the one client.
func (s *Store) scanClients(ctx context.Context) ([]redis.Cmdable, error) {
	cc, ok := s.rdb.(*redis.ClusterClient)
	if !ok {
		return []redis.Cmdable{s.rdb}, nil
	}
	var mu sync.Mutex
	var clients []redis.Cmdable
	err := cc.ForEachMaster(ctx, func(_ context.Context, c *redis.Client) error {
		mu.Lock()
		defer mu.Unlock()
		clients = append(clients, c)
		return nil
	})
	return clients, err
}

// scanMatch calls fn with each batch of keys matching pattern, on every
// master that SCAN must visit (fn gets the client that found them). A key
// may come twice, as SCAN promises no more.
func (s *Store) scanMatch(ctx context.Context, pattern string, fn func(c redis.Cmdable, keys []string) error) error {
	clients, err := s.scanClients(ctx)
	if err != nil {
		return err
	}
	for _, c := range clients {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, pattern, scanBatch).Result()
			if err != nil {
				return err
			}
			if err := fn(c, keys); err != nil {
				return err
			}
			if next == 0 {
				break
			}
			cursor = next
		}
	}
	return nil
}

// scanSubscribers calls fn with each batch of subscriber record keys and
// their chat ids (ids[i] is the chat of keys[i]).
func (s *Store) scanSubscribers(ctx context.Context, fn func(c redis.Cmdable, keys []string, ids []int64) error) error {
	return s.scanMatch(ctx, s.k.subscriberPattern(), func(c redis.Cmdable, found []string) error {
		keys := make([]string, 0, len(found))
		ids := make([]int64, 0, len(found))
		for _, key := range found {
			if id, ok := s.k.parseSubscriberKey(key); ok {
				keys, ids = append(keys, key), append(ids, id)
			}
		}
		return fn(c, keys, ids)
	})
}

// scanIndex calls fn with each batch of ids in an index whose members are
// ids (postMember or subscriberMember), walking it with ZSCAN.
func (s *Store) scanIndex(ctx context.Context, index string, fn func(ids []int64) error) error {
	var cursor uint64
	for {
		flat, next, err := s.rdb.ZScan(ctx, index, cursor, "", scanBatch).Result()
		if err != nil {
			return err
		}
		ids := make([]int64, 0, len(flat)/2)
		for i := 0; i < len(flat); i += 2 { // member, score, member, ...
			id, err := parseMember(flat[i])
			if err != nil {
				return fmt.Errorf("bad index member %q: %w", flat[i], err)
			}
			ids = append(ids, id)
		}
		if err := fn(ids); err != nil {
			return err
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// watchSubscribers reads the records of ids in a transaction watching
// them and calls fn with them (nil where a record is gone); fn writes
// through tx.TxPipelined, which fails if a record changed meanwhile.
func (s *Store) watchSubscribers(ctx context.Context, ids []int64, fn func(tx *redis.Tx, subs []*store.Subscriber) error) error {
	if len(ids) == 0 {
		return nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.k.subscriber(id)
	}
	return s.watch(ctx, func(tx *redis.Tx) error {
		vals, err := tx.MGet(ctx, keys...).Result()
		if err != nil {
			return err
		}
		subs := make([]*store.Subscriber, len(vals))
		for i, v := range vals {
			str, ok := v.(string)
			if !ok {
				continue
			}
			var sub store.Subscriber
			if err := json.Unmarshal([]byte(str), &sub); err != nil {
				return fmt.Errorf("decode %s: %w", keys[i], err)
			}
			subs[i] = &sub
		}
		return fn(tx, subs)
	}, keys...)
}
