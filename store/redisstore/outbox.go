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

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// The outbox is a Redis stream read through one consumer group, so every
// entry goes to one worker of one replica, and an entry a dead worker never
// acknowledged stays pending until another worker takes it over with
// XAUTOCLAIM. Settling an entry (Ack, Retry, Bury) deletes it from the
// stream, so the stream holds exactly the messages not yet sent: ready
// ones and pending (claimed) ones. Retries wait in a sorted set by due time
// until PromoteDue adds them to the stream again. Personal messages have a
// stream of their own, read first (outbox_queues.go).
//
// The group is created lazily on both streams, at id 0, when a read finds
// it missing (NOGROUP): on the first use, and after a Redis that lost its
// data (no AOF) comes back. Creating it at 0 rather than $ delivers entries added
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
	// member of outbox:delayed unique, even for equal messages (its first
	// character marks a personal message: personalNonce).
	delayedNonceLen = 16
	// autoClaimRounds bounds the XAUTOCLAIM calls of one Claim. Each
	// scans up to ten times COUNT pending entries, so a few rounds cover
	// a pending list of many live workers.
	autoClaimRounds = 4
)

// enqueueOnceScript adds the messages ARGV[4:] (pairs: where, and the
// message) to the stream KEYS[2] (where is toStream), to the personal
// stream KEYS[6] (toPersonal) or, where is a due score, to the delayed set
// KEYS[4]; it sets the digest cursor KEYS[3] to ARGV[2] and the digest day
// KEYS[5] to ARGV[3] unless they are empty, and sets the flag KEYS[1] (for
// ARGV[1] ms, or forever when 0), unless the flag is set already: then it
// does nothing and returns 0. The flag is written last, so
// a script cut short (out of memory) leaves at worst messages without a
// flag, which a repeat sends twice, rather than a flag without messages.
var enqueueOnceScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 4, #ARGV, 2 do
  if ARGV[i] == '' then
    redis.call('XADD', KEYS[2], '*', 'm', ARGV[i+1])
  elseif ARGV[i] == 'p' then
    redis.call('XADD', KEYS[6], '*', 'm', ARGV[i+1])
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

// Enqueue adds msgs to their stream, and those with a NotBefore to the
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
				pipe.XAdd(ctx, &redis.XAddArgs{Stream: s.streamFor(msgs[i]), Values: []any{"m", d}})
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
	return float64(m.NotBefore.UnixMilli()), delayedMember(m, data)
}

// scriptEntry is a message as the enqueue scripts take it: where it goes
// (toStream, toPersonal, or its due score for the delayed set) and its
// stream value or delayed member.
func scriptEntry(m store.OutboxMessage, data string) (where, value string) {
	switch {
	case !m.NotBefore.IsZero():
		return strconv.FormatInt(m.NotBefore.UnixMilli(), 10), delayedMember(m, data)
	case m.Personal():
		return toPersonal, data
	}
	return toStream, data
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
		s.k.digestDay(once.CursorChat), s.k.outboxPersonal()}
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
// above) on both streams, and the streams with it; a group that exists
// already is fine. A database of layout 6 has a group on outbox only: the
// first read of outbox:personal finds it missing and makes it here.
func (s *Store) createGroup(ctx context.Context) error {
	for _, stream := range []string{s.k.outboxPersonal(), s.k.outbox()} {
		err := s.rdb.XGroupCreateMkStream(ctx, stream, outboxGroup, "0").Err()
		if err != nil && !redisErrorHasPrefix(err, "BUSYGROUP") {
			return err
		}
	}
	return nil
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
