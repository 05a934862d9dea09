package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// The outbox keeps every message not yet sent in the file. A message is
// ready (outbox_ready, in enqueue order), then pending once a worker
// claimed it (outbox_pending, with the consumer and claim time, indexed by
// claim time in outbox_claims so Claim finds the idle ones without a
// scan), or delayed until a retry time (outbox_delayed, by due time).
// Settling a claimed message (Ack, Retry, Bury) removes it from pending.
// A message keeps the sequence number it got when it became ready; its ID
// is that number, and a retried message gets a new one when promoted.

// defaultDeadCap is how many dead letters are kept, like redisstore.
const defaultDeadCap = 10_000

// readyRecord is a ready message.
type readyRecord struct {
	Message store.OutboxMessage `json:"message"`
	// Enqueued is when the message became ready, unix ms; it stands in
	// for CreatedAt when that is unset (like a Redis stream id).
	Enqueued int64 `json:"enqueued"`
}

// pendingRecord is a claimed message.
type pendingRecord struct {
	readyRecord
	Consumer string `json:"consumer"`
	// Claimed is when it was last claimed, unix ns.
	Claimed int64 `json:"claimed"`
}

// Enqueue implements store.Outbox.
func (s *Store) Enqueue(ctx context.Context, msgs ...store.OutboxMessage) error {
	op := fmt.Sprintf("enqueue %d messages", len(msgs))
	if len(msgs) == 0 {
		return nil
	}
	err := s.update(ctx, op, func(tx *bolt.Tx) error { return s.enqueue(tx, msgs) })
	if err != nil {
		return err
	}
	s.ready.broadcast()
	return nil
}

// enqueue appends msgs to the ready queue within tx.
func (s *Store) enqueue(tx *bolt.Tx, msgs []store.OutboxMessage) error {
	ready := tx.Bucket(bucketReady)
	now := ms(s.now())
	for i, m := range msgs {
		m.ID = ""
		data, err := encodeJSON(readyRecord{Message: m, Enqueued: now})
		if err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
		seq, err := ready.NextSequence()
		if err != nil {
			return err
		}
		if err := ready.Put(u64(seq), data); err != nil {
			return err
		}
	}
	return nil
}

// EnqueueOnce adds msgs, sets the flag once.Key (for once.TTL, forever
// when <= 0) and, when once.CursorChat is not 0, that chat's digest cursor
// (whole milliseconds), all in one transaction, unless the flag is set
// already.
func (s *Store) EnqueueOnce(ctx context.Context, once store.Once, msgs ...store.OutboxMessage) (bool, error) {
	op := fmt.Sprintf("enqueue %d messages once %q", len(msgs), once.Key)
	if once.Key == "" {
		return false, fmt.Errorf("boltstore: %s: empty key", op)
	}
	var enqueued bool
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		set, err := setOnce(tx, once.Key, once.TTL, s.now())
		if err != nil || !set {
			enqueued = false
			return err
		}
		if err := s.enqueue(tx, msgs); err != nil {
			return err
		}
		if once.CursorChat != 0 {
			if err := setCursor(tx, once.CursorChat, once.Cursor); err != nil {
				return err
			}
		}
		enqueued = true
		return nil
	})
	if err != nil {
		return false, err
	}
	if enqueued && len(msgs) > 0 {
		s.ready.broadcast()
	}
	return enqueued, nil
}

// Claim takes over up to max messages that other consumers (or this one)
// claimed at least minIdle ago and never settled, then claims ready ones
// for the rest, in enqueue order. With nothing to claim it waits up to
// block for Enqueue or PromoteDue to add some; block <= 0 does not wait.
// A timeout is no error: it returns no messages.
func (s *Store) Claim(ctx context.Context, consumer string, max int, block, minIdle time.Duration) ([]store.OutboxMessage, error) {
	op := fmt.Sprintf("claim for %s", consumer)
	if max <= 0 {
		return []store.OutboxMessage{}, nil
	}
	var deadline time.Time
	if block > 0 {
		deadline = time.Now().Add(block)
	}
	for {
		wake := s.ready.wait() // before looking, so no signal is missed
		out, err := s.claimOnce(ctx, op, consumer, max, minIdle)
		if err != nil || len(out) > 0 || block <= 0 {
			return out, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return out, nil
		}
		timer := time.NewTimer(left)
		select {
		case <-wake:
			timer.Stop()
		case <-timer.C:
			return out, nil
		case <-ctx.Done():
			timer.Stop()
			return out, wrapErr(ctx.Err(), op)
		case <-s.done:
			timer.Stop()
			return out, wrapErr(ErrClosed, op)
		}
	}
}

