package boltstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// ActiveZones reads the zone counts kept with the index.
func (s *Store) ActiveZones(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := s.view(ctx, "active zones", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketZoneCounts).ForEach(func(k, v []byte) error {
			l, n := binary.Uvarint(k)
			if n <= 0 || uint64(len(k)-n) != l {
				return fmt.Errorf("bad zone count key %x", k)
			}
			c, err := decodeU64(v)
			if err != nil {
				return fmt.Errorf("bad count of zone %q: %w", k[n:], err)
			}
			if c > 0 {
				out[string(k[n:])] = int(c)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ZoneSubscribersAfter pages through the zone's part of zone_subs in chat
// id order, reading the page's records in the same read transaction.
func (s *Store) ZoneSubscribersAfter(ctx context.Context, zone string, after int64, limit int) ([]store.Subscriber, error) {
	op := fmt.Sprintf("subscribers of zone %q after %d limit=%d", zone, after, limit)
	out := []store.Subscriber{}
	if limit <= 0 || after == math.MaxInt64 {
		return out, nil
	}
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		subs := tx.Bucket(bucketSubs)
		prefix := strPrefix(zone)
		c := tx.Bucket(bucketZoneSubs).Cursor()
		for k, _ := c.Seek(zoneIDKey(zone, after+1)); hasPrefix(k, prefix) && len(out) < limit; k, _ = c.Next() {
			var sub store.Subscriber
			found, err := getJSON(subs, k[len(prefix):], &sub)
			if err != nil {
				return err
			}
			if found && sub.Active && sub.TimeZone == zone {
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

// DigestDays reads the digest days of chatIDs in one read transaction.
func (s *Store) DigestDays(ctx context.Context, chatIDs []int64) (map[int64]string, error) {
	op := fmt.Sprintf("digest days of %d chats", len(chatIDs))
	out := make(map[int64]string, len(chatIDs))
	if len(chatIDs) == 0 {
		return out, nil
	}
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDigestDays)
		for _, id := range chatIDs {
			if v := b.Get(i64(id)); v != nil {
				out[id] = string(v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// indexZones builds the zone index and its counts from the subscriber
// records: a file written before they existed (layout 1) gets them once,
// in the transaction that opens it.
func indexZones(tx *bolt.Tx) error {
	return forEachJSON(tx.Bucket(bucketSubs), func(sub store.Subscriber) error {
		if err := unindexSubscriber(tx, sub); err != nil {
			return err
		}
		return indexSubscriber(tx, sub)
	})
}
