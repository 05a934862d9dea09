package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// The outbox is a Redis stream read through one consumer group, so every
// entry goes to one worker of one replica, and an entry a dead worker never
// acknowledged stays pending until another worker takes it over with
// XAUTOCLAIM. Settling an entry (Ack, Retry, Bury) deletes it from the
// stream, so the stream holds exactly the messages not yet sent: ready
// ones and pending (claimed) ones. Retries wait in a sorted set by due time
// until PromoteDue adds them to the stream again.
//
// The group is created lazily, at id 0, when a read finds it missing
// (NOGROUP): on the first use, and after a Redis that lost its data (no
// AOF) comes back. Creating it at 0 rather than $ delivers entries added
// while it was missing, and since settled entries are deleted it can never
// deliver a message twice.
const (
	outboxGroup = "senders"
	// deadCap is about how many dead letters are kept (XADD MAXLEN ~).
	deadCap = 10000
	// promoteBatch is how many delayed messages one PromoteDue script
	// moves; PromoteDue repeats it until none are due.
	promoteBatch = 500
	// delayedNonceLen is the length of the random prefix that makes every
	// member of outbox:delayed unique, even for equal messages.
	delayedNonceLen = 16
	// autoClaimRounds bounds the XAUTOCLAIM calls of one Claim. Each
	// scans up to ten times COUNT pending entries, so a few rounds cover
	// a pending list of many live workers.
	autoClaimRounds = 4
)

// enqueueOnceScript adds the messages ARGV[4:] (pairs: a due score, empty
// for none, and the message) to the stream KEYS[2], or those with a score
// to the delayed set KEYS[4], sets the digest cursor KEYS[3] to ARGV[2] and
// the digest day KEYS[5] to ARGV[3] unless they are empty, and sets the
// flag KEYS[1] (for ARGV[1] ms, or forever when 0), unless the flag is set
// already: then it does nothing and returns 0. The flag is written last, so
// a script cut short (out of memory) leaves at worst messages without a
// flag, which a repeat sends twice, rather than a flag without messages.
var enqueueOnceScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 4, #ARGV, 2 do
  if ARGV[i] == '' then
    redis.call('XADD', KEYS[2], '*', 'm', ARGV[i+1])
  else
    redis.call('ZADD', KEYS[4], ARGV[i], ARGV[i+1])
  end
end
if ARGV[2] ~= '' then redis.call('SET', KEYS[3], ARGV[2]) end
if ARGV[3] ~= '' then redis.call('SET', KEYS[5], ARGV[3]) end
local ttl = tonumber(ARGV[1])
if ttl > 0 then
  redis.call('SET', KEYS[1], '1', 'PX', ttl)
else
  redis.call('SET', KEYS[1], '1')
end
return 1`)

// retryScript settles entry ARGV[2] of stream KEYS[1] in group ARGV[1] and
// adds member ARGV[4] to the delayed set KEYS[2] with score ARGV[3]. It
// does nothing when the entry was not pending: another worker took it over
// and settled it already, or the group was recreated and delivers it anew;
// scheduling it again would send it twice.
var retryScript = redis.NewScript(`
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1`)

// buryScript settles entry ARGV[2] like retryScript, then adds the dead
// letter ARGV[4] to the stream KEYS[2] (trimmed to about ARGV[3] entries)
// and counts it in KEYS[3].
var buryScript = redis.NewScript(`
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'd', ARGV[4])
redis.call('INCR', KEYS[3])
return 1`)

// promoteScript moves up to ARGV[2] members of the delayed set KEYS[1]
// with a score up to ARGV[1] to the stream KEYS[2], dropping their
// ARGV[3]-character nonce, and returns how many. Running as one script, two
// replicas promoting at once cannot both move the same member.
var promoteScript = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local skip = tonumber(ARGV[3])
for _, m in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', 'm', string.sub(m, skip + 1))
  redis.call('ZREM', KEYS[1], m)
end
return #due`)

