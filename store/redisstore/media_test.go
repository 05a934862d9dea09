package redisstore

import (
	"testing"
	"time"
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
