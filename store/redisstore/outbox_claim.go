package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

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
