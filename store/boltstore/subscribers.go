package boltstore

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// Subscriber implements store.Subscribers.
func (s *Store) Subscriber(ctx context.Context, chatID int64) (store.Subscriber, error) {
	op := fmt.Sprintf("get subscriber %d", chatID)
	var sub store.Subscriber
	if err := s.get(ctx, op, bucketSubs, i64(chatID), &sub); err != nil {
		return store.Subscriber{}, err
	}
	return sub, nil
}

// SubscribersByID reads the records of chatIDs in one read transaction.
func (s *Store) SubscribersByID(ctx context.Context, chatIDs []int64) ([]store.Subscriber, error) {
	out := make([]store.Subscriber, 0, len(chatIDs))
	err := s.view(ctx, fmt.Sprintf("get %d subscribers", len(chatIDs)), func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubs)
		for _, id := range chatIDs {
			var sub store.Subscriber
			found, err := getJSON(b, i64(id), &sub)
			if err != nil {
				return err
			}
			if found {
				out = append(out, sub)
			}
		}
		return nil
	})
	return out, err
}

// SaveSubscriber creates or replaces the record of sub.ChatID and, in the
// same transaction, puts the chat in the city indexes of sub.Cities when
// it is active and takes it out of every other city it was in before.
func (s *Store) SaveSubscriber(ctx context.Context, sub store.Subscriber) error {
	op := fmt.Sprintf("save subscriber %d", sub.ChatID)
	_, err := s.updateSubscriber(ctx, op, sub.ChatID, func(store.Subscriber, bool) (*store.Subscriber, error) {
		return &sub, nil
	})
	return err
}

// DeleteSubscriber removes the record of chatID, its index entries and its
// digest cursor and returns the record as it was, or store.ErrNotFound.
func (s *Store) DeleteSubscriber(ctx context.Context, chatID int64) (store.Subscriber, error) {
	op := fmt.Sprintf("delete subscriber %d", chatID)
	return s.updateSubscriber(ctx, op, chatID, func(_ store.Subscriber, found bool) (*store.Subscriber, error) {
		if !found {
			return nil, store.ErrNotFound
		}
		return nil, nil
	})
}

// SetActive marks chatID's record active or inactive (store.SetActivity)
// and moves its index entries; an unknown chat is store.ErrNotFound.
func (s *Store) SetActive(ctx context.Context, chatID int64, active bool, now time.Time) error {
	op := fmt.Sprintf("set subscriber %d active=%t", chatID, active)
	_, err := s.updateSubscriber(ctx, op, chatID, func(old store.Subscriber, found bool) (*store.Subscriber, error) {
		if !found {
			return nil, store.ErrNotFound
		}
		store.SetActivity(&old, active, now)
		return &old, nil
	})
	return err
}

// CitySubscribers returns the active chats of city in ascending id order,
// reading only that city's part of the index.
func (s *Store) CitySubscribers(ctx context.Context, city string) ([]int64, error) {
	op := fmt.Sprintf("city %q subscribers", city)
	ids := []int64{}
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		prefix := strPrefix(city)
		c := tx.Bucket(bucketCitySubs).Cursor()
		for k, _ := c.Seek(prefix); hasPrefix(k, prefix); k, _ = c.Next() {
			id, err := decodeI64(k[len(prefix):])
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// updateSubscriber is the one read-modify-write path for subscriber
// records. In one write transaction it reads the current record, asks
// change for the new one (nil deletes) and writes record and indexes. It
// returns the record as it was. An error from change aborts without
// writing.
func (s *Store) updateSubscriber(ctx context.Context, op string, chatID int64,
	change func(old store.Subscriber, found bool) (*store.Subscriber, error)) (store.Subscriber, error) {
	var old store.Subscriber
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		subs := tx.Bucket(bucketSubs)
		key := i64(chatID)
		found, err := getJSON(subs, key, &old)
		if err != nil {
			return err
		}
		next, err := change(old, found)
		if err != nil {
			return err
		}
		if next != nil && next.ChatID != chatID {
			return fmt.Errorf("record is for chat %d", next.ChatID)
		}
		if found {
			if err := unindexSubscriber(tx, old); err != nil {
				return err
			}
		}
		if next == nil {
			if err := tx.Bucket(bucketCursors).Delete(key); err != nil {
				return err
			}
			if err := tx.Bucket(bucketDigestDays).Delete(key); err != nil {
				return err
			}
			return subs.Delete(key)
		}
		if err := putJSON(subs, key, next); err != nil {
			return err
		}
		return indexSubscriber(tx, *next)
	})
	if err != nil {
		return store.Subscriber{}, err
	}
	return old, nil
}

