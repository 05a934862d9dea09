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
// consistent snapshot. Ready is the length of both streams minus their
// pending entries (settled entries are deleted). OldestAge looks at the
// first entry of each stream (its WaitingSince or, if older or unset, the
// time in its id) and the delayed message due first, which approximates
// the oldest unsent message without reading them all; a message held until
// a future NotBefore is not late, so it adds no age.
func (s *Store) OutboxStats(ctx context.Context, now time.Time) (store.OutboxStats, error) {
	const op = "outbox stats"
	type streamCmds struct {
		xlen    *redis.IntCmd
		pending *redis.XPendingCmd
		first   *redis.XMessageSliceCmd
	}
	var (
		streams = []string{s.k.outbox(), s.k.outboxPersonal()}
		cmds    = make([]streamCmds, len(streams))
		delayed *redis.IntCmd
		dead    *redis.StringCmd
		next    *redis.StringSliceCmd
	)
	_, err := s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, key := range streams {
			cmds[i] = streamCmds{xlen: pipe.XLen(ctx, key), pending: pipe.XPending(ctx, key, outboxGroup),
				first: pipe.XRangeN(ctx, key, "-", "+", 1)}
		}
		delayed = pipe.ZCard(ctx, s.k.outboxDelayed())
		dead = pipe.Get(ctx, s.k.outboxDeadCount())
		next = pipe.ZRange(ctx, s.k.outboxDelayed(), 0, 0)
		return nil
	})
	// EXEC reports the first failed command; a missing group (NOGROUP of
	// XPENDING: on a stream never read, as outbox:personal until a worker
	// reads it) and a missing counter (nil GET) are expected.
	if err != nil && !isNoGroup(err) && !errors.Is(err, redis.Nil) {
		return store.OutboxStats{}, wrapErr(err, op)
	}
	checked := []redis.Cmder{delayed, next}
	for _, c := range cmds {
		checked = append(checked, c.xlen, c.first)
	}
	for _, c := range checked {
		if err := c.Err(); err != nil {
			return store.OutboxStats{}, wrapErr(err, op)
		}
	}
	var st store.OutboxStats
	for _, c := range cmds {
		var pending int64
		switch err := c.pending.Err(); {
		case err == nil:
			pending = c.pending.Val().Count
		case !isNoGroup(err):
			return store.OutboxStats{}, wrapErr(err, op)
		}
		st.Pending += pending
		st.Ready += max(0, c.xlen.Val()-pending)
	}
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
	for _, c := range cmds {
		if xs := c.first.Val(); len(xs) > 0 {
			older(streamIDTime(xs[0].ID))
			if raw, ok := xs[0].Values["m"].(string); ok {
				var m store.OutboxMessage
				if json.Unmarshal([]byte(raw), &m) == nil {
					older(m.WaitingSince())
				}
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
