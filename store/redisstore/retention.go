package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// InactiveSubscribersAfter pages through subs:inactive by score (the chat
// id), reading each batch's records with one MGET, and keeps those
// inactive since before before. It reads on until it has limit or the
// index ends, so a page comes back short only at the end.
func (s *Store) InactiveSubscribersAfter(ctx context.Context, before time.Time, after int64, limit int) ([]store.Subscriber, error) {
	op := fmt.Sprintf("inactive subscribers after %d limit=%d", after, limit)
	out := []store.Subscriber{}
	if limit <= 0 || after == math.MaxInt64 {
		return out, nil
	}
	if err := s.ensureMigrated(ctx); err != nil {
		return nil, err
	}
	for len(out) < limit {
		members, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
			Key:     s.k.inactiveSubscribers(),
			Start:   "(" + strconv.FormatInt(after, 10),
			Stop:    "+inf",
			ByScore: true,
			Count:   scanBatch,
		}).Result()
		if err != nil {
			return nil, wrapErr(err, op)
		}
		if len(members) == 0 {
			break
		}
		ids := make([]int64, len(members))
		for i, m := range members {
			if ids[i], err = parseMember(m); err != nil {
				return nil, wrapErr(fmt.Errorf("bad member %q: %w", m, err), op)
			}
		}
		// See CitySubscribers: scores order the ids exactly below 2^53.
		slices.Sort(ids)
		keys := make([]string, len(ids))
		for i, id := range ids {
			keys[i] = s.k.subscriber(id)
		}
		var subs []store.Subscriber
		err = mgetEach(ctx, s.rdb, keys, func(i int, str string) error {
			var sub store.Subscriber
			if err := json.Unmarshal([]byte(str), &sub); err != nil {
				return fmt.Errorf("decode %s: %w", keys[i], err)
			}
			subs = append(subs, sub)
			return nil
		})
		if err != nil {
			return nil, wrapErr(err, op)
		}
		for _, sub := range subs {
			if len(out) == limit {
				return out, nil // the rest is the next page's
			}
			if sub.Expired(before) {
				out = append(out, sub)
			}
		}
		after = ids[len(ids)-1]
		if len(members) < scanBatch {
			break
		}
	}
	return out, nil
}

// UserAudit walks the log of all posts, newest first, a batch at a time,
// keeping userID's entries.
func (s *Store) UserAudit(ctx context.Context, userID int64, limit int) ([]store.AuditEntry, error) {
	op := fmt.Sprintf("audit of user %d limit=%d", userID, limit)
	out := []store.AuditEntry{}
	for start := int64(0); len(out) < limit; start += scanBatch {
		vals, err := s.rdb.LRange(ctx, s.k.audit(), start, start+scanBatch-1).Result()
		if err != nil {
			return nil, wrapErr(err, op)
		}
		for i, v := range vals {
			var e store.AuditEntry
			if err := json.Unmarshal([]byte(v), &e); err != nil {
				return nil, wrapErr(fmt.Errorf("decode %s[%d]: %w", s.k.audit(), start+int64(i), err), op)
			}
			if e.UserID == userID && len(out) < limit {
				out = append(out, e)
			}
		}
		if len(vals) < scanBatch {
			break
		}
	}
	return out, nil
}

// PruneAudit trims the oldest entries made before before off the tail of
// the log of all posts (lists are newest first), and the same entries off
// the tails of their posts' logs, in one transaction watching the lists:
// an entry appended meanwhile goes to the head and is never trimmed.
func (s *Store) PruneAudit(ctx context.Context, before time.Time, limit int) (int, error) {
	op := fmt.Sprintf("prune audit before %s", before.UTC().Format(time.RFC3339))
	if limit <= 0 {
		return 0, nil
	}
	all := s.k.audit()
	n := 0
	err := s.watch(ctx, func(tx *redis.Tx) error {
		old, err := oldTail(ctx, tx, all, before, limit)
		if err != nil {
			return err
		}
		// How many of each post's entries go: they are the tail of its
		// log too, which is checked entry by entry all the same.
		perPost := map[int64]int{}
		for _, e := range old {
			if e.PostID != 0 {
				perPost[e.PostID]++
			}
		}
		postKeys := make([]string, 0, len(perPost))
		for id := range perPost {
			postKeys = append(postKeys, s.k.postAudit(id))
		}
		if len(postKeys) > 0 {
			if err := tx.Watch(ctx, postKeys...).Err(); err != nil {
				return err
			}
		}
		trim := map[string]int{}
		for id, count := range perPost {
			tail, err := oldTail(ctx, tx, s.k.postAudit(id), before, count)
			if err != nil {
				return err
			}
			trim[s.k.postAudit(id)] = len(tail)
		}
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			if len(old) > 0 {
				pipe.LTrim(ctx, all, 0, -int64(len(old))-1)
			}
			for key, k := range trim {
				if k > 0 {
					pipe.LTrim(ctx, key, 0, -int64(k)-1)
				}
			}
			return nil
		})
		n = len(old)
		return err
	}, all)
	if err != nil {
		return 0, wrapErr(err, op)
	}
	return n, nil
}

// oldTail returns the entries at the tail of list (its oldest) made before
// before, oldest first, at most limit, stopping at the first newer one.
func oldTail(ctx context.Context, c redis.Cmdable, list string, before time.Time, limit int) ([]store.AuditEntry, error) {
	vals, err := c.LRange(ctx, list, -int64(limit), -1).Result()
	if err != nil {
		return nil, err
	}
	var out []store.AuditEntry
	for i := len(vals) - 1; i >= 0; i-- {
		var e store.AuditEntry
		if err := json.Unmarshal([]byte(vals[i]), &e); err != nil {
			return nil, fmt.Errorf("decode %s tail: %w", list, err)
		}
		if !e.At.Before(before) {
			break
		}
		out = append(out, e)
	}
	return out, nil
}

// errKept aborts a deletion whose record is no longer expired.
var errKept = errors.New("record kept")

// DeleteExpiredSubscriber deletes chatID's record (and what
// DeleteSubscriber deletes with it) in updateSubscriber's transaction,
// which watches the record, only while it is still expired.
func (s *Store) DeleteExpiredSubscriber(ctx context.Context, chatID int64, cutoff time.Time) (bool, error) {
	op := fmt.Sprintf("delete expired subscriber %d", chatID)
	_, err := s.updateSubscriber(ctx, chatID, func(old store.Subscriber, found bool) (*store.Subscriber, error) {
		if !found || !old.Expired(cutoff) {
			return nil, errKept
		}
		return nil, nil
	})
	if errors.Is(err, errKept) {
		return false, nil
	}
	if err != nil {
		return false, wrapErr(err, op)
	}
	return true, nil
}