// Enqueue adds msgs to the stream, and those with a NotBefore to the
// delayed set, in one transaction.
func (s *Store) Enqueue(ctx context.Context, msgs ...store.OutboxMessage) error {
	op := fmt.Sprintf("enqueue %d messages", len(msgs))
	if len(msgs) == 0 {
		return nil
	}
	data, err := encodeMessages(msgs)
	if err != nil {
		return wrapErr(err, op)
	}
	// Not keyed: a retry would queue the messages again, so replicas
	// that fail to acknowledge make a warning, not an error.
	err = s.acked(ctx, s.k.outbox(), ackOrWarn, op, func(c redis.Cmdable) error {
		_, err := c.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			for i, d := range data {
				if due, member := delayedEntry(msgs[i], d); member != "" {
					pipe.ZAdd(ctx, s.k.outboxDelayed(), redis.Z{Score: due, Member: member})
					continue
				}
				pipe.XAdd(ctx, &redis.XAddArgs{Stream: s.k.outbox(), Values: []any{"m", d}})
			}
			return nil
		})
		return err
	})
	return wrapErr(err, op)
}

// delayedEntry is the delayed set's score and member of a message with a
// NotBefore, or member "" for a message that goes to the stream.
func delayedEntry(m store.OutboxMessage, data string) (score float64, member string) {
	if m.NotBefore.IsZero() {
		return 0, ""
	}
	return float64(m.NotBefore.UnixMilli()), newNonce() + data
}

// scriptEntry is a message as the enqueue scripts take it: its due score
// ("" for the stream) and its stream value or delayed member.
func scriptEntry(m store.OutboxMessage, data string) (score, value string) {
	if m.NotBefore.IsZero() {
		return "", data
	}
	return strconv.FormatInt(m.NotBefore.UnixMilli(), 10), newNonce() + data
}

// EnqueueOnce adds msgs, sets the flag once.Key and, when once.CursorChat
// is not 0, that chat's digest cursor (and day, when once.Day is set), all
// in one script, unless the flag is set already. A TTL <= 0 keeps the flag
// forever.
func (s *Store) EnqueueOnce(ctx context.Context, once store.Once, msgs ...store.OutboxMessage) (bool, error) {
	op := fmt.Sprintf("enqueue %d messages once %q", len(msgs), once.Key)
	if once.Key == "" {
		return false, fmt.Errorf("redisstore: %s: empty key", op)
	}
	data, err := encodeMessages(msgs)
	if err != nil {
		return false, wrapErr(err, op)
	}
	cursor, day := "", ""
	if once.CursorChat != 0 {
		cursor, day = strconv.FormatInt(once.Cursor.UnixMilli(), 10), once.Day
	}
	args := make([]any, 0, 3+2*len(data))
	ttl := max(0, once.TTL.Milliseconds())
	if ttl == 0 && once.TTL > 0 {
		ttl = 1
	}
	args = append(args, ttl, cursor, day)
	for i, d := range data {
		score, value := scriptEntry(msgs[i], d)
		args = append(args, score, value)
	}
	keys := []string{s.k.once(once.Key), s.k.outbox(), s.k.digestCursor(once.CursorChat), s.k.outboxDelayed(),
		s.k.digestDay(once.CursorChat)}
	var n int
	err = s.acked(ctx, keys[0], ackOrFail, op, func(c redis.Cmdable) error {
		var err error
		n, err = enqueueOnceScript.Run(ctx, c, keys, args...).Int()
		return err
	})
	if err != nil {
		return false, wrapErr(err, op)
	}
	return n == 1, nil
}

// Claim takes over up to max messages idle for minIdle in other consumers'
// (or this consumer's former) hands, then reads new ones for the rest,
// waiting up to block for them when it has none yet. block <= 0 does not
// wait. A timeout is no error: it returns no messages.
//
// go-redis does not interrupt a blocked read when ctx is cancelled, so a
// cancelled Claim may take up to block to return.
func (s *Store) Claim(ctx context.Context, consumer string, max int, block, minIdle time.Duration) ([]store.OutboxMessage, error) {
	op := fmt.Sprintf("claim for %s", consumer)
	out := []store.OutboxMessage{}
	if max <= 0 {
		return out, nil
	}
	err := s.withGroup(ctx, func() error {
		claimed, err := s.autoClaim(ctx, consumer, max, minIdle)
		out = append(out, claimed...)
		return err
	})
	if err != nil {
		return out, wrapErr(err, op)
	}
	if len(out) >= max {
		return out, nil
	}
	if len(out) > 0 {
		block = 0 // have work already; just top up
	}
	err = s.withGroup(ctx, func() error {
		fresh, err := s.readNew(ctx, consumer, max-len(out), block)
		out = append(out, fresh...)
		return err
	})
	return out, wrapErr(err, op)
}

