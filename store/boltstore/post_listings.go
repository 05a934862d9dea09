package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// LatestPosts returns up to limit posts newest first by PublishedAt (at
// millisecond precision; ties highest id first). With a city it merges
// that city's index with the AllCities one, reading each only as far as
// the page needs.
func (s *Store) LatestPosts(ctx context.Context, city string, limit int) ([]store.Post, error) {
	op := fmt.Sprintf("latest posts city=%q limit=%d", city, limit)
	out := []store.Post{}
	if limit <= 0 {
		return out, nil
	}
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		scans := []*scan{newScan(tx.Bucket(bucketPostsByTime), nil, nil, true)}
		if cities := store.ListedCities(city); cities != nil {
			scans = scans[:0]
			for _, c := range cities {
				scans = append(scans, newScan(tx.Bucket(bucketPostsByCity), strPrefix(c), nil, true))
			}
		}
		var err error
		out, err = loadPosts(tx, merge(scans, true, limit, nil))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpcomingEvents implements store.Posts.
func (s *Store) UpcomingEvents(ctx context.Context, city string, from time.Time, limit int) ([]store.Post, error) {
	op := fmt.Sprintf("upcoming events city=%q limit=%d", city, limit)
	out := []store.Post{}
	if limit <= 0 {
		return out, nil
	}
	start := i64(minMS(from))
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		scans := []*scan{newScan(tx.Bucket(bucketEventsByStart), nil, start, false)}
		if cities := store.ListedCities(city); cities != nil {
			scans = scans[:0]
			for _, c := range cities {
				scans = append(scans, newScan(tx.Bucket(bucketEventsByCity), strPrefix(c), start, false))
			}
		}
		var err error
		out, err = loadPosts(tx, merge(scans, false, limit, nil))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EventsStartingBetween lists events with from <= StartsAt < to (at
// millisecond precision), soonest first, ties lowest id first.
func (s *Store) EventsStartingBetween(ctx context.Context, from, to time.Time) ([]store.Post, error) {
	op := fmt.Sprintf("events starting between %s and %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	out := []store.Post{}
	lo, hi := minMS(from), minMS(to) // t >= from <=> ms >= lo; t < to <=> ms < hi
	if lo >= hi {
		return out, nil
	}
	end := i64(hi)
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		sc := newScan(tx.Bucket(bucketEventsByStart), nil, i64(lo), false)
		ids := merge([]*scan{sc}, false, math.MaxInt, func(suffix []byte) bool {
			return bytes.Compare(suffix[:8], end) >= 0
		})
		var err error
		out, err = loadPosts(tx, ids)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CountPosts counts, for every kind in store.Kinds(), the posts published at
// or after since (at millisecond precision). The map holds every kind.
func (s *Store) CountPosts(ctx context.Context, since time.Time) (map[store.Kind]int, error) {
	op := fmt.Sprintf("count posts since %s", since.Format(time.RFC3339))
	counts := make(map[store.Kind]int, len(store.Kinds()))
	start := i64(minMS(since))
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPostsByKind)
		for _, k := range store.Kinds() {
			n := 0
			for sc := newScan(b, strPrefix(string(k)), start, false); sc.suffix() != nil; sc.next() {
				n++
			}
			counts[k] = n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// loadPosts reads the posts with ids, in that order. An id without a post
// cannot happen (record and indexes change in one transaction) and is
// skipped rather than failing the listing.
func loadPosts(tx *bolt.Tx, ids []int64) ([]store.Post, error) {
	posts := tx.Bucket(bucketPosts)
	out := make([]store.Post, 0, len(ids))
	for _, id := range ids {
		var p store.Post
		found, err := getJSON(posts, i64(id), &p)
		if err != nil {
			return nil, err
		}
		if found {
			out = append(out, p)
		}
	}
	return out, nil
}

// scan walks the index keys under one prefix, each ending in i64(time)
// i64(id): forward from prefix+from, or backward from the end of the
// prefix.
type scan struct {
	c      *bolt.Cursor
	prefix []byte
	rev    bool
	k      []byte // current key; nil when done
}

func newScan(b *bolt.Bucket, prefix, from []byte, rev bool) *scan {
	sc := &scan{c: b.Cursor(), prefix: prefix, rev: rev}
	switch {
	case !rev:
		sc.k, _ = sc.c.Seek(append(append([]byte{}, prefix...), from...))
	default:
		sc.k, _ = seekLastWithPrefix(sc.c, prefix)
	}
	sc.check()
	return sc
}

func (sc *scan) check() {
	if !hasPrefix(sc.k, sc.prefix) || len(sc.k) < len(sc.prefix)+16 {
		sc.k = nil
	}
}

// suffix is the time and id part of the current key, nil when done.
func (sc *scan) suffix() []byte {
	if sc.k == nil {
		return nil
	}
	return sc.k[len(sc.prefix):]
}

func (sc *scan) next() {
	if sc.k == nil {
		return
	}
	if sc.rev {
		sc.k, _ = sc.c.Prev()
	} else {
		sc.k, _ = sc.c.Next()
	}
	sc.check()
}

// seekLastWithPrefix positions c on the last key starting with prefix (or
// on a key before them all when there is none): on the first key after
// them, then one back. An empty prefix is the last key.
func seekLastWithPrefix(c *bolt.Cursor, prefix []byte) ([]byte, []byte) {
	end := prefixEnd(prefix)
	if end == nil {
		return c.Last()
	}
	if k, _ := c.Seek(end); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// prefixEnd is the smallest key greater than every key starting with
// prefix, or nil when there is none (prefix is all 0xff).
func prefixEnd(prefix []byte) []byte {
	end := append([]byte{}, prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// merge reads the scans in (time, id) order, ascending or descending, and
// returns up to limit distinct ids. stop, when set, ends the merge at the
// first suffix it accepts.
func merge(scans []*scan, rev bool, limit int, stop func(suffix []byte) bool) []int64 {
	var ids []int64
	seen := map[int64]bool{}
	for len(ids) < limit {
		best := -1
		for i, sc := range scans {
			suf := sc.suffix()
			if suf == nil {
				continue
			}
			if best < 0 {
				best = i
				continue
			}
			c := bytes.Compare(suf, scans[best].suffix())
			if (!rev && c < 0) || (rev && c > 0) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		suf := scans[best].suffix()
		if stop != nil && stop(suf) {
			break
		}
		id, _ := decodeI64(suf[8:16]) // check() guarantees 16 bytes
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
		scans[best].next()
	}
	return ids
}
