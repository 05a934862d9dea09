package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// retryScript settles entry ARGV[2] of stream KEYS[1] (the one its message
// ID names) in group ARGV[1] and adds member ARGV[4] to the delayed set
// KEYS[2] with score ARGV[3]. It does nothing when the entry was not
// pending: another worker took it over and settled it already, or the
// group was recreated and delivers it anew; scheduling it again would send
// it twice.
var retryScript = redis.NewScript(`
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1`)

// Retry acknowledges the claimed message id and schedules m at at (whole
// milliseconds, rounded down). When id is no longer pending (another
// worker took it over and settled it) it does nothing, so the message is
// not sent twice.
func (s *Store) Retry(ctx context.Context, id string, m store.OutboxMessage, at time.Time) error {
	op := "retry " + id
	data, err := json.Marshal(m)
	if err != nil {
		return wrapErr(fmt.Errorf("encode: %w", err), op)
	}
	stream, entry := s.streamOf(id)
	err = retryScript.Run(ctx, s.rdb, []string{stream, s.k.outboxDelayed()},
		outboxGroup, entry, at.UnixMilli(), delayedMember(m, string(data))).Err()
	return wrapErr(err, op)
}

// buryScript settles entry ARGV[2] like retryScript, then adds the dead
// letter ARGV[4] to the stream KEYS[2] (trimmed to about ARGV[3] entries)
// and counts it in KEYS[3].
var buryScript = redis.NewScript(`
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'd', ARGV[4])
redis.call('INCR', KEYS[3])
return 1`)

// Bury acknowledges the claimed message id and keeps d as a dead letter;
// like Retry it does nothing when id is no longer pending.
func (s *Store) Bury(ctx context.Context, id string, d store.DeadLetter) error {
	return wrapErr(s.bury(ctx, id, d), "bury "+id)
}

func (s *Store) bury(ctx context.Context, id string, d store.DeadLetter) error {
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	stream, entry := s.streamOf(id)
	return buryScript.Run(ctx, s.rdb, []string{stream, s.k.outboxDead(), s.k.outboxDeadCount()},
		outboxGroup, entry, deadCap, data).Err()
}

// promoteScript moves up to ARGV[2] members of the delayed set KEYS[1]
// with a score up to ARGV[1] to the stream KEYS[2], or those whose nonce
// starts with ARGV[4] (personalNonce) to the personal stream KEYS[3],
// dropping their ARGV[3]-character nonce, and returns how many. Running as
// one script, two replicas promoting at once cannot both move the same
// member.
var promoteScript = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local skip = tonumber(ARGV[3])
for _, m in ipairs(due) do
  local stream = KEYS[2]
  if string.sub(m, 1, #ARGV[4]) == ARGV[4] then stream = KEYS[3] end
  redis.call('XADD', stream, '*', 'm', string.sub(m, skip + 1))
  redis.call('ZREM', KEYS[1], m)
end
return #due`)

// PromoteDue moves every delayed message due at or before now (whole
// milliseconds) back to its stream, promoteBatch per script: a retried
// personal message goes first again.
func (s *Store) PromoteDue(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for {
		n, err := promoteScript.Run(ctx, s.rdb, []string{s.k.outboxDelayed(), s.k.outbox(), s.k.outboxPersonal()},
			now.UnixMilli(), promoteBatch, delayedNonceLen, personalNonce).Int()
		if err != nil {
			return total, wrapErr(err, "promote due messages")
		}
		total += n
		if n < promoteBatch {
			return total, nil
		}
	}
}

// DeadLetters implements store.Outbox.
func (s *Store) DeadLetters(ctx context.Context, limit int) ([]store.DeadLetter, error) {
	op := fmt.Sprintf("dead letters limit=%d", limit)
	out := []store.DeadLetter{}
	if limit <= 0 {
		return out, nil
	}
	xs, err := s.rdb.XRevRangeN(ctx, s.k.outboxDead(), "+", "-", int64(limit)).Result()
	if err != nil {
		return nil, wrapErr(err, op)
	}
	for _, x := range xs {
		raw, _ := x.Values["d"].(string)
		var d store.DeadLetter
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			return nil, wrapErr(fmt.Errorf("decode dead letter %s: %w", x.ID, err), op)
		}
		out = append(out, d)
	}
	return out, nil
}