// autoClaim takes over pending messages idle for at least minIdle.
func (s *Store) autoClaim(ctx context.Context, consumer string, max int, minIdle time.Duration) ([]store.OutboxMessage, error) {
	var out []store.OutboxMessage
	start := "0-0"
	for range autoClaimRounds {
		xs, next, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream:   s.k.outbox(),
			Group:    outboxGroup,
			Consumer: consumer,
			MinIdle:  minIdle,
			Start:    start,
			Count:    int64(max - len(out)),
		}).Result()
		if err != nil {
			return out, err
		}
		msgs, err := s.decodeEntries(ctx, xs)
		out = append(out, msgs...)
		if err != nil {
			return out, err
		}
		if len(out) >= max || next == "0-0" || next == "" {
			break
		}
		start = next
	}
	return out, nil
}

// readNew reads up to n messages never delivered to the group, waiting up
// to block.
func (s *Store) readNew(ctx context.Context, consumer string, n int, block time.Duration) ([]store.OutboxMessage, error) {
	switch {
	case block <= 0:
		block = -1 // no BLOCK argument; BLOCK 0 would wait forever
	case block < time.Millisecond:
		block = time.Millisecond
	}
	streams, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group:    outboxGroup,
		Consumer: consumer,
		Streams:  []string{s.k.outbox(), ">"},
		Count:    int64(n),
		Block:    block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []store.OutboxMessage
	for _, st := range streams {
		msgs, err := s.decodeEntries(ctx, st.Messages)
		out = append(out, msgs...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// decodeEntries turns claimed stream entries into messages. An entry that
// does not decode would be claimed again and again, so it is buried with
// its raw text instead; an entry without fields (deleted, as Redis 6.2's
// XAUTOCLAIM reports it) is acknowledged and skipped.
func (s *Store) decodeEntries(ctx context.Context, xs []redis.XMessage) ([]store.OutboxMessage, error) {
	out := make([]store.OutboxMessage, 0, len(xs))
	for _, x := range xs {
		if len(x.Values) == 0 {
			if err := s.settle(ctx, x.ID); err != nil {
				return out, err
			}
			continue
		}
		raw, _ := x.Values["m"].(string)
		var m store.OutboxMessage
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			d := store.DeadLetter{
				Message: store.OutboxMessage{Text: raw},
				Reason:  fmt.Sprintf("undecodable outbox entry %s: %v", x.ID, err),
				At:      time.Now(),
			}
			if err := s.bury(ctx, x.ID, d); err != nil {
				return out, err
			}
			continue
		}
		m.ID = x.ID
		out = append(out, m)
	}
	return out, nil
}

// Ack acknowledges and deletes a sent message in one transaction.
func (s *Store) Ack(ctx context.Context, id string) error {
	return wrapErr(s.settle(ctx, id), "ack "+id)
}

func (s *Store) settle(ctx context.Context, id string) error {
	_, err := s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.XAck(ctx, s.k.outbox(), outboxGroup, id)
		pipe.XDel(ctx, s.k.outbox(), id)
		return nil
	})
	return err
}

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
	member := newNonce() + string(data)
	err = retryScript.Run(ctx, s.rdb, []string{s.k.outbox(), s.k.outboxDelayed()},
		outboxGroup, id, at.UnixMilli(), member).Err()
	return wrapErr(err, op)
}

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
	return buryScript.Run(ctx, s.rdb, []string{s.k.outbox(), s.k.outboxDead(), s.k.outboxDeadCount()},
		outboxGroup, id, deadCap, data).Err()
}

// PromoteDue moves every delayed message due at or before now (whole
// milliseconds) back to the stream, promoteBatch per script.
func (s *Store) PromoteDue(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for {
		n, err := promoteScript.Run(ctx, s.rdb, []string{s.k.outboxDelayed(), s.k.outbox()},
			now.UnixMilli(), promoteBatch, delayedNonceLen).Int()
		if err != nil {
			return total, wrapErr(err, "promote due messages")
		}
		total += n
		if n < promoteBatch {
			return total, nil
		}
	}
}

