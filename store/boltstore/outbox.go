package boltstore

import (
	"context"
	"fmt"
	"slices"

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
//
// Personal messages (store.OutboxMessage.Personal) wait in a ready queue
// of their own, outbox_personal, which Claim reads first: read in enqueue
// order with the rest, an official's answer would wait behind a whole
// digest. Their sequence numbers come from the same counter as the
// others', so an ID names one message in pending wherever it came from,
// and a pending personal message is indexed by claim time in
// outbox_personal_claims, so a claim of personal messages alone finds the
// idle ones among them without reading the others.

// defaultDeadCap is how many dead letters are kept, like redisstore.
const defaultDeadCap = 10_000

// readyRecord is a ready message.
type readyRecord struct {
	Message store.OutboxMessage `json:"message"`
	// Enqueued is when the message became ready, unix ms; it stands in
	// for CreatedAt when that is unset (like a Redis stream id).
	Enqueued int64 `json:"enqueued"`
	// Personal tells the message waits in outbox_personal, and when
	// claimed is indexed in outbox_personal_claims: set from the rule
	// when it became ready, so a message's index stays where it was put.
	Personal bool `json:"personal,omitempty"`
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

// enqueue appends msgs to the ready queue within tx; a message with a
// NotBefore waits with the delayed ones until PromoteDue finds it due.
func (s *Store) enqueue(tx *bolt.Tx, msgs []store.OutboxMessage) error {
	for i, m := range msgs {
		if m.NotBefore.IsZero() {
			continue
		}
		if err := putDelayed(tx, m, m.NotBefore); err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
	}
	return s.enqueueReady(tx, slices.DeleteFunc(slices.Clone(msgs), func(m store.OutboxMessage) bool {
		return !m.NotBefore.IsZero()
	}))
}

// enqueueReady appends msgs to their ready queue within tx, whatever their
// NotBefore: PromoteDue moves them there once it has passed.
func (s *Store) enqueueReady(tx *bolt.Tx, msgs []store.OutboxMessage) error {
	ready, personal := tx.Bucket(bucketReady), tx.Bucket(bucketPersonal)
	now := ms(s.now())
	for i, m := range msgs {
		m.ID = ""
		r := readyRecord{Message: m, Enqueued: now, Personal: m.Personal()}
		data, err := encodeJSON(r)
		if err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
		seq, err := ready.NextSequence() // one counter for both queues
		if err != nil {
			return err
		}
		queue := ready
		if r.Personal {
			queue = personal
		}
		if err := queue.Put(u64(seq), data); err != nil {
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
			if once.Day != "" {
				if err := tx.Bucket(bucketDigestDays).Put(i64(once.CursorChat), []byte(once.Day)); err != nil {
					return err
				}
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
