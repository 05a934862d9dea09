package boltstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// Conversation implements store.Office.
func (s *Store) Conversation(ctx context.Context, resident int64) (store.Conversation, error) {
	var c store.Conversation
	if err := s.get(ctx, fmt.Sprintf("get conversation of %d", resident), bucketConversations, i64(resident), &c); err != nil {
		return store.Conversation{}, err
	}
	return c, nil
}

// UpdateConversation implements store.Office: bbolt serializes writers, so
// fn runs once, inside the transaction that stores its result.
func (s *Store) UpdateConversation(ctx context.Context, resident int64, fn func(c *store.Conversation) error) (store.Conversation, error) {
	var out store.Conversation
	err := s.update(ctx, fmt.Sprintf("update conversation of %d", resident), func(tx *bolt.Tx) error {
		old := store.Conversation{Resident: resident}
		if _, err := getJSON(tx.Bucket(bucketConversations), i64(resident), &old); err != nil {
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
		if err := putJSON(tx.Bucket(bucketConversations), i64(resident), c); err != nil {
			return err
		}
		out = c
		return indexConversation(tx, old, c)
	})
	if err != nil {
		return store.Conversation{}, err
	}
	return out, nil
}

// indexConversation moves the conversation's index entries from old to c.
func indexConversation(tx *bolt.Tx, old, c store.Conversation) error {
	key := i64(c.Resident)
	topics := tx.Bucket(bucketOfficeTopics)
	if old.Topic != 0 && (old.Office != c.Office || old.Topic != c.Topic) {
		if err := topics.Delete(topicKey(old.Office, old.Topic)); err != nil {
			return err
		}
	}
	if c.Topic != 0 {
		if err := topics.Put(topicKey(c.Office, c.Topic), key); err != nil {
			return err
		}
	}
	for _, x := range []struct {
		bucket []byte
		in     bool
	}{{bucketOfficeOpen, c.Open}, {bucketOfficeWaiting, c.Waiting()}} {
		var err error
		if x.in {
			err = tx.Bucket(x.bucket).Put(key, nil)
		} else {
			err = tx.Bucket(x.bucket).Delete(key)
		}
		if err != nil {
			return err
		}
	}
	if d, ok := c.FirstAnswer(); ok {
		return tx.Bucket(bucketOfficeAnswers).Put(key, i64(d.Milliseconds()))
	}
	return tx.Bucket(bucketOfficeAnswers).Delete(key)
}

// DeleteConversation implements store.Office.
func (s *Store) DeleteConversation(ctx context.Context, resident int64) error {
	return s.update(ctx, fmt.Sprintf("delete conversation of %d", resident), func(tx *bolt.Tx) error {
		var old store.Conversation
		found, err := getJSON(tx.Bucket(bucketConversations), i64(resident), &old)
		if err != nil || !found {
			return err
		}
		if err := tx.Bucket(bucketConversations).Delete(i64(resident)); err != nil {
			return err
		}
		return indexConversation(tx, old, store.Conversation{Resident: resident})
	})
}

// TopicResident implements store.Office.
func (s *Store) TopicResident(ctx context.Context, office int64, topic int) (int64, error) {
	op := fmt.Sprintf("resident of topic %d in %d", topic, office)
	var id int64
	var found bool
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketOfficeTopics).Get(topicKey(office, topic))
		if v == nil {
			return nil
		}
		found = true
		var err error
		id, err = decodeI64(v)
		return err
	})
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, notFound(op)
	}
	return id, nil
}

// OfficeStats implements store.Office.
func (s *Store) OfficeStats(ctx context.Context) (store.OfficeStats, error) {
	var st store.OfficeStats
	err := s.view(ctx, "office stats", func(tx *bolt.Tx) error {
		st.Open = tx.Bucket(bucketOfficeOpen).Stats().KeyN
		st.Unanswered = tx.Bucket(bucketOfficeWaiting).Stats().KeyN
		var ds []time.Duration
		err := tx.Bucket(bucketOfficeAnswers).ForEach(func(_, v []byte) error {
			ms, err := decodeI64(v)
			ds = append(ds, time.Duration(ms)*time.Millisecond)
			return err
		})
		st.Answered, st.Median = len(ds), store.Median(ds)
		return err
	})
	return st, err
}
