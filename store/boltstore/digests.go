package boltstore

import (
	"context"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// runCounts are a run's settled messages, kept apart from the run record so
// SaveRun of a run read before cannot overwrite them.
type runCounts struct {
	Sent   int `json:"sent"`
	Failed int `json:"failed"`
}

// StartRun stores r unless a run with its key exists, and returns the run
// as stored (like Run). Runs are kept for good (a few hundred small records
// a year).
func (s *Store) StartRun(ctx context.Context, r store.DigestRun) (store.DigestRun, error) {
	op := fmt.Sprintf("start run %q", r.Key)
	if r.Key == "" {
		return store.DigestRun{}, fmt.Errorf("boltstore: %s: empty key", op)
	}
	var out store.DigestRun
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		found, err := readRun(tx, r.Key, &out)
		if err != nil || found {
			return err
		}
		r.Sent, r.Failed = 0, 0
		out = r
		return putRun(tx, r)
	})
	if err != nil {
		return store.DigestRun{}, err
	}
	return out, nil
}

// SaveRun stores r (creating it if need be) and moves its index entry.
// Sent and Failed stay as CountDelivery counted them.
func (s *Store) SaveRun(ctx context.Context, r store.DigestRun) error {
	op := fmt.Sprintf("save run %q", r.Key)
	if r.Key == "" {
		return fmt.Errorf("boltstore: %s: empty key", op)
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error { return putRun(tx, r) })
}

// putRun writes r and its runs_by_start entry, dropping the entry of the
// version it replaces.
func putRun(tx *bolt.Tx, r store.DigestRun) error {
	runs, byStart := tx.Bucket(bucketRuns), tx.Bucket(bucketRunsByStart)
	var old store.DigestRun
	found, err := getJSON(runs, []byte(r.Key), &old)
	if err != nil {
		return err
	}
	if found {
		if err := byStart.Delete(runStartKey(ms(old.StartedAt), old.Key)); err != nil {
			return err
		}
	}
	if err := putJSON(runs, []byte(r.Key), r); err != nil {
		return err
	}
	return byStart.Put(runStartKey(ms(r.StartedAt), r.Key), nil)
}

// readRun reads the run key with Sent and Failed from its counts.
func readRun(tx *bolt.Tx, key string, r *store.DigestRun) (bool, error) {
	found, err := getJSON(tx.Bucket(bucketRuns), []byte(key), r)
	if err != nil || !found {
		return false, err
	}
	var c runCounts
	if _, err := getJSON(tx.Bucket(bucketRunCounts), []byte(key), &c); err != nil {
		return false, err
	}
	r.Sent, r.Failed = c.Sent, c.Failed // the counts are the truth, not what SaveRun wrote
	return true, nil
}

// Run returns the run with key, with Sent and Failed from its counts, or
// store.ErrNotFound.
func (s *Store) Run(ctx context.Context, key string) (store.DigestRun, error) {
	op := fmt.Sprintf("get run %q", key)
	var r store.DigestRun
	var found bool
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		var err error
		found, err = readRun(tx, key, &r)
		return err
	})
	if err != nil {
		return store.DigestRun{}, err
	}
	if !found {
		return store.DigestRun{}, notFound(op)
	}
	return r, nil
}

// CountDelivery adds a settled message to the counts of the run runKey,
// or is store.ErrNotFound when there is no such run.
func (s *Store) CountDelivery(ctx context.Context, runKey string, sent bool) error {
	op := fmt.Sprintf("count delivery of run %q sent=%t", runKey, sent)
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		d := runCounts{Failed: 1}
		if sent {
			d = runCounts{Sent: 1}
		}
		found, err := countRun(tx, runKey, d)
		if err == nil && !found {
			return store.ErrNotFound
		}
		return err
	})
}

// countRun adds d to the counts of the run runKey, when it exists.
func countRun(tx *bolt.Tx, runKey string, d runCounts) (found bool, err error) {
	if tx.Bucket(bucketRuns).Get([]byte(runKey)) == nil {
		return false, nil
	}
	b := tx.Bucket(bucketRunCounts)
	var c runCounts
	if _, err := getJSON(b, []byte(runKey), &c); err != nil {
		return true, err
	}
	c.Sent += d.Sent
	c.Failed += d.Failed
	return true, putJSON(b, []byte(runKey), c)
}

// LastRun returns the run with the latest StartedAt (at millisecond
// precision; ties the greatest key), or store.ErrNotFound.
func (s *Store) LastRun(ctx context.Context) (store.DigestRun, error) {
	const op = "last run"
	var r store.DigestRun
	var found bool
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketRunsByStart).Cursor().Last()
		if len(k) < 8 {
			return nil
		}
		var err error
		found, err = readRun(tx, string(k[8:]), &r)
		return err
	})
	if err != nil {
		return store.DigestRun{}, err
	}
	if !found {
		return store.DigestRun{}, notFound(op)
	}
	return r, nil
}

// ActiveSubscribersAfter pages through the active index in chat id order
// (negative ids first), reading the page's records in the same read
// transaction.
func (s *Store) ActiveSubscribersAfter(ctx context.Context, after int64, limit int) ([]store.Subscriber, error) {
	op := fmt.Sprintf("active subscribers after %d limit=%d", after, limit)
	out := []store.Subscriber{}
	if limit <= 0 || after == math.MaxInt64 {
		return out, nil
	}
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		subs := tx.Bucket(bucketSubs)
		c := tx.Bucket(bucketActive).Cursor()
		for k, _ := c.Seek(i64(after + 1)); k != nil && len(out) < limit; k, _ = c.Next() {
			var sub store.Subscriber
			found, err := getJSON(subs, k, &sub)
			if err != nil {
				return err
			}
			if found && sub.Active {
				out = append(out, sub)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DigestCursors reads the cursors of chatIDs in one read transaction.
func (s *Store) DigestCursors(ctx context.Context, chatIDs []int64) (map[int64]time.Time, error) {
	op := fmt.Sprintf("digest cursors of %d chats", len(chatIDs))
	out := make(map[int64]time.Time, len(chatIDs))
	if len(chatIDs) == 0 {
		return out, nil
	}
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCursors)
		for _, id := range chatIDs {
			v := b.Get(i64(id))
			if v == nil {
				continue
			}
			m, err := decodeI64(v)
			if err != nil {
				return fmt.Errorf("bad cursor of %d: %w", id, err)
			}
			out[id] = time.UnixMilli(m).UTC()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// setCursor sets chatID's digest cursor to t, at millisecond precision.
func setCursor(tx *bolt.Tx, chatID int64, t time.Time) error {
	return tx.Bucket(bucketCursors).Put(i64(chatID), i64(ms(t)))
}
