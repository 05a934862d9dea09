package redisstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// mgetEach reads keys with one MGET and calls fn for every key that still
// exists, with its index in keys. Missing keys are skipped: the key lists
// come from SCAN or an index, and a record may be deleted in between.
func mgetEach(ctx context.Context, c redis.Cmdable, keys []string, fn func(i int, value string) error) error {
	if len(keys) == 0 {
		return nil
	}
	vals, err := c.MGet(ctx, keys...).Result()
	if err != nil {
		return err
	}
	for i, v := range vals {
		if str, ok := v.(string); ok {
			if err := fn(i, str); err != nil {
				return err
			}
		}
	}
	return nil
}

// mgetJSON reads the JSON records at keys with one MGET, in key order,
// skipping missing ones.
func mgetJSON[T any](ctx context.Context, c redis.Cmdable, keys []string) ([]T, error) {
	out := make([]T, 0, len(keys))
	err := mgetEach(ctx, c, keys, func(i int, str string) error {
		var v T
		if err := json.Unmarshal([]byte(str), &v); err != nil {
			return fmt.Errorf("decode %s: %w", keys[i], err)
		}
		out = append(out, v)
		return nil
	})
	return out, err
}