// indexSubscriber adds the index entries of a subscriber: an inactive one
// is only listed as such (for retention).
func indexSubscriber(tx *bolt.Tx, sub store.Subscriber) error {
	if !sub.Active {
		return tx.Bucket(bucketInactive).Put(i64(sub.ChatID), nil)
	}
	if err := tx.Bucket(bucketActive).Put(i64(sub.ChatID), nil); err != nil {
		return err
	}
	cities := tx.Bucket(bucketCitySubs)
	for _, c := range sub.Cities {
		if err := cities.Put(cityIDKey(c, sub.ChatID), nil); err != nil {
			return err
		}
	}
	zones := tx.Bucket(bucketZoneSubs)
	zk := zoneIDKey(sub.TimeZone, sub.ChatID)
	if zones.Get(zk) != nil {
		return nil
	}
	if err := zones.Put(zk, nil); err != nil {
		return err
	}
	return addZoneCount(tx, sub.TimeZone, 1)
}

// unindexSubscriber removes whatever index entries sub may have. Deleting
// a missing key is a no-op, so an inactive record needs no special case.
func unindexSubscriber(tx *bolt.Tx, sub store.Subscriber) error {
	if err := tx.Bucket(bucketActive).Delete(i64(sub.ChatID)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketInactive).Delete(i64(sub.ChatID)); err != nil {
		return err
	}
	cities := tx.Bucket(bucketCitySubs)
	for _, c := range sub.Cities {
		if err := cities.Delete(cityIDKey(c, sub.ChatID)); err != nil {
			return err
		}
	}
	// The count follows the index entry, so it stays exact whatever the
	// record said.
	zones := tx.Bucket(bucketZoneSubs)
	zk := zoneIDKey(sub.TimeZone, sub.ChatID)
	if zones.Get(zk) == nil {
		return nil
	}
	if err := zones.Delete(zk); err != nil {
		return err
	}
	return addZoneCount(tx, sub.TimeZone, -1)
}

// addZoneCount adds d to the count of zone, removing it at zero.
func addZoneCount(tx *bolt.Tx, zone string, d int64) error {
	counts, key := tx.Bucket(bucketZoneCounts), strPrefix(zone) // never empty, unlike "" itself
	var n uint64
	if v := counts.Get(key); v != nil {
		var err error
		if n, err = decodeU64(v); err != nil {
			return fmt.Errorf("bad count of zone %q: %w", zone, err)
		}
	}
	switch next := int64(n) + d; {
	case next <= 0:
		return counts.Delete(key)
	default:
		return counts.Put(key, u64(uint64(next)))
	}
}

// SubscriberStats counts every subscriber record in one read transaction,
// a consistent snapshot.
func (s *Store) SubscriberStats(ctx context.Context) (store.SubscriberStats, error) {
	st := store.SubscriberStats{
		PerCity: map[string]int{},
		PerLang: map[store.Lang]int{},
		PerFreq: map[store.Frequency]int{},
	}
	err := s.view(ctx, "subscriber stats", func(tx *bolt.Tx) error {
		return forEachJSON(tx.Bucket(bucketSubs), func(sub store.Subscriber) error {
			st.Count(sub)
			return nil
		})
	})
	if err != nil {
		return store.SubscriberStats{}, err
	}
	return st, nil
}
