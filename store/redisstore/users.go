package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// SaveUser stores u and points the index of its @username at it. When the
// user's username changed, the old name's index entry is dropped unless it
// already points at another user (who took the name over).
func (s *Store) SaveUser(ctx context.Context, u store.User) error {
	op := fmt.Sprintf("save user %d", u.ID)
	data, err := json.Marshal(u)
	if err != nil {
		return wrapErr(fmt.Errorf("encode: %w", err), op)
	}
	key := s.k.user(u.ID)
	name := store.UsernameKey(u.Username)
	err = s.watch(ctx, func(tx *redis.Tx) error {
		var old store.User
		found, err := getJSON(ctx, tx, key, &old)
		if err != nil {
			return err
		}
		stale := ""
		if oldName := store.UsernameKey(old.Username); found && oldName != "" && oldName != name {
			// Watched so that a user taking the name over meanwhile
			// is not robbed of it.
			oldKey := s.k.username(oldName)
			if err := tx.Watch(ctx, oldKey).Err(); err != nil {
				return err
			}
			owner, err := tx.Get(ctx, oldKey).Int64()
			switch {
			case errors.Is(err, redis.Nil):
			case err != nil:
				return fmt.Errorf("read %s: %w", oldKey, err)
			case owner == u.ID:
				stale = oldKey
			}
		}
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.Set(ctx, key, data, 0)
			if stale != "" {
				pipe.Del(ctx, stale)
			}
			if name != "" {
				pipe.Set(ctx, s.k.username(name), u.ID, 0)
			}
			return nil
		})
		return err
	}, key)
	return wrapErr(err, op)
}

// UserByUsername implements store.Users.
func (s *Store) UserByUsername(ctx context.Context, username string) (store.User, error) {
	op := fmt.Sprintf("get user @%s", strings.TrimPrefix(username, "@"))
	name := store.UsernameKey(username)
	if name == "" {
		return store.User{}, notFound(op)
	}
	id, err := s.rdb.Get(ctx, s.k.username(name)).Int64()
	if errors.Is(err, redis.Nil) {
		return store.User{}, notFound(op)
	}
	if err != nil {
		return store.User{}, wrapErr(err, op)
	}
	var u store.User
	found, err := getJSON(ctx, s.rdb, s.k.user(id), &u)
	if err != nil {
		return store.User{}, wrapErr(err, op)
	}
	if !found {
		return store.User{}, notFound(op)
	}
	return u, nil
}

// User implements store.Users.
func (s *Store) User(ctx context.Context, id int64) (store.User, error) {
	op := fmt.Sprintf("get user %d", id)
	var u store.User
	found, err := getJSON(ctx, s.rdb, s.k.user(id), &u)
	if err != nil {
		return store.User{}, wrapErr(err, op)
	}
	if !found {
		return store.User{}, notFound(op)
	}
	return u, nil
}
