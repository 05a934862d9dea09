package redisstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// mediaTTL is how long a cached photo stays in Redis after it was stored.
// Redis keeps everything in memory, and photos of deleted or long-past
// posts would otherwise stay there for good: a post's photos run to a few
// MB, a few hundred posts a year to hundreds of MB. Expiring costs one
// getFile and one download per photo still asked for a month later (file
// ids stay valid), which is nothing; the feeds list only recent posts.
const mediaTTL = 30 * 24 * time.Hour

// Fields of a media hash: the content type and the bytes, in one key so
// they are written, read and expire together.
const (
	mediaFieldType = "type"
	mediaFieldData = "data"
)

// PutMedia implements store.MediaCache: one hash per key, replaced whole
// in one MULTI/EXEC, so a reader never sees the new type with the old
// bytes, expiring after mediaTTL.
func (s *Store) PutMedia(ctx context.Context, key string, data []byte, contentType string) error {
	op := fmt.Sprintf("put media %q", key)
	if err := store.CheckMedia(key, data, contentType); err != nil {
		return fmt.Errorf("redisstore: %s: %w", op, err)
	}
	k := s.k.media(key)
	_, err := s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Del(ctx, k)
		pipe.HSet(ctx, k, mediaFieldType, contentType, mediaFieldData, data)
		pipe.PExpire(ctx, k, mediaTTL)
		pipe.ZAdd(ctx, s.k.mediaIndex(), redis.Z{Score: float64(time.Now().Add(mediaTTL).UnixMilli()), Member: key})
		return nil
	})
	return wrapErr(err, op)
}

// mediaPruneBatch is how many index entries PruneMedia reads, and how
// many entries it deletes, per round trip.
const mediaPruneBatch = 200

// PruneMedia implements store.MediaCache. It first drops the index
// entries of hashes that expired (their score is past), then deletes each
// indexed entry keep refuses, hash and index entry in one MULTI/EXEC, and
// counts the hashes that were still there.
func (s *Store) PruneMedia(ctx context.Context, keep func(key string) bool) (int, error) {
	const op = "prune media"
	idx := s.k.mediaIndex()
	expired := "(" + strconv.FormatInt(time.Now().UnixMilli(), 10)
	if err := s.rdb.ZRemRangeByScore(ctx, idx, "-inf", expired).Err(); err != nil {
		return 0, wrapErr(err, op)
	}
	var drop []string
	for cursor := uint64(0); ; {
		// ZSCAN returns member, score, member, score...; a member may come
		// twice, never be missed if it was there all along.
		page, next, err := s.rdb.ZScan(ctx, idx, cursor, "", mediaPruneBatch).Result()
		if err != nil {
			return 0, wrapErr(err, op)
		}
		for i := 0; i < len(page); i += 2 {
			if !keep(page[i]) {
				drop = append(drop, page[i])
			}
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	slices.Sort(drop)
	drop = slices.Compact(drop)
	n := 0
	for chunk := range slices.Chunk(drop, mediaPruneBatch) {
		dels := make([]*redis.IntCmd, len(chunk))
		_, err := s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			for i, key := range chunk {
				dels[i] = pipe.Del(ctx, s.k.media(key))
			}
			members := make([]any, len(chunk))
			for i, key := range chunk {
				members[i] = key
			}
			pipe.ZRem(ctx, idx, members...)
			return nil
		})
		if err != nil {
			return n, wrapErr(err, op)
		}
		for _, d := range dels {
			n += int(d.Val())
		}
	}
	return n, nil
}

// Media implements store.MediaCache.
func (s *Store) Media(ctx context.Context, key string) ([]byte, string, error) {
	op := fmt.Sprintf("get media %q", key)
	if !store.ValidMediaKey(key) {
		return nil, "", notFound(op) // nothing can be stored under it
	}
	vals, err := s.rdb.HMGet(ctx, s.k.media(key), mediaFieldType, mediaFieldData).Result()
	if err != nil {
		return nil, "", wrapErr(err, op)
	}
	ct, okType := vals[0].(string)
	data, okData := vals[1].(string)
	if !okType || !okData {
		// Absent (or, written by hand, half there): the caller downloads
		// the file again and PutMedia replaces the whole entry.
		return nil, "", notFound(op)
	}
	return []byte(data), ct, nil
}
