package boltstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// Sign-ups: an event's list is one record, changed in the same
// transaction that reads the event, by the rules in package store; the
// notices the rules return go into the outbox in that transaction too.

// getList reads an event's list within tx; a missing one is empty.
func getList(tx *bolt.Tx, eventID int64) (store.RSVPList, error) {
	var l store.RSVPList
	if _, err := getJSON(tx.Bucket(bucketRSVPs), i64(eventID), &l); err != nil {
		return l, err
	}
	l.EventID = eventID
	return l, nil
}

// putList writes a list within tx, or removes it when empty.
func putList(tx *bolt.Tx, l store.RSVPList) error {
	if l.Empty() {
		return tx.Bucket(bucketRSVPs).Delete(i64(l.EventID))
	}
	return putJSON(tx.Bucket(bucketRSVPs), i64(l.EventID), l)
}

// RSVP implements store.RSVPs.
func (s *Store) RSVP(ctx context.Context, eventID int64, r store.RSVP) (store.RSVPResult, error) {
	op := fmt.Sprintf("%s for event %d by %d", r.Action, eventID, r.Person.UserID)
	var res store.RSVPResult
	notices := false
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		res, notices = store.RSVPResult{}, false
		var ev store.Post
		found, err := getJSON(tx.Bucket(bucketPosts), i64(eventID), &ev)
		if err != nil {
			return err
		}
		if !found && !r.Forget {
			return store.ErrNotFound
		}
		ev.ID = eventID
		l, err := getList(tx, eventID)
		if err != nil {
			return err
		}
		now := s.now()
		if r.Cause != "" {
			if _, done, err := getCause(tx, "rsvp:"+r.Cause, now); err != nil || done {
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
		if err := putList(tx, next); err != nil {
			return err
		}
		byUser := tx.Bucket(bucketRSVPsByUser)
		key := userEventKey(r.Person.UserID, eventID)
		if out.Status == "" {
			err = byUser.Delete(key)
		} else {
			err = byUser.Put(key, nil)
		}
		if err != nil {
			return err
		}
		if r.Cause != "" {
			if err := putExpiring(tx, causeKey("rsvp:"+r.Cause), i64(eventID), now.Add(store.CauseTTL), now); err != nil {
				return err
			}
		}
		msgs := store.PromotionNotices(ev, out.Promoted, r.At)
		notices = len(msgs) > 0
		return s.enqueue(tx, msgs)
	})
	if err != nil {
		return store.RSVPResult{}, err
	}
	if notices {
		s.ready.broadcast()
	}
	return res, nil
}

// Attendees implements store.RSVPs.
func (s *Store) Attendees(ctx context.Context, eventID int64) (store.RSVPList, error) {
	var l store.RSVPList
	err := s.view(ctx, fmt.Sprintf("attendees of event %d", eventID), func(tx *bolt.Tx) error {
		var err error
		l, err = getList(tx, eventID)
		return err
	})
	return l, err
}

// RSVPCounts implements store.RSVPs.
func (s *Store) RSVPCounts(ctx context.Context, eventIDs []int64) (map[int64]store.Turnout, error) {
	out := map[int64]store.Turnout{}
	err := s.view(ctx, fmt.Sprintf("sign-up counts of %d events", len(eventIDs)), func(tx *bolt.Tx) error {
		for _, id := range eventIDs {
			l, err := getList(tx, id)
			if err != nil {
				return err
			}
			if !l.Empty() {
				out[id] = l.Counts()
			}
		}
		return nil
	})
	return out, err
}

// userEvents lists the events a person is on the list of, within tx.
func userEvents(tx *bolt.Tx, userID int64) ([]int64, error) {
	var ids []int64
	prefix := i64(userID)
	c := tx.Bucket(bucketRSVPsByUser).Cursor()
	for k, _ := c.Seek(prefix); hasPrefix(k, prefix); k, _ = c.Next() {
		id, err := decodeI64(k[8:])
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// UserRSVPs implements store.RSVPs.
func (s *Store) UserRSVPs(ctx context.Context, userID int64) ([]store.Attendee, error) {
	var out []store.Attendee
	err := s.view(ctx, fmt.Sprintf("sign-ups of %d", userID), func(tx *bolt.Tx) error {
		out = nil
		ids, err := userEvents(tx, userID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			l, err := getList(tx, id)
			if err != nil {
				return err
			}
			if a, st, _ := l.Find(userID); st != "" {
				out = append(out, a)
			}
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b store.Attendee) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.EventID, b.EventID)) })
	return out, err
}

// ForgetRSVPs implements store.RSVPs: one transaction per event, like
// Redis, so a long list of sign-ups never holds the file's lock for long.
func (s *Store) ForgetRSVPs(ctx context.Context, userID int64, now time.Time) (int, error) {
	var ids []int64
	op := fmt.Sprintf("forget sign-ups of %d", userID)
	if err := s.view(ctx, op, func(tx *bolt.Tx) error {
		var err error
		ids, err = userEvents(tx, userID)
		return err
	}); err != nil {
		return 0, err
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
		if err := s.update(ctx, op, func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRSVPsByUser).Delete(userEventKey(userID, id))
		}); err != nil {
			return n, err
		}
	}
	return n, nil
}

// editList applies store.EventEdited within an edit's transaction. It
// reports whether it queued notices.
func (s *Store) editList(tx *bolt.Tx, old, p store.Post, now time.Time) (bool, error) {
	if old.Kind != store.KindEvent {
		return false, nil
	}
	l, err := getList(tx, p.ID)
	if err != nil || l.Empty() {
		return false, err
	}
	next, msgs := store.EventEdited(old, p, l, now)
	if err := putList(tx, next); err != nil {
		return false, err
	}
	return len(msgs) > 0, s.enqueue(tx, msgs)
}

// deleteList applies store.EventDeleted within a removal's transaction:
// the list and everyone's index entries go, the notices are queued. It
// reports whether it queued notices.
func (s *Store) deleteList(tx *bolt.Tx, old store.Post, now time.Time) (bool, error) {
	l, err := getList(tx, old.ID)
	if err != nil || l.Empty() {
		return false, err
	}
	byUser := tx.Bucket(bucketRSVPsByUser)
	for _, a := range l.All() {
		if err := byUser.Delete(userEventKey(a.UserID, old.ID)); err != nil {
			return false, err
		}
	}
	if err := tx.Bucket(bucketRSVPs).Delete(i64(old.ID)); err != nil {
		return false, err
	}
	msgs := store.EventDeleted(old, l, now)
	return len(msgs) > 0, s.enqueue(tx, msgs)
}
