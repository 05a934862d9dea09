package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// tryLockScript renews the lease KEYS[1] for ARGV[2] ms when ARGV[1] holds
// it, takes it when it is free and returns whether ARGV[1] holds it now.
var tryLockScript = redis.NewScript(`
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`)

// unlockScript deletes the lease KEYS[1] if ARGV[1] holds it.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// TryLock takes or renews the lease name for owner for ttl (at least a
// millisecond). The lease is a key holding the owner that expires after
// ttl, so a replica that dies loses it without anyone unlocking.
func (s *Store) TryLock(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	op := fmt.Sprintf("lock %q for %q", name, owner)
	if owner == "" {
		return false, fmt.Errorf("redisstore: %s: empty owner", op)
	}
	if ttl < time.Millisecond {
		return false, fmt.Errorf("redisstore: %s: ttl %s under 1ms", op, ttl)
	}
	n, err := tryLockScript.Run(ctx, s.rdb, []string{s.k.lock(name)}, owner, ttl.Milliseconds()).Int()
	if err != nil {
		return false, wrapErr(err, op)
	}
	return n == 1, nil
}

// Unlock implements store.Locks.
func (s *Store) Unlock(ctx context.Context, name, owner string) error {
	op := fmt.Sprintf("unlock %q for %q", name, owner)
	return wrapErr(unlockScript.Run(ctx, s.rdb, []string{s.k.lock(name)}, owner).Err(), op)
}
