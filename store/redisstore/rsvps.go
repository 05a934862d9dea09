package redisstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// Sign-ups: an event's list is one record, changed in a WATCH/MULTI
// transaction over the event, the list and the cause, by the rules in
// package store; the notices the rules return are XADDed to the outbox in
// the same MULTI, so a place given is a message queued, once.

// maxRSVPAttempts bounds the retries of a sign-up. Unlike other records,
// an event's list is written by many people at once (a popular event
// opening), so a writer backs off a little and tries longer.
const maxRSVPAttempts = 200

// watchBusy is watch for a record many clients write at once: after a few
// lost races it waits a random millisecond or two, so writers spread out.
func (s *Store) watchBusy(ctx context.Context, fn func(tx *redis.Tx) error, keys ...string) error {
	for attempt := range maxRSVPAttempts {
		err := s.rdb.Watch(ctx, fn, keys...)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
		if attempt >= 3 {
			t := time.NewTimer(time.Duration(rand.N(2000)+200) * time.Microsecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
	}
	return errContention
}

// getList reads an event's list; a missing one is empty.
func (s *Store) getList(ctx context.Context, c redis.Cmdable, eventID int64) (store.RSVPList, error) {
	var l store.RSVPList
	if _, err := getJSON(ctx, c, s.k.rsvp(eventID), &l); err != nil {
		return l, err
	}
	l.EventID = eventID
	return l, nil
}

// listWrites encodes a list (removed when empty), its counts and the
// notices to queue with it, so that queueing them in a MULTI cannot fail
// halfway.
func (s *Store) listWrites(ctx context.Context, l store.RSVPList, msgs []store.OutboxMessage) (func(redis.Pipeliner), error) {
	var data, counts []byte
	if !l.Empty() {
		var err error
		if data, err = json.Marshal(l); err != nil {
			return nil, fmt.Errorf("encode list: %w", err)
		}
		if counts, err = json.Marshal(l.Counts()); err != nil {
			return nil, fmt.Errorf("encode counts: %w", err)
		}
	}
	notices, err := encodeMessages(msgs)
	if err != nil {
		return nil, err
	}
	return func(pipe redis.Pipeliner) {
		if data == nil {
			pipe.Del(ctx, s.k.rsvp(l.EventID), s.k.rsvpCounts(l.EventID))
		} else {
			pipe.Set(ctx, s.k.rsvp(l.EventID), data, 0)
			pipe.Set(ctx, s.k.rsvpCounts(l.EventID), counts, 0)
		}
		for i, d := range notices {
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: s.streamFor(msgs[i]), Values: []any{"m", d}})
		}
	}, nil
}

// RSVP implements store.RSVPs.
func (s *Store) RSVP(ctx context.Context, eventID int64, r store.RSVP) (store.RSVPResult, error) {
	op := fmt.Sprintf("%s for event %d by %d", r.Action, eventID, r.Person.UserID)
	postKey, listKey, userKey := s.k.post(eventID), s.k.rsvp(eventID), s.k.userRSVPs(r.Person.UserID)
	keys := []string{postKey, listKey}
	causeKey := ""
	if r.Cause != "" {
		causeKey = s.k.cause("rsvp:" + r.Cause)
		keys = append(keys, causeKey)
	}
	var res store.RSVPResult
	// The notices of a sign-up without a cause would be queued again by
	// a retry that finds the list changed differently.
	err := s.watchBusy(ctx, s.ackedTx(ctx, keyedOr(r.Cause != ""), op, func(tx *redis.Tx) error {
		ev, found, err := getPost(ctx, tx, postKey)
		if err != nil {
			return err
		}
		if !found && !r.Forget {
			return store.ErrNotFound
		}
		ev.ID = eventID
		l, err := s.getList(ctx, tx, eventID)
		if err != nil {
			return err
		}
		if causeKey != "" {
			if _, done, err := causeID(ctx, tx, causeKey); err != nil || done {
				res = store.Standing(ev, l, r.Person.UserID)
				res.Repeated = true
				return err
			}
		}
		next, out, err := store.ApplyRSVP(ev, l, r)
		if err != nil {
			return err
		}
		res = out
		if !out.Changed {
			return nil
		}
		writes, err := s.listWrites(ctx, next, store.PromotionNotices(ev, out.Promoted, r.At))
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			writes(pipe)
			if out.Status == "" {
				pipe.SRem(ctx, userKey, eventID)
			} else {
				pipe.SAdd(ctx, userKey, eventID)
			}
			if causeKey != "" {
				pipe.Set(ctx, causeKey, eventID, store.CauseTTL)
			}
			return nil
		})
		return err
	}), keys...)
	if err != nil {
		return store.RSVPResult{}, wrapErr(err, op)
	}
	return res, nil
}

