package redisstore

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// ActiveZones reads the zone names from the zones set and counts each
// zone's zset in one pipeline; empty zones are left out.
func (s *Store) ActiveZones(ctx context.Context) (map[string]int, error) {
	const op = "active zones"
	if err := s.ensureMigrated(ctx); err != nil {
		return nil, err
	}
	names, err := s.rdb.SMembers(ctx, s.k.zones()).Result()
	if err != nil {
		return nil, wrapErr(err, op)
	}
	cards := make([]*redis.IntCmd, len(names))
	_, err = s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, z := range names {
			cards[i] = pipe.ZCard(ctx, s.k.zoneSubscribers(z))
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr(err, op)
	}
	out := make(map[string]int, len(names))
	for i, z := range names {
		if n := cards[i].Val(); n > 0 {
			out[z] = int(n)
		}
	}
	return out, nil
}

// ZoneSubscribersAfter pages through zone:{zone}:subs like
// ActiveSubscribersAfter, keeping only records still in that zone.
func (s *Store) ZoneSubscribersAfter(ctx context.Context, zone string, after int64, limit int) ([]store.Subscriber, error) {
	op := fmt.Sprintf("subscribers of zone %q after %d limit=%d", zone, after, limit)
	if err := s.ensureMigrated(ctx); err != nil {
		return nil, err
	}
	out, err := s.pageIndex(ctx, s.k.zoneSubscribers(zone), after, limit, func(sub store.Subscriber) bool {
		return sub.TimeZone == zone
	})
	return out, wrapErr(err, op)
}

// DigestDays reads the digest days of chatIDs with one MGET.
func (s *Store) DigestDays(ctx context.Context, chatIDs []int64) (map[int64]string, error) {
	op := fmt.Sprintf("digest days of %d chats", len(chatIDs))
	out := make(map[int64]string, len(chatIDs))
	keys := make([]string, len(chatIDs))
	for i, id := range chatIDs {
		keys[i] = s.k.digestDay(id)
	}
	err := mgetEach(ctx, s.rdb, keys, func(i int, str string) error {
		out[chatIDs[i]] = str
		return nil
	})
	if err != nil {
		return nil, wrapErr(err, op)
	}
	return out, nil
}

// RebuildZoneIndex makes the zone indexes agree with the subscriber
// records: it puts every active record in its zone's zset (walking the
// records with SCAN), then drops every member of every known zone whose
// record is gone, inactive or in another zone (walking each zset with
// ZSCAN). Each batch is a transaction watching its records, so it is safe
// while the bot runs. Data written before the zone index existed needs it
// once; Migrate calls it.
func (s *Store) RebuildZoneIndex(ctx context.Context) error {
	const op = "rebuild zone index"
	err := s.scanSubscribers(ctx, func(_ redis.Cmdable, _ []string, ids []int64) error {
		return s.reindexZones(ctx, "", false, ids)
	})
	if err != nil {
		return wrapErr(err, op)
	}
	zones, err := s.rdb.SMembers(ctx, s.k.zones()).Result()
	if err != nil {
		return wrapErr(err, op)
	}
	for _, z := range zones {
		err := s.scanIndex(ctx, s.k.zoneSubscribers(z), func(ids []int64) error {
			return s.reindexZones(ctx, z, true, ids)
		})
		if err != nil {
			return wrapErr(err, op)
		}
	}
	return nil
}

// reindexZones puts the active records among ids in their zones' zsets,
// in one transaction watching the records; with member set it also takes
// ids whose record is not active in zone out of zone's zset.
func (s *Store) reindexZones(ctx context.Context, zone string, member bool, ids []int64) error {
	return s.watchSubscribers(ctx, ids, func(tx *redis.Tx, subs []*store.Subscriber) error {
		_, err := tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			for i, id := range ids {
				sub := subs[i]
				if sub != nil && sub.Active {
					s.indexZone(ctx, pipe, id, false, "", sub)
				}
				if member && (sub == nil || !sub.Active || sub.TimeZone != zone) {
					pipe.ZRem(ctx, s.k.zoneSubscribers(zone), subscriberMember(id))
				}
			}
			return nil
		})
		return err
	})
}
