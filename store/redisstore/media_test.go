package redisstore

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// A cached photo is one hash under the prefix, expiring after mediaTTL so
// Redis's memory does not keep photos nobody asks for.
func TestMediaKeyExpires(t *testing.T) {
	s := newTestStore(t, WithPrefix("pb-test:"))
	if err := s.PutMedia(t.Context(), "AQADttl", []byte{0xFF, 0xD8}, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	ttl, err := s.rdb.PTTL(t.Context(), "pb-test:media:AQADttl").Result()
	if err != nil || ttl <= mediaTTL-time.Minute || ttl > mediaTTL {
		t.Errorf("PTTL = %v, %v; want about %v", ttl, err, mediaTTL)
	}
	fields, err := s.rdb.HKeys(t.Context(), "pb-test:media:AQADttl").Result()
	if err != nil || len(fields) != 2 {
		t.Errorf("fields = %v, %v; want type and data", fields, err)
	}
}

// PutMedia lists the photo in the mediakeys index, scored by when its hash
// expires; PruneMedia drops the entries of hashes that expired without
// counting them, and deletes hash and entry of what it prunes.
func TestMediaIndex(t *testing.T) {
	s := newTestStore(t, WithPrefix("pb-test:"))
	ctx := t.Context()
	const idx = "pb-test:mediakeys"
	if err := s.PutMedia(ctx, "AQADidx", []byte{0xFF, 0xD8}, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	score, err := s.rdb.ZScore(ctx, idx, "AQADidx").Result()
	if want := float64(time.Now().Add(mediaTTL).UnixMilli()); err != nil || score < want-60e3 || score > want {
		t.Errorf("index score = %v, %v; want about %v", score, err, want)
	}
	// An entry whose hash expired: its score is past.
	if err := s.rdb.ZAdd(ctx, idx, redis.Z{Score: float64(time.Now().Add(-time.Minute).UnixMilli()), Member: "AQADexpired"}).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneMedia(ctx, func(string) bool { return true }); err != nil || n != 0 {
		t.Errorf("PruneMedia(keep all) = %d, %v; want 0", n, err)
	}
	if members, _ := s.rdb.ZRange(ctx, idx, 0, -1).Result(); len(members) != 1 || members[0] != "AQADidx" {
		t.Errorf("index after prune = %q, want the live entry only", members)
	}
	if n, err := s.PruneMedia(ctx, func(string) bool { return false }); err != nil || n != 1 {
		t.Errorf("PruneMedia(keep none) = %d, %v; want 1", n, err)
	}
	if n, _ := s.rdb.Exists(ctx, idx, "pb-test:media:AQADidx").Result(); n != 0 {
		t.Errorf("%d of the index and the hash left after pruning, want none", n)
	}
}
