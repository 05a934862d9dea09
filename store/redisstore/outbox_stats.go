package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

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

// streamIDTime is the time in a stream entry id ("<ms>-<seq>"), or zero.
func streamIDTime(id string) time.Time {
	msPart, _, _ := strings.Cut(id, "-")
	ms, err := strconv.ParseInt(msPart, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
