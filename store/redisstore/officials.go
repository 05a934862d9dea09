package redisstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// Official implements store.Officials.
func (s *Store) Official(ctx context.Context, userID int64) (store.Official, error) {
	op := fmt.Sprintf("get official %d", userID)
	var o store.Official
	found, err := getJSON(ctx, s.rdb, s.k.official(userID), &o)
	if err != nil {
		return store.Official{}, wrapErr(err, op)
	}
	if !found {
		return store.Official{}, notFound(op)
	}
	return o, nil
}

// SaveOfficial creates or replaces the grant of o.UserID and lists it, in
// one transaction.
func (s *Store) SaveOfficial(ctx context.Context, o store.Official) error {
	op := fmt.Sprintf("save official %d", o.UserID)
	data, err := json.Marshal(o)
	if err != nil {
		return wrapErr(fmt.Errorf("encode: %w", err), op)
	}
	_, err = s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Set(ctx, s.k.official(o.UserID), data, 0)
		pipe.ZAdd(ctx, s.k.officials(), redis.Z{Score: float64(o.UserID), Member: officialMember(o.UserID)})
		return nil
	})
	return wrapErr(err, op)
}

// DeleteOfficial removes the grant of userID and its listing in one
// transaction; store.ErrNotFound when there was none.
func (s *Store) DeleteOfficial(ctx context.Context, userID int64) error {
	op := fmt.Sprintf("delete official %d", userID)
	var del *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		del = pipe.Del(ctx, s.k.official(userID))
		pipe.ZRem(ctx, s.k.officials(), officialMember(userID))
		return nil
	})
	if err != nil {
		return wrapErr(err, op)
	}
	if del.Val() == 0 {
		return notFound(op)
	}
	return nil
}

// Officials returns every grant in ascending user id order.
func (s *Store) Officials(ctx context.Context) ([]store.Official, error) {
	const op = "list officials"
	members, err := s.rdb.ZRange(ctx, s.k.officials(), 0, -1).Result()
	if err != nil {
		return nil, wrapErr(err, op)
	}
	if len(members) == 0 {
		return []store.Official{}, nil
	}
	keys := make([]string, len(members))
	for i, m := range members {
		id, err := parseMember(m)
		if err != nil {
			return nil, wrapErr(fmt.Errorf("bad member %q: %w", m, err), op)
		}
		keys[i] = s.k.official(id)
	}
	out, err := mgetJSON[store.Official](ctx, s.rdb, keys)
	if err != nil {
		return nil, wrapErr(err, op)
	}
	// Scores order the ids already, up to float64 precision.
	slices.SortFunc(out, func(a, b store.Official) int { return cmp.Compare(a.UserID, b.UserID) })
	return out, nil
}

// getJSON reads and decodes the JSON value of key into v; found is false
// when the key does not exist.
func getJSON(ctx context.Context, c redis.Cmdable, key string, v any) (found bool, err error) {
	data, err := c.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("decode %s: %w", key, err)
	}
	return true, nil
}
