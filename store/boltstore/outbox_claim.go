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

// Claim takes over up to max messages that other consumers (or this one)
// claimed at least minIdle ago and never settled, then claims ready ones
// for the rest, in enqueue order, personal messages first each time. With
// nothing to claim it waits up to block for Enqueue or PromoteDue to add
// some; block <= 0 does not wait. A timeout is no error: it returns no
// messages.
func (s *Store) Claim(ctx context.Context, consumer string, max int, block, minIdle time.Duration) ([]store.OutboxMessage, error) {
	return s.claim(ctx, fmt.Sprintf("claim for %s", consumer), consumer, max, block, minIdle, bothQueues)
}

// ClaimPersonal is Claim of personal messages alone.
func (s *Store) ClaimPersonal(ctx context.Context, consumer string, max int, block, minIdle time.Duration) ([]store.OutboxMessage, error) {
	return s.claim(ctx, fmt.Sprintf("claim personal messages for %s", consumer), consumer, max, block, minIdle, bothQueues[:1])
}

// readyQueue is a ready bucket and the claim index of the pending
// messages that came from it.
type readyQueue struct{ ready, claims []byte }

// bothQueues are the ready queues in the order Claim reads them.
var bothQueues = []readyQueue{{bucketPersonal, bucketPersonalClaim}, {bucketReady, bucketClaims}}

// claimsBucket is the claim index of a pending message.
func claimsBucket(personal bool) []byte {
	if personal {
		return bucketPersonalClaim
	}
	return bucketClaims
}

func (s *Store) claim(ctx context.Context, op, consumer string, max int, block, minIdle time.Duration, queues []readyQueue) ([]store.OutboxMessage, error) {
	if max <= 0 {
		return []store.OutboxMessage{}, nil
	}
	var deadline time.Time
	if block > 0 {
		deadline = time.Now().Add(block)
	}
	for {
		wake := s.ready.wait() // before looking, so no signal is missed
		out, err := s.claimOnce(ctx, op, consumer, max, minIdle, queues)
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

// claimOnce claims from queues without waiting. A read transaction looks
// first, so an empty outbox costs no write (and no fsync).
func (s *Store) claimOnce(ctx context.Context, op, consumer string, max int, minIdle time.Duration, queues []readyQueue) ([]store.OutboxMessage, error) {
	now := s.now()
	cutoff := i64(now.Add(-minIdle).UnixNano()) // idle >= minIdle: claimed <= cutoff
	idle := func(claimKey []byte) bool { return bytes.Compare(claimKey[:8], cutoff) <= 0 }
	var work bool
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		for _, q := range queues {
			k, _ := tx.Bucket(q.claims).Cursor().First()
			r, _ := tx.Bucket(q.ready).Cursor().First()
			work = work || (len(k) >= 8 && idle(k)) || r != nil
		}
		return nil
	})
	if err != nil || !work {
		return []store.OutboxMessage{}, err
	}
	out := []store.OutboxMessage{}
	err = s.update(ctx, op, func(tx *bolt.Tx) error {
		out = out[:0]
		claimed := now.UnixNano()
		for _, q := range queues {
			if err := s.takeOver(tx, q, consumer, max, claimed, idle, &out); err != nil {
				return err
			}
		}
		for _, q := range queues {
			if err := s.claimReady(tx, q, consumer, max, claimed, &out); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return []store.OutboxMessage{}, err
	}
	return out, nil
}

// takeOver claims for consumer the idle pending messages of q, longest
// idle first, until out holds max.
func (s *Store) takeOver(tx *bolt.Tx, q readyQueue, consumer string, max int, claimed int64, idle func([]byte) bool, out *[]store.OutboxMessage) error {
	pending, claims := tx.Bucket(bucketPending), tx.Bucket(q.claims)
	// Collected before writing: the new claim keys land in the range
	// being read.
	var stale [][]byte
	c := claims.Cursor()
	for k, _ := c.First(); k != nil && len(*out)+len(stale) < max && len(k) == 16 && idle(k); k, _ = c.Next() {
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
		*out = append(*out, withID(p.Message, seqKey))
	}
	return nil
}

// claimReady claims for consumer the ready messages of q, in enqueue
// order, until out holds max.
func (s *Store) claimReady(tx *bolt.Tx, q readyQueue, consumer string, max int, claimed int64, out *[]store.OutboxMessage) error {
	ready := tx.Bucket(q.ready)
	type entry struct{ k, v []byte }
	var fresh []entry
	rc := ready.Cursor()
	for k, v := rc.First(); k != nil && len(*out)+len(fresh) < max; k, v = rc.Next() {
		fresh = append(fresh, entry{clone(k), clone(v)})
	}
	for _, e := range fresh {
		var r readyRecord
		if err := decodeJSON(e.v, &r); err != nil {
			// Would fail every claim: bury it with its raw text.
			d := store.DeadLetter{
				Message: store.OutboxMessage{Text: string(e.v)},
				Reason:  fmt.Sprintf("undecodable outbox entry %x: %v", e.k, err),
				At:      time.Unix(0, claimed),
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
		*out = append(*out, withID(r.Message, e.k))
	}
	return nil
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
	return tx.Bucket(claimsBucket(p.Personal)).Put(claimKey(p.Claimed, seq), nil)
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
	if err := tx.Bucket(claimsBucket(p.Personal)).Delete(claimKey(p.Claimed, seq)); err != nil {
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
