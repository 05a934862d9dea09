package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// Conversation implements store.Office.
func (s *Store) Conversation(ctx context.Context, resident int64) (store.Conversation, error) {
	op := fmt.Sprintf("get conversation of %d", resident)
	var c store.Conversation
	found, err := getJSON(ctx, s.rdb, s.k.conversation(resident), &c)
	if err != nil {
		return store.Conversation{}, wrapErr(err, op)
	}
	if !found {
		return store.Conversation{}, notFound(op)
	}
	return c, nil
}

// UpdateConversation implements store.Office: an optimistic transaction on
// the record, which also moves its topic link and its index entries.
func (s *Store) UpdateConversation(ctx context.Context, resident int64, fn func(c *store.Conversation) error) (store.Conversation, error) {
	op := fmt.Sprintf("update conversation of %d", resident)
	key := s.k.conversation(resident)
	var out store.Conversation
	err := s.watch(ctx, func(tx *redis.Tx) error {
		old := store.Conversation{Resident: resident}
		if _, err := getJSON(ctx, tx, key, &old); err != nil {
			return err
		}
		c := old.Clone()
		if err := fn(&c); errors.Is(err, store.ErrUnchanged) {
			out = old
			return nil
		} else if err != nil {
			return err
		}
		c.Resident = resident
		data, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, data, 0)
			s.indexConversation(ctx, p, old, c)
			return nil
		})
		out = c
		return err
	}, key)
	if err != nil {
		return store.Conversation{}, wrapErr(err, op)
	}
	return out, nil
}

// indexConversation queues the index changes from old to c.
func (s *Store) indexConversation(ctx context.Context, p redis.Pipeliner, old, c store.Conversation) {
	member := strconv.FormatInt(c.Resident, 10)
	if old.Topic != 0 && (old.Office != c.Office || old.Topic != c.Topic) {
		p.Del(ctx, s.k.officeTopic(old.Office, old.Topic))
	}
	if c.Topic != 0 {
		p.Set(ctx, s.k.officeTopic(c.Office, c.Topic), member, 0)
	}
	setMember(ctx, p, s.k.officeOpen(), member, c.Open)
	setMember(ctx, p, s.k.officeWaiting(), member, c.Waiting())
	if d, ok := c.FirstAnswer(); ok {
		p.ZAdd(ctx, s.k.officeAnswered(), redis.Z{Score: float64(d.Milliseconds()), Member: member})
	} else {
		p.ZRem(ctx, s.k.officeAnswered(), member)
	}
}

func setMember(ctx context.Context, p redis.Pipeliner, set, member string, in bool) {
	if in {
		p.SAdd(ctx, set, member)
	} else {
		p.SRem(ctx, set, member)
	}
}

// DeleteConversation implements store.Office.
func (s *Store) DeleteConversation(ctx context.Context, resident int64) error {
	op := fmt.Sprintf("delete conversation of %d", resident)
	key := s.k.conversation(resident)
	err := s.watch(ctx, func(tx *redis.Tx) error {
		var old store.Conversation
		found, err := getJSON(ctx, tx, key, &old)
		if err != nil || !found {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, key)
			s.indexConversation(ctx, p, old, store.Conversation{Resident: resident})
			return nil
		})
		return err
	}, key)
	return wrapErr(err, op)
}

// TopicResident implements store.Office.
func (s *Store) TopicResident(ctx context.Context, office int64, topic int) (int64, error) {
	op := fmt.Sprintf("resident of topic %d in %d", topic, office)
	v, err := s.rdb.Get(ctx, s.k.officeTopic(office, topic)).Result()
	if errors.Is(err, redis.Nil) {
		return 0, notFound(op)
	}
	if err != nil {
		return 0, wrapErr(err, op)
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, wrapErr(fmt.Errorf("decode %q: %w", v, err), op)
	}
	return id, nil
}

// OfficeStats implements store.Office: set sizes, and the one or two
// middle first-answer times by rank.
func (s *Store) OfficeStats(ctx context.Context) (store.OfficeStats, error) {
	const op = "office stats"
	var open, waiting, answered *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		open = p.SCard(ctx, s.k.officeOpen())
		waiting = p.SCard(ctx, s.k.officeWaiting())
		answered = p.ZCard(ctx, s.k.officeAnswered())
		return nil
	})
	if err != nil {
		return store.OfficeStats{}, wrapErr(err, op)
	}
	st := store.OfficeStats{Open: int(open.Val()), Unanswered: int(waiting.Val()), Answered: int(answered.Val())}
	if n := int64(st.Answered); n > 0 {
		mid, err := s.rdb.ZRangeWithScores(ctx, s.k.officeAnswered(), (n-1)/2, n/2).Result()
		if err != nil {
			return store.OfficeStats{}, wrapErr(err, op)
		}
		ds := make([]time.Duration, len(mid))
		for i, z := range mid {
			ds[i] = time.Duration(z.Score) * time.Millisecond
		}
		st.Median = store.Median(ds)
	}
	return st, nil
}
