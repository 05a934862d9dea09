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
// waiting up to block for them when it has none yet; personal messages
// first each time (outbox_queues.go). block <= 0 does not wait. A timeout
// is no error: it returns no messages.
//
// go-redis does not interrupt a blocked read when ctx is cancelled, so a
// cancelled Claim may take up to block to return.
func (s *Store) Claim(ctx context.Context, consumer string, max int, block, minIdle time.Duration) ([]store.OutboxMessage, error) {
	return s.claim(ctx, "claim for "+consumer, consumer, max, block, minIdle,
		[]queue{s.personalQueue(), s.bulkQueue()})
}

// ClaimPersonal is Claim on outbox:personal alone.
func (s *Store) ClaimPersonal(ctx context.Context, consumer string, max int, block, minIdle time.Duration) ([]store.OutboxMessage, error) {
	return s.claim(ctx, "claim personal messages for "+consumer, consumer, max, block, minIdle,
		[]queue{s.personalQueue()})
}

// claim is Claim over queues, the first read first.
func (s *Store) claim(ctx context.Context, op, consumer string, max int, block, minIdle time.Duration, queues []queue) ([]store.OutboxMessage, error) {
	out := []store.OutboxMessage{}
	if max <= 0 {
		return out, nil
	}
	for _, q := range queues {
		if len(out) >= max {
			return out, nil
		}
		err := s.withGroup(ctx, func() error {
			claimed, err := s.autoClaim(ctx, q, consumer, max-len(out), minIdle)
			out = append(out, claimed...)
			return err
		})
		if err != nil {
			return out, wrapErr(err, op)
		}
	}
	if len(out) >= max {
		return out, nil
	}
	if len(out) > 0 {
		block = 0 // have work already; just top up
	}
	err := s.withGroup(ctx, func() error {
		fresh, err := s.readQueues(ctx, consumer, queues, max-len(out), block)
		out = append(out, fresh...)
		return err
	})
	return out, wrapErr(err, op)
}

// autoClaim takes over pending messages of q idle for at least minIdle.
func (s *Store) autoClaim(ctx context.Context, q queue, consumer string, max int, minIdle time.Duration) ([]store.OutboxMessage, error) {
	var out []store.OutboxMessage
	start := "0-0"
	for range autoClaimRounds {
		xs, next, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream:   q.key,
			Group:    outboxGroup,
			Consumer: consumer,
			MinIdle:  minIdle,
			Start:    start,
			Count:    int64(max - len(out)),
		}).Result()
		if err != nil {
			return out, err
		}
		msgs, err := s.decodeEntries(ctx, q, xs)
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

// readQueues reads up to n messages never delivered to the group, from the
// first queue before the second, waiting up to block when both are empty.
// A stream is read in order, so the personal stream is read on its own
// first: read together with outbox, COUNT would apply to each, and a
// batch could be all digests. Only when it is empty does the read of the
// bulk stream wait, on both, so a personal message ends the wait too.
func (s *Store) readQueues(ctx context.Context, consumer string, queues []queue, n int, block time.Duration) ([]store.OutboxMessage, error) {
	if len(queues) == 1 {
		return s.readNew(ctx, consumer, queues, n, block)
	}
	first, err := s.readNew(ctx, consumer, queues[:1], n, 0)
	if err != nil || len(first) >= n {
		return first, err
	}
	if len(first) > 0 {
		rest, err := s.readNew(ctx, consumer, queues[1:], n-len(first), 0)
		return append(first, rest...), err
	}
	out, err := s.readNew(ctx, consumer, queues, n, block)
	if err != nil {
		return out, err
	}
	return s.keepFirst(ctx, out, n)
}

// keepFirst returns the first n of the messages read, and puts the others
// back. A read of both streams applies COUNT to each, so when both answer
// (a personal message came after the read of the personal stream alone)
// it may read up to n of each; the surplus, from the bulk stream at the
// end, goes back to be claimed again, due at once, so Claim keeps to max.
func (s *Store) keepFirst(ctx context.Context, out []store.OutboxMessage, n int) ([]store.OutboxMessage, error) {
	if len(out) <= n {
		return out, nil
	}
	for _, m := range out[n:] {
		if err := s.Retry(ctx, m.ID, m, time.Now()); err != nil {
			return out[:n], err
		}
	}
	return out[:n], nil
}

// readNew reads up to n messages never delivered to the group from each of
// queues, waiting up to block, the first queue's first.
func (s *Store) readNew(ctx context.Context, consumer string, queues []queue, n int, block time.Duration) ([]store.OutboxMessage, error) {
	switch {
	case block <= 0:
		block = -1 // no BLOCK argument; BLOCK 0 would wait forever
	case block < time.Millisecond:
		block = time.Millisecond
	}
	args := make([]string, 0, 2*len(queues))
	for _, q := range queues {
		args = append(args, q.key)
	}
	for range queues {
		args = append(args, ">")
	}
	streams, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group:    outboxGroup,
		Consumer: consumer,
		Streams:  args,
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
	for _, q := range queues {
		for _, st := range streams {
			if st.Stream != q.key {
				continue
			}
			msgs, err := s.decodeEntries(ctx, q, st.Messages)
			out = append(out, msgs...)
			if err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// decodeEntries turns claimed entries of q into messages. An entry that
// does not decode would be claimed again and again, so it is buried with
// its raw text instead; an entry without fields (deleted, as Redis 6.2's
// XAUTOCLAIM reports it) is acknowledged and skipped.
func (s *Store) decodeEntries(ctx context.Context, q queue, xs []redis.XMessage) ([]store.OutboxMessage, error) {
	out := make([]store.OutboxMessage, 0, len(xs))
	for _, x := range xs {
		id := q.id + x.ID
		if len(x.Values) == 0 {
			if err := s.settle(ctx, id); err != nil {
				return out, err
			}
			continue
		}
		raw, _ := x.Values["m"].(string)
		var m store.OutboxMessage
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			d := store.DeadLetter{
				Message: store.OutboxMessage{Text: raw},
				Reason:  fmt.Sprintf("undecodable outbox entry %s: %v", id, err),
				At:      time.Now(),
			}
			if err := s.bury(ctx, id, d); err != nil {
				return out, err
			}
			continue
		}
		m.ID = id
		out = append(out, m)
	}
	return out, nil
}

// Ack acknowledges and deletes a sent message in one transaction.
func (s *Store) Ack(ctx context.Context, id string) error {
	return wrapErr(s.settle(ctx, id), "ack "+id)
}

func (s *Store) settle(ctx context.Context, id string) error {
	stream, entry := s.streamOf(id)
	_, err := s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.XAck(ctx, stream, outboxGroup, entry)
		pipe.XDel(ctx, stream, entry)
		return nil
	})
	return err
}