// claimOnce claims without waiting. A read transaction looks first, so
// an empty outbox costs no write (and no fsync).
func (s *Store) claimOnce(ctx context.Context, op, consumer string, max int, minIdle time.Duration) ([]store.OutboxMessage, error) {
	now := s.now()
	cutoff := i64(now.Add(-minIdle).UnixNano()) // idle >= minIdle: claimed <= cutoff
	idle := func(claimKey []byte) bool { return bytes.Compare(claimKey[:8], cutoff) <= 0 }
	var work bool
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketClaims).Cursor().First()
		r, _ := tx.Bucket(bucketReady).Cursor().First()
		work = (len(k) >= 8 && idle(k)) || r != nil
		return nil
	})
	if err != nil || !work {
		return []store.OutboxMessage{}, err
	}
	out := []store.OutboxMessage{}
	err = s.update(ctx, op, func(tx *bolt.Tx) error {
		out = out[:0]
		pending, claims := tx.Bucket(bucketPending), tx.Bucket(bucketClaims)
		claimed := now.UnixNano()

		// Idle pending messages, longest idle first. Collected before
		// writing: the new claim keys land in the range being read.
		var stale [][]byte
		c := claims.Cursor()
		for k, _ := c.First(); k != nil && len(stale) < max && len(k) == 16 && idle(k); k, _ = c.Next() {
			stale = append(stale, clone(k))
		}
		for _, k := range stale {
			seqKey := k[8:]
			var p pendingRecord
			found, err := getJSON(pending, seqKey, &p)
			if err != nil {
				return err
			}
			if err := claims.Delete(k); err != nil {
				return err
			}
			if !found {
				continue // cannot happen: settled entries leave both buckets
			}
			p.Consumer, p.Claimed = consumer, claimed
			if err := s.putPending(tx, seqKey, p); err != nil {
				return err
			}
			out = append(out, withID(p.Message, seqKey))
		}

		// Then ready ones, in enqueue order.
		ready := tx.Bucket(bucketReady)
		type entry struct{ k, v []byte }
		var fresh []entry
		rc := ready.Cursor()
		for k, v := rc.First(); k != nil && len(out)+len(fresh) < max; k, v = rc.Next() {
			fresh = append(fresh, entry{clone(k), clone(v)})
		}
		for _, e := range fresh {
			var r readyRecord
			if err := decodeJSON(e.v, &r); err != nil {
				// Would fail every claim: bury it with its raw text.
				d := store.DeadLetter{
					Message: store.OutboxMessage{Text: string(e.v)},
					Reason:  fmt.Sprintf("undecodable outbox entry %x: %v", e.k, err),
					At:      now,
				}
				if err := s.addDead(tx, d); err != nil {
					return err
				}
				if err := ready.Delete(e.k); err != nil {
					return err
				}
				continue
			}
			if err := ready.Delete(e.k); err != nil {
				return err
			}
			p := pendingRecord{readyRecord: r, Consumer: consumer, Claimed: claimed}
			if err := s.putPending(tx, e.k, p); err != nil {
				return err
			}
			out = append(out, withID(r.Message, e.k))
		}
		return nil
	})
	if err != nil {
		return []store.OutboxMessage{}, err
	}
	return out, nil
}

// putPending writes a pending record and its claim index entry.
func (s *Store) putPending(tx *bolt.Tx, seqKey []byte, p pendingRecord) error {
	seq, err := decodeU64(seqKey)
	if err != nil {
		return err
	}
	if err := putJSON(tx.Bucket(bucketPending), seqKey, p); err != nil {
		return err
	}
	return tx.Bucket(bucketClaims).Put(claimKey(p.Claimed, seq), nil)
}

func withID(m store.OutboxMessage, seqKey []byte) store.OutboxMessage {
	seq, _ := decodeU64(seqKey)
	m.ID = messageID(seq)
	return m
}

// settle removes the claimed message id from pending and returns it;
// found is false when it is not pending (another worker took it over and
// settled it already), and then the caller must do nothing more, so the
// message is not sent twice.
func settle(tx *bolt.Tx, id string) (p pendingRecord, found bool, err error) {
	seq, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return p, false, fmt.Errorf("bad message id %q", id)
	}
	pending := tx.Bucket(bucketPending)
	found, err = getJSON(pending, u64(seq), &p)
	if err != nil || !found {
		return p, false, err
	}
	if err := tx.Bucket(bucketClaims).Delete(claimKey(p.Claimed, seq)); err != nil {
		return p, false, err
	}
	return p, true, pending.Delete(u64(seq))
}

// Ack removes a sent message.
func (s *Store) Ack(ctx context.Context, id string) error {
	return s.update(ctx, "ack "+id, func(tx *bolt.Tx) error {
		_, _, err := settle(tx, id)
		return err
	})
}

// Retry settles the claimed message id and schedules m at at (whole
// milliseconds, rounded down); it does nothing when id is not pending.
func (s *Store) Retry(ctx context.Context, id string, m store.OutboxMessage, at time.Time) error {
	op := "retry " + id
	m.ID = ""
	data, err := encodeJSON(m)
	if err != nil {
		return wrapErr(err, op)
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		_, found, err := settle(tx, id)
		if err != nil || !found {
			return err
		}
		delayed := tx.Bucket(bucketDelayed)
		n, err := delayed.NextSequence()
		if err != nil {
			return err
		}
		return delayed.Put(delayedKey(ms(at), n), data)
	})
}