// Attendees implements store.RSVPs.
func (s *Store) Attendees(ctx context.Context, eventID int64) (store.RSVPList, error) {
	l, err := s.getList(ctx, s.rdb, eventID)
	return l, wrapErr(err, fmt.Sprintf("attendees of event %d", eventID))
}

// RSVPCounts implements store.RSVPs.
func (s *Store) RSVPCounts(ctx context.Context, eventIDs []int64) (map[int64]store.Turnout, error) {
	op := fmt.Sprintf("sign-up counts of %d events", len(eventIDs))
	out := map[int64]store.Turnout{}
	if len(eventIDs) == 0 {
		return out, nil
	}
	keys := make([]string, len(eventIDs))
	for i, id := range eventIDs {
		keys[i] = s.k.rsvpCounts(id)
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, wrapErr(err, op)
	}
	for i, v := range vals {
		raw, ok := v.(string)
		if !ok {
			continue
		}
		var t store.Turnout
		if err := json.Unmarshal([]byte(raw), &t); err != nil {
			return nil, wrapErr(fmt.Errorf("decode %s: %w", keys[i], err), op)
		}
		out[eventIDs[i]] = t
	}
	return out, nil
}

// userEvents reads the ids of the events a person is on the list of.
func (s *Store) userEvents(ctx context.Context, userID int64) ([]int64, error) {
	members, err := s.rdb.SMembers(ctx, s.k.userRSVPs(userID)).Result()
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		id, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad event id %q in %s", m, s.k.userRSVPs(userID))
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

// UserRSVPs implements store.RSVPs.
func (s *Store) UserRSVPs(ctx context.Context, userID int64) ([]store.Attendee, error) {
	op := fmt.Sprintf("sign-ups of %d", userID)
	ids, err := s.userEvents(ctx, userID)
	if err != nil {
		return nil, wrapErr(err, op)
	}
	var out []store.Attendee
	for _, id := range ids {
		l, err := s.getList(ctx, s.rdb, id)
		if err != nil {
			return nil, wrapErr(err, op)
		}
		if a, st, _ := l.Find(userID); st != "" {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b store.Attendee) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.EventID, b.EventID)) })
	return out, nil
}

// ForgetRSVPs implements store.RSVPs.
func (s *Store) ForgetRSVPs(ctx context.Context, userID int64, now time.Time) (int, error) {
	op := fmt.Sprintf("forget sign-ups of %d", userID)
	ids, err := s.userEvents(ctx, userID)
	if err != nil {
		return 0, wrapErr(err, op)
	}
	n := 0
	for _, id := range ids {
		res, err := s.RSVP(ctx, id, store.RSVP{Action: store.RSVPCancel, Person: store.Attendee{UserID: userID}, At: now, Forget: true})
		if err != nil {
			return n, err
		}
		if res.Changed {
			n++
		}
		// An index entry left over from an interrupted run goes too.
		if err := s.rdb.SRem(ctx, s.k.userRSVPs(userID), id).Err(); err != nil {
			return n, wrapErr(err, op)
		}
	}
	return n, nil
}

// editedList applies store.EventEdited within an edit's transaction: it
// watches and reads the event's list, and returns what to queue with the
// edit (nil when nobody signed up).
func (s *Store) editedList(ctx context.Context, tx *redis.Tx, old, p store.Post, now time.Time) (func(redis.Pipeliner), error) {
	if old.Kind != store.KindEvent {
		return nil, nil
	}
	if err := tx.Watch(ctx, s.k.rsvp(p.ID)).Err(); err != nil {
		return nil, err
	}
	l, err := s.getList(ctx, tx, p.ID)
	if err != nil || l.Empty() {
		return nil, err
	}
	next, msgs := store.EventEdited(old, p, l, now)
	return s.listWrites(ctx, next, msgs)
}

// deletedList applies store.EventDeleted within a removal's transaction:
// the list and everyone's index entries go, the notices are queued.
func (s *Store) deletedList(ctx context.Context, tx *redis.Tx, old store.Post, now time.Time) (func(redis.Pipeliner), error) {
	if err := tx.Watch(ctx, s.k.rsvp(old.ID)).Err(); err != nil {
		return nil, err
	}
	l, err := s.getList(ctx, tx, old.ID)
	if err != nil || l.Empty() {
		return nil, err
	}
	writes, err := s.listWrites(ctx, store.RSVPList{EventID: old.ID}, store.EventDeleted(old, l, now))
	if err != nil {
		return nil, err
	}
	return func(pipe redis.Pipeliner) {
		for _, a := range l.All() {
			pipe.SRem(ctx, s.k.userRSVPs(a.UserID), old.ID)
		}
		writes(pipe)
	}, nil
}
