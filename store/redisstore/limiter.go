package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// LimiterConfig sets the send rates, shared by every replica on this Redis.
type LimiterConfig struct {
	// Rate is the global rate, messages per second (SEND_RATE).
	Rate int
	// BulkShare is the part of Rate that bulk delivery (outbox) may use;
	// the rest is kept for replies to residents.
	BulkShare float64
}

// Limiter paces sends with GCRA limits in Redis (go-redis/redis_rate), so N
// replicas together stay under one global rate, and shares Telegram's flood
// pause between them.
type Limiter struct {
	rl      *redis_rate.Limiter
	rdb     redis.UniversalClient
	k       keys
	global  redis_rate.Limit
	bulk    redis_rate.Limit
	private redis_rate.Limit
	group   redis_rate.Limit
}

// Limiter returns the shared limiter.
func (s *Store) Limiter(cfg LimiterConfig) *Limiter {
	if cfg.Rate <= 0 {
		cfg.Rate = 25
	}
	if cfg.BulkShare <= 0 || cfg.BulkShare > 1 {
		cfg.BulkShare = 0.8
	}
	bulk := max(1, int(float64(cfg.Rate)*cfg.BulkShare))
	return &Limiter{
		rl:  redis_rate.NewLimiter(s.rdb),
		rdb: s.rdb,
		k:   s.k,
		// A burst of a tenth of a second's worth: redis_rate.PerSecond
		// would let a whole extra second's worth out at once, which is
		// over Telegram's broadcast limit at the start of every digest.
		global:  redis_rate.Limit{Rate: cfg.Rate, Burst: burst(cfg.Rate), Period: time.Second},
		bulk:    redis_rate.Limit{Rate: bulk, Burst: burst(bulk), Period: time.Second},
		private: redis_rate.Limit{Rate: 1, Burst: 1, Period: time.Second},
		// Telegram allows 20 messages a minute in a group; a small burst
		// keeps a multi-part digest together without tripping it.
		group: redis_rate.Limit{Rate: 20, Burst: 3, Period: time.Minute},
	}
}

// burst is the most messages that may go at once: a tenth of the rate.
func burst(rate int) int { return max(1, rate/10) }

// Reserve implements scheduler.Limiter. Every call first honours a flood
// pause set by any replica. The global and bulk limits are checked before
// the chat's, so the global pace stays exact; a message that then waits
// for its chat has spent a global token (rare: a digest is usually one
// message per chat).
func (l *Limiter) Reserve(ctx context.Context, chatID int64, group, bulk bool) (time.Duration, error) {
	pause, err := l.rdb.PTTL(ctx, l.k.pause()).Result()
	if err != nil {
		return 0, wrapErr(err, "limiter: read pause")
	}
	if pause > 0 {
		return pause, nil
	}
	if bulk {
		if wait, err := l.allow(ctx, l.k.rate("bulk"), l.bulk); wait > 0 || err != nil {
			return wait, err
		}
	}
	if wait, err := l.allow(ctx, l.k.rate("global"), l.global); wait > 0 || err != nil || !bulk {
		// A reply answers the resident's own message, one for one: the
		// per-chat limit is for unsolicited bulk, where Telegram enforces it.
		return wait, err
	}
	lim := l.private
	if group {
		lim = l.group
	}
	return l.allow(ctx, l.k.rate("chat:"+strconv.FormatInt(chatID, 10)), lim)
}

func (l *Limiter) allow(ctx context.Context, key string, lim redis_rate.Limit) (time.Duration, error) {
	res, err := l.rl.Allow(ctx, key, lim)
	if err != nil {
		return 0, wrapErr(err, "limiter: "+key)
	}
	if res.Allowed > 0 {
		return 0, nil
	}
	return max(res.RetryAfter, time.Millisecond), nil
}

// pauseScript extends the pause, never shortens it: two 429s in a row must
// not let the shorter one win.
var pauseScript = redis.NewScript(`
local cur = redis.call('PTTL', KEYS[1])
if cur < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1`)

// Pause implements scheduler.Limiter: every sender on every replica waits d.
func (l *Limiter) Pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if err := pauseScript.Run(ctx, l.rdb, []string{l.k.pause()}, d.Milliseconds()).Err(); err != nil {
		return wrapErr(err, fmt.Sprintf("limiter: pause %s", d))
	}
	return nil
}
