package redisstore

import (
	"testing"
	"time"
)

func TestLockLease(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	if ok, err := s.TryLock(ctx, "poller", "a", time.Minute); err != nil || !ok {
		t.Fatalf("TryLock = %t, %v", ok, err)
	}
	if ttl, err := s.rdb.PTTL(ctx, s.k.lock("poller")).Result(); err != nil || ttl <= 0 || ttl > time.Minute {
		t.Errorf("PTTL after TryLock(1m) = %s, %v", ttl, err)
	}
	// Renewing sets the new ttl.
	if ok, err := s.TryLock(ctx, "poller", "a", time.Hour); err != nil || !ok {
		t.Fatalf("TryLock(renew) = %t, %v", ok, err)
	}
	if ttl, err := s.rdb.PTTL(ctx, s.k.lock("poller")).Result(); err != nil || ttl <= time.Minute {
		t.Errorf("PTTL after renewing for 1h = %s, %v", ttl, err)
	}
	for _, bad := range []struct {
		owner string
		ttl   time.Duration
	}{{"a", 0}, {"a", -time.Second}, {"a", time.Microsecond}, {"", time.Minute}} {
		if _, err := s.TryLock(ctx, "x", bad.owner, bad.ttl); err == nil {
			t.Errorf("TryLock(owner %q, ttl %s) = nil error", bad.owner, bad.ttl)
		}
	}
}
