package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Memos (store.Memos) are strings under memo:{key} that expire by
// themselves (PX): the replies of an update still to be delivered, the
// menu an official was given.

// SaveMemo implements store.Memos.
func (s *Store) SaveMemo(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	op := fmt.Sprintf("save memo %q", key)
	if ttl <= 0 {
		return fmt.Errorf("redisstore: %s: ttl %v is not positive", op, ttl)
	}
	return wrapErr(s.rdb.Set(ctx, s.k.memo(key), value, roundUpMS(ttl)).Err(), op)
}

// Memo implements store.Memos.
func (s *Store) Memo(ctx context.Context, key string) ([]byte, error) {
	op := fmt.Sprintf("get memo %q", key)
	v, err := s.rdb.Get(ctx, s.k.memo(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, notFound(op)
	}
	return v, wrapErr(err, op)
}

// DeleteMemo implements store.Memos.
func (s *Store) DeleteMemo(ctx context.Context, key string) error {
	return wrapErr(s.rdb.Del(ctx, s.k.memo(key)).Err(), fmt.Sprintf("delete memo %q", key))
}
