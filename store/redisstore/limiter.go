package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store/pacing"
)

// Buckets keeps the sending limiter's state in Redis, so every replica on
// this Redis paces against the same buckets and pauses. The policy is
// store/pacing's; this only stores.
type Buckets struct {
	rdb redis.UniversalClient
	k   keys
}

// Buckets returns the limiter state shared through this Redis.
func (s *Store) Buckets() *Buckets { return &Buckets{rdb: s.rdb, k: s.k} }

// Limiter returns the sending policy over this Redis's buckets.
func (s *Store) Limiter(cfg pacing.Config) *pacing.Limiter { return pacing.New(s.Buckets(), cfg) }

// keySlack pads the expiry of every limiter key. The scripts compare the
// times stored in the keys with the caller's clock, so a key that outlived
// its use reads like a missing one; Redis expires keys by its own clock,
// though, and must never drop one the caller still counts on: the global
// bucket's key lives only for the tokens taken ahead (20 ms after two at
// rate 100), and a caller whose clock lags real time (the contract's
// simulated clock, stepping only when told to wait; a slow round trip)
// would get its burst back early. takeScript has the same figure in ms.
const keySlack = time.Minute

// takeScript is pacing.Allow for several buckets at once, all or none, in
// microseconds: KEYS are ARGV[1] pause keys (holding when the pause ends),
// then one key per bucket; ARGV[2] is now, then every, burst and keep of
// each bucket. It returns 0 when it took a token from each, else the wait
// in microseconds: the longest pause left, or the time until every bucket
// has a token to spare beyond its keep. One script, so a bulk message's
// check of the replies' reserve and its take are one step for all
// replicas. Bucket keys expire keySlack after their last token is due.
//
// The keys are read with one MGET: outbox workers ask again and again
// while the rate is used up, and a denied call then costs two commands
// (EVALSHA, MGET) rather than one GET per key besides.
var takeScript = redis.NewScript(`
local np = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local vals = redis.call('MGET', unpack(KEYS))
local wait = 0
for i = 1, np do
  local until_us = tonumber(vals[i] or '0')
  if until_us > now then wait = math.max(wait, until_us - now) end
end
if wait > 0 then return wait end
local next = {}
for i = np + 1, #KEYS do
  local j = 3 + (i - np - 1) * 3
  local every, burst, keep = tonumber(ARGV[j]), tonumber(ARGV[j + 1]), tonumber(ARGV[j + 2])
  local tat = tonumber(vals[i] or '0')
  if tat < now then tat = now end
  local allow_at = tat + every - (burst - keep) * every
  if now < allow_at then wait = math.max(wait, allow_at - now) end
  next[i] = tat + every
end
if wait > 0 then return wait end
for i = np + 1, #KEYS do
  redis.call('SET', KEYS[i], string.format('%d', next[i]), 'PX', math.floor((next[i] - now) / 1000) + 60001)
end
return 0`)

// Take implements pacing.Buckets in one script call.
func (b *Buckets) Take(ctx context.Context, now time.Time, pauses []string, buckets []pacing.Bucket) (time.Duration, error) {
	keys := make([]string, 0, len(pauses)+len(buckets))
	for _, p := range pauses {
		keys = append(keys, b.k.pacing(p))
	}
	args := make([]any, 0, 2+3*len(buckets))
	args = append(args, len(pauses), now.UnixMicro())
	for _, bk := range buckets {
		keys = append(keys, b.k.pacing(bk.Key))
		args = append(args, bk.Every.Microseconds(), bk.Burst, bk.Keep)
	}
	us, err := takeScript.Run(ctx, b.rdb, keys, args...).Int64()
	if err != nil {
		return 0, wrapErr(err, "limiter: take")
	}
	if us <= 0 {
		return 0, nil
	}
	return max(time.Duration(us)*time.Microsecond, time.Millisecond), nil
}

// pauseScript sets the pause KEYS[1] to end at ARGV[1] (microseconds),
// expiring after ARGV[2] ms, unless it ends later already: two 429s in a
// row must not let the shorter one win.
var pauseScript = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1`)

// Pause implements pacing.Buckets.
func (b *Buckets) Pause(ctx context.Context, now time.Time, key string, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	until := now.Add(d).UnixMicro()
	err := pauseScript.Run(ctx, b.rdb, []string{b.k.pacing(key)}, until, roundUpMS(d+keySlack).Milliseconds()).Err()
	return wrapErr(err, fmt.Sprintf("limiter: pause %s for %s", key, d))
}

// swapScript is SET ... GET, keeping the time the value was set with it so
// a value older than its ttl by the caller's clock counts as gone.
var swapScript = redis.NewScript(`
local old = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
if not old then return '' end
return old`)

// Swap implements pacing.Buckets.
func (b *Buckets) Swap(ctx context.Context, now time.Time, key, value string, ttl time.Duration) (string, error) {
	expires := now.Add(ttl).UnixMicro()
	old, err := swapScript.Run(ctx, b.rdb, []string{b.k.pacing(key)}, value, expires, roundUpMS(ttl+keySlack).Milliseconds()).Text()
	if err != nil {
		return "", wrapErr(err, "limiter: swap "+key)
	}
	v, exp, ok := strings.Cut(old, "|")
	if !ok {
		return "", nil
	}
	if us, err := strconv.ParseInt(exp, 10, 64); err != nil || us <= now.UnixMicro() {
		return "", nil
	}
	return v, nil
}
