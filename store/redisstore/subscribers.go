package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// Subscriber implements store.Subscribers.
func (s *Store) Subscriber(ctx context.Context, chatID int64) (store.Subscriber, error) {
	op := fmt.Sprintf("get subscriber %d", chatID)
	sub, ok, err := getSubscriber(ctx, s.rdb, s.k.subscriber(chatID))
	if err != nil {
		return store.Subscriber{}, wrapErr(err, op)
	}
	if !ok {
		return store.Subscriber{}, notFound(op)
	}
	return sub, nil
}

// SubscribersByID reads the records of chatIDs with one MGET.
func (s *Store) SubscribersByID(ctx context.Context, chatIDs []int64) ([]store.Subscriber, error) {
	keys := make([]string, len(chatIDs))
	for i, id := range chatIDs {
		keys[i] = s.k.subscriber(id)
	}
	subs, err := mgetJSON[store.Subscriber](ctx, s.rdb, keys)
	return subs, wrapErr(err, fmt.Sprintf("get %d subscribers", len(chatIDs)))
}

// SaveSubscriber creates or replaces the record of sub.ChatID and, in the
// same transaction, puts the chat in the city sets of sub.Cities when it is
// active and takes it out of every other city it was in before.
func (s *Store) SaveSubscriber(ctx context.Context, sub store.Subscriber) error {
	op := fmt.Sprintf("save subscriber %d", sub.ChatID)
	_, err := s.updateSubscriber(ctx, sub.ChatID, func(store.Subscriber, bool) (*store.Subscriber, error) {
		return &sub, nil
	})
	return wrapErr(err, op)
}

// DeleteSubscriber removes the record of chatID, its city memberships and
// its digest cursor and returns the record as it was, or store.ErrNotFound.
func (s *Store) DeleteSubscriber(ctx context.Context, chatID int64) (store.Subscriber, error) {
	op := fmt.Sprintf("delete subscriber %d", chatID)
	old, err := s.updateSubscriber(ctx, chatID, func(_ store.Subscriber, found bool) (*store.Subscriber, error) {
		if !found {
			return nil, store.ErrNotFound
		}
		return nil, nil
	})
	if err != nil {
		return store.Subscriber{}, wrapErr(err, op)
	}
	return old, nil
}

// SetActive marks chatID's record active or inactive (store.SetActivity)
// and adds it to or removes it from its cities' sets; an unknown chat is
// store.ErrNotFound.
func (s *Store) SetActive(ctx context.Context, chatID int64, active bool, now time.Time) error {
	op := fmt.Sprintf("set subscriber %d active=%t", chatID, active)
	_, err := s.updateSubscriber(ctx, chatID, func(old store.Subscriber, found bool) (*store.Subscriber, error) {
		if !found {
			return nil, store.ErrNotFound
		}
		store.SetActivity(&old, active, now)
		return &old, nil
	})
	return wrapErr(err, op)
}

// CitySubscribers returns the active chats of city in ascending id order,
// reading only that city's set.
func (s *Store) CitySubscribers(ctx context.Context, city string) ([]int64, error) {
	op := fmt.Sprintf("city %q subscribers", city)
	members, err := s.rdb.ZRange(ctx, s.k.citySubscribers(city), 0, -1).Result()
	if err != nil {
		return nil, wrapErr(err, op)
	}
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		id, err := parseMember(m)
		if err != nil {
			return nil, wrapErr(fmt.Errorf("bad member %q: %w", m, err), op)
		}
		ids = append(ids, id)
	}
	// Scores order the ids; equal scores can only come from ids beyond
	// float64 precision (2^53, more than Telegram uses), so a sort keeps the
	// promise cheaply even then.
	slices.Sort(ids)
	return ids, nil
}

// updateSubscriber is the one read-modify-write path for subscriber
// records. Under WATCH of the record it reads the current record, asks
// change for the new one (nil deletes) and writes record and city sets in
// one MULTI/EXEC. It returns the record as it was before. An error returned
// by change aborts without writing.
func (s *Store) updateSubscriber(ctx context.Context, chatID int64,
	change func(old store.Subscriber, found bool) (*store.Subscriber, error)) (store.Subscriber, error) {
	key := s.k.subscriber(chatID)
	var old store.Subscriber
	err := s.watch(ctx, func(tx *redis.Tx) error {
		var found bool
		var err error
		old, found, err = getSubscriber(ctx, tx, key)
		if err != nil {
			return err
		}
		next, err := change(old, found)
		if err != nil {
			return err
		}
		var data []byte
		if next != nil {
			if next.ChatID != chatID {
				return fmt.Errorf("record is for chat %d", next.ChatID)
			}
			if data, err = json.Marshal(next); err != nil {
				return fmt.Errorf("encode: %w", err)
			}
		}
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			s.indexActive(ctx, pipe, chatID, activityOf(next))
			s.indexZone(ctx, pipe, chatID, found && old.Active, old.TimeZone, next)
			// Leave the cities the chat may be in and no longer belongs
			// to (ZREM of an absent member is a no-op, so an inactive
			// old record needs no special case), then join the current
			// ones (ZADD of a present member is a no-op too).
			if found {
				for _, c := range old.Cities {
					if next == nil || !next.Active || !slices.Contains(next.Cities, c) {
						pipe.ZRem(ctx, s.k.citySubscribers(c), subscriberMember(chatID))
					}
				}
			}
			if next == nil {
				pipe.Del(ctx, key, s.k.digestCursor(chatID), s.k.digestDay(chatID))
				return nil
			}
			pipe.Set(ctx, key, data, 0)
			if next.Active {
				for _, c := range next.Cities {
					pipe.ZAdd(ctx, s.k.citySubscribers(c), redis.Z{
						Score:  float64(chatID),
						Member: subscriberMember(chatID),
					})
				}
			}
			return nil
		})
		return err
	}, key)
	return old, err
}

// indexZone queues the change of the zone indexes for a subscriber record
// being written (next) or deleted (nil): out of the zone it was active in
// (wasIn, oldZone) unless it stays there, into the zone it is active in
// now. updateSubscriber calls it in the transaction that writes the record.
func (s *Store) indexZone(ctx context.Context, pipe redis.Pipeliner, chatID int64, wasIn bool, oldZone string, next *store.Subscriber) {
	isIn := next != nil && next.Active
	if wasIn && (!isIn || next.TimeZone != oldZone) {
		pipe.ZRem(ctx, s.k.zoneSubscribers(oldZone), subscriberMember(chatID))
	}
	if isIn {
		pipe.ZAdd(ctx, s.k.zoneSubscribers(next.TimeZone), redis.Z{Score: float64(chatID), Member: subscriberMember(chatID)})
		pipe.SAdd(ctx, s.k.zones(), next.TimeZone)
	}
}

// getSubscriber reads and decodes one record; found is false when the key
// does not exist.
func getSubscriber(ctx context.Context, c redis.Cmdable, key string) (sub store.Subscriber, found bool, err error) {
	data, err := c.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return store.Subscriber{}, false, nil
	}
	if err != nil {
		return store.Subscriber{}, false, err
	}
	if err := json.Unmarshal(data, &sub); err != nil {
		return store.Subscriber{}, false, fmt.Errorf("decode %s: %w", key, err)
	}
	return sub, true, nil
}