// OutboxStats reads the counts in one transaction, so they are a
// consistent snapshot. Ready is the stream length minus the pending
// entries (settled entries are deleted). OldestAge looks at the first
// stream entry (its WaitingSince or, if older or unset, the time in its
// id) and the delayed message due first, which approximates the oldest
// unsent message without reading them all; a message held until a future
// NotBefore is not late, so it adds no age.
func (s *Store) OutboxStats(ctx context.Context, now time.Time) (store.OutboxStats, error) {
	const op = "outbox stats"
	var (
		xlen    *redis.IntCmd
		pending *redis.XPendingCmd
		delayed *redis.IntCmd
		dead    *redis.StringCmd
		first   *redis.XMessageSliceCmd
		next    *redis.StringSliceCmd
	)
	_, err := s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		xlen = pipe.XLen(ctx, s.k.outbox())
		pending = pipe.XPending(ctx, s.k.outbox(), outboxGroup)
		delayed = pipe.ZCard(ctx, s.k.outboxDelayed())
		dead = pipe.Get(ctx, s.k.outboxDeadCount())
		first = pipe.XRangeN(ctx, s.k.outbox(), "-", "+", 1)
		next = pipe.ZRange(ctx, s.k.outboxDelayed(), 0, 0)
		return nil
	})
	// EXEC reports the first failed command; a missing group (NOGROUP of
	// XPENDING) and a missing counter (nil GET) are expected.
	if err != nil && !isNoGroup(err) && !errors.Is(err, redis.Nil) {
		return store.OutboxStats{}, wrapErr(err, op)
	}
	for _, c := range []redis.Cmder{xlen, delayed, first, next} {
		if err := c.Err(); err != nil {
			return store.OutboxStats{}, wrapErr(err, op)
		}
	}
	var st store.OutboxStats
	switch err := pending.Err(); {
	case err == nil:
		st.Pending = pending.Val().Count
	case !isNoGroup(err):
		return store.OutboxStats{}, wrapErr(err, op)
	}
	st.Ready = max(0, xlen.Val()-st.Pending)
	st.Delayed = delayed.Val()
	if err := dead.Err(); err != nil && !errors.Is(err, redis.Nil) {
		return store.OutboxStats{}, wrapErr(err, op)
	} else if err == nil {
		if st.Dead, err = dead.Int64(); err != nil {
			return store.OutboxStats{}, wrapErr(err, op)
		}
	}

	var oldest time.Time
	older := func(t time.Time) {
		if !t.IsZero() && (oldest.IsZero() || t.Before(oldest)) {
			oldest = t
		}
	}
	if xs := first.Val(); len(xs) > 0 {
		older(streamIDTime(xs[0].ID))
		if raw, ok := xs[0].Values["m"].(string); ok {
			var m store.OutboxMessage
			if json.Unmarshal([]byte(raw), &m) == nil {
				older(m.WaitingSince())
			}
		}
	}
	if ms := next.Val(); len(ms) > 0 && len(ms[0]) > delayedNonceLen {
		var m store.OutboxMessage
		if json.Unmarshal([]byte(ms[0][delayedNonceLen:]), &m) == nil {
			older(m.WaitingSince())
		}
	}
	if !oldest.IsZero() && now.After(oldest) {
		st.OldestAge = now.Sub(oldest)
	}
	return st, nil
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

// withGroup runs fn and, when it fails because the consumer group (or the
// whole stream) is missing, creates the group and runs fn once more.
func (s *Store) withGroup(ctx context.Context, fn func() error) error {
	err := fn()
	if !isNoGroup(err) {
		return err
	}
	if err := s.createGroup(ctx); err != nil {
		return err
	}
	return fn()
}

// createGroup creates the consumer group at id 0 (see the package comment
// above), and the stream with it; a group that exists already is fine.
func (s *Store) createGroup(ctx context.Context) error {
	err := s.rdb.XGroupCreateMkStream(ctx, s.k.outbox(), outboxGroup, "0").Err()
	if err != nil && redisErrorHasPrefix(err, "BUSYGROUP") {
		return nil
	}
	return err
}

// isNoGroup reports whether err says the stream or its group is missing.
func isNoGroup(err error) bool { return redisErrorHasPrefix(err, "NOGROUP") }

func redisErrorHasPrefix(err error, prefix string) bool {
	var re redis.Error
	return errors.As(err, &re) && strings.HasPrefix(re.Error(), prefix)
}

// encodeMessages returns the JSON of each message.
func encodeMessages(msgs []store.OutboxMessage) ([]string, error) {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		data, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("encode message %d: %w", i, err)
		}
		out[i] = string(data)
	}
	return out, nil
}

// newNonce returns delayedNonceLen random hex characters.
func newNonce() string {
	var b [delayedNonceLen / 2]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b[:])
}

// streamIDTime is the time in a stream entry id ("<ms>-<seq>"), or zero.
func streamIDTime(id string) time.Time {
	msPart, _, _ := strings.Cut(id, "-")
	ms, err := strconv.ParseInt(msPart, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