// Bury settles the claimed message id and keeps d as a dead letter; like
// Retry it does nothing when id is not pending.
func (s *Store) Bury(ctx context.Context, id string, d store.DeadLetter) error {
	return s.update(ctx, "bury "+id, func(tx *bolt.Tx) error {
		_, found, err := settle(tx, id)
		if err != nil || !found {
			return err
		}
		return s.addDead(tx, d)
	})
}

// addDead appends a dead letter, counts it and drops the oldest beyond
// deadCap.
func (s *Store) addDead(tx *bolt.Tx, d store.DeadLetter) error {
	d.Message.ID = ""
	dead := tx.Bucket(bucketDead)
	seq, err := dead.NextSequence()
	if err != nil {
		return err
	}
	if err := putJSON(dead, u64(seq), d); err != nil {
		return err
	}
	if err := trimLog(dead, seq, s.deadCap); err != nil {
		return err
	}
	meta := tx.Bucket(bucketMeta)
	var count uint64
	if v := meta.Get(metaDeadCount); v != nil {
		if count, err = decodeU64(v); err != nil {
			return fmt.Errorf("bad dead letter count: %w", err)
		}
	}
	return meta.Put(metaDeadCount, u64(count+1))
}

// PromoteDue moves every delayed message due at or before now (whole
// milliseconds) to the ready queue in one transaction. A read transaction
// looks first, so the frequent calls that find nothing cost no write.
func (s *Store) PromoteDue(ctx context.Context, now time.Time) (int, error) {
	const op = "promote due messages"
	limit := i64(ms(now))
	due := func(k []byte) bool { return len(k) >= 8 && bytes.Compare(k[:8], limit) <= 0 }
	var work bool
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketDelayed).Cursor().First()
		work = due(k)
		return nil
	})
	if err != nil || !work {
		return 0, err
	}
	n := 0
	err = s.update(ctx, op, func(tx *bolt.Tx) error {
		n = 0
		delayed := tx.Bucket(bucketDelayed)
		var keys [][]byte
		var msgs []store.OutboxMessage
		c := delayed.Cursor()
		for k, v := c.First(); due(k); k, v = c.Next() {
			var m store.OutboxMessage
			if err := decodeJSON(v, &m); err != nil {
				return fmt.Errorf("decode delayed message %x: %w", k, err)
			}
			keys = append(keys, clone(k))
			msgs = append(msgs, m)
		}
		for _, k := range keys {
			if err := delayed.Delete(k); err != nil {
				return err
			}
		}
		n = len(msgs)
		return s.enqueue(tx, msgs)
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		s.ready.broadcast()
	}
	return n, nil
}

// OutboxStats counts the outbox in one read transaction, a consistent
// snapshot. OldestAge looks at the first ready and the first pending
// message (the oldest enqueued of each) and the delayed message due first,
// which approximates the oldest unsent message without reading them all.
func (s *Store) OutboxStats(ctx context.Context, now time.Time) (store.OutboxStats, error) {
	var st store.OutboxStats
	err := s.view(ctx, "outbox stats", func(tx *bolt.Tx) error {
		ready, pending, delayed := tx.Bucket(bucketReady), tx.Bucket(bucketPending), tx.Bucket(bucketDelayed)
		st.Ready = int64(ready.Stats().KeyN)
		st.Pending = int64(pending.Stats().KeyN)
		st.Delayed = int64(delayed.Stats().KeyN)
		if v := tx.Bucket(bucketMeta).Get(metaDeadCount); v != nil {
			n, err := decodeU64(v)
			if err != nil {
				return fmt.Errorf("bad dead letter count: %w", err)
			}
			st.Dead = int64(n)
		}

		var oldest time.Time
		older := func(t time.Time) {
			if !t.IsZero() && (oldest.IsZero() || t.Before(oldest)) {
				oldest = t
			}
		}
		for _, b := range []*bolt.Bucket{ready, pending} {
			if _, v := b.Cursor().First(); v != nil {
				var r readyRecord
				if decodeJSON(v, &r) == nil {
					older(time.UnixMilli(r.Enqueued))
					older(r.Message.CreatedAt)
				}
			}
		}
		if _, v := delayed.Cursor().First(); v != nil {
			var m store.OutboxMessage
			if decodeJSON(v, &m) == nil {
				older(m.CreatedAt)
			}
		}
		if !oldest.IsZero() && now.After(oldest) {
			st.OldestAge = now.Sub(oldest)
		}
		return nil
	})
	if err != nil {
		return store.OutboxStats{}, err
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
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDead).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			var d store.DeadLetter
			if err := decodeJSON(v, &d); err != nil {
				return fmt.Errorf("decode dead letter %x: %w", k, err)
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
