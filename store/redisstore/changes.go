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

// PublishPost creates p under a new id and appends c.Audit, once per
// c.Cause: the cause key, written in the same MULTI/EXEC as the post and
// watched before, makes a repeat (or a concurrent twin) find the post the
// first call created.
func (s *Store) PublishPost(ctx context.Context, p store.Post, c store.Change) (store.Post, bool, error) {
	op := fmt.Sprintf("publish post (cause %q)", c.Cause)
	if c.Cause == "" {
		return store.Post{}, false, fmt.Errorf("redisstore: %s: empty cause", op)
	}
	causeKey := s.k.cause(c.Cause)
	var saved store.Post
	var created bool
	// The post waits for the replicas, but a shortfall is not an error:
	// an official told "try again" sends a new message, a new cause, and
	// would publish the post twice.
	err := s.watch(ctx, s.ackedTx(ctx, ackOrWarn, op, func(tx *redis.Tx) error {
		created = false
		id, done, err := causeID(ctx, tx, causeKey)
		if err != nil {
			return err
		}
		if done {
			saved, err = s.postOrID(ctx, tx, id)
			return err
		}
		q := p
		if q.ID, err = tx.Incr(ctx, s.k.postSeq()).Result(); err != nil {
			return err
		}
		entry := c.Audit
		entry.PostID = q.ID
		err = s.putPost(ctx, tx, q, putOptions{extra: func(pipe redis.Pipeliner) {
			pipe.Set(ctx, causeKey, q.ID, store.CauseTTL)
			s.queueAudit(ctx, pipe, entry)
		}})
		saved, created = q, err == nil
		return err
	}), causeKey)
	if err != nil {
		return store.Post{}, false, wrapErr(err, op)
	}
	return saved, created, nil
}

// EditPost implements store.Publishing.
func (s *Store) EditPost(ctx context.Context, p store.Post, c store.Change) (bool, error) {
	op := fmt.Sprintf("edit post %d (cause %q)", p.ID, c.Cause)
	if c.Cause == "" {
		return false, fmt.Errorf("redisstore: %s: empty cause", op)
	}
	if p.ID <= 0 {
		return false, notFound(op)
	}
	causeKey := s.k.cause(c.Cause)
	var applied bool
	err := s.watch(ctx, s.ackedTx(ctx, ackOrFail, op, func(tx *redis.Tx) error {
		applied = false
		_, done, err := causeID(ctx, tx, causeKey)
		if err != nil || done {
			return err
		}
		// An event's attendees hear of a new time or place, and new places
		// go to its waiting list, in this same transaction.
		if err := tx.Watch(ctx, s.k.post(p.ID)).Err(); err != nil {
			return err
		}
		old, found, err := getPost(ctx, tx, s.k.post(p.ID))
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		// Where the post stands belongs to TransitionPost; only the
		// domain's rule (store.Post.Edited) may send it back for approval.
		q, entry := p.Edited(old, c)
		list, err := s.editedList(ctx, tx, old, q, c.Audit.At)
		if err != nil {
			return err
		}
		entry.PostID = p.ID
		err = s.putPost(ctx, tx, q, putOptions{mustExist: true, extra: func(pipe redis.Pipeliner) {
			pipe.Set(ctx, causeKey, p.ID, store.CauseTTL)
			s.queueAudit(ctx, pipe, entry)
			if list != nil {
				list(pipe)
			}
		}})
		applied = err == nil
		return err
	}), causeKey)
	return applied, wrapErr(err, op)
}

// RemovePost implements store.Publishing.
func (s *Store) RemovePost(ctx context.Context, id int64, c store.Change) (store.Post, bool, error) {
	op := fmt.Sprintf("remove post %d (cause %q)", id, c.Cause)
	if c.Cause == "" {
		return store.Post{}, false, fmt.Errorf("redisstore: %s: empty cause", op)
	}
	causeKey, key := s.k.cause(c.Cause), s.k.post(id)
	var old store.Post
	var applied bool
	err := s.watch(ctx, s.ackedTx(ctx, ackOrFail, op, func(tx *redis.Tx) error {
		applied = false
		if _, done, err := causeID(ctx, tx, causeKey); err != nil || done {
			old = store.Post{ID: id}
			return err
		}
		p, found, err := getPost(ctx, tx, key)
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		list, err := s.deletedList(ctx, tx, p, c.Audit.At)
		if err != nil {
			return err
		}
		entry := c.Audit
		entry.PostID = id
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			s.unindexPost(ctx, pipe, p)
			pipe.Del(ctx, key)
			pipe.Set(ctx, causeKey, id, store.CauseTTL)
			s.queueAudit(ctx, pipe, entry)
			if list != nil {
				list(pipe)
			}
			return nil
		})
		old, applied = p, err == nil
		return err
	}), causeKey, key)
	if err != nil {
		return store.Post{}, false, wrapErr(err, op)
	}
	return old, applied, nil
}

// causeID reads a cause key: the id of the post its change concerned.
func causeID(ctx context.Context, c redis.Cmdable, key string) (id int64, done bool, err error) {
	id, err = c.Get(ctx, key).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read %s: %w", key, err)
	}
	return id, true, nil
}

// postOrID returns the post with id, or a post holding only the id when it
// has been deleted since.
func (s *Store) postOrID(ctx context.Context, c redis.Cmdable, id int64) (store.Post, error) {
	p, found, err := getPost(ctx, c, s.k.post(id))
	if err != nil || !found {
		return store.Post{ID: id}, err
	}
	return p, nil
}

// roundUpMS rounds d up to a whole millisecond, Redis's precision, so a
// short ttl never becomes 0 (which SET refuses).
func roundUpMS(d time.Duration) time.Duration {
	if r := d % time.Millisecond; r != 0 {
		d += time.Millisecond - r
	}
	return d
}

// enqueueEachScript adds each message unless its flag KEYS[3+i] is set,
// setting the flag for ARGV[1] ms, and returns how many it added. Message
// i is ARGV[2i] (where it goes, see scriptEntry) and ARGV[2i+1]: it goes
// to the stream KEYS[1], the personal stream KEYS[3] or, with a score, to
// the delayed set KEYS[2]. Flags come after their message, like in
// enqueueOnceScript.
var enqueueEachScript = redis.NewScript(`
local n = 0
for i = 4, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    local a = 2 * (i - 3)
    if ARGV[a] == '' then
      redis.call('XADD', KEYS[1], '*', 'm', ARGV[a+1])
    elseif ARGV[a] == 'p' then
      redis.call('XADD', KEYS[3], '*', 'm', ARGV[a+1])
    else
      redis.call('ZADD', KEYS[2], ARGV[a], ARGV[a+1])
    end
    redis.call('SET', KEYS[i], '1', 'PX', ARGV[1])
    n = n + 1
  end
end
return n`)

// EnqueueEach adds every message whose Dedupe key is not set yet, setting
// it for ttl, in one script; a message with a NotBefore waits in the
// delayed set.
func (s *Store) EnqueueEach(ctx context.Context, ttl time.Duration, msgs ...store.OutboxMessage) (int, error) {
	op := fmt.Sprintf("enqueue %d messages each once", len(msgs))
	if len(msgs) == 0 {
		return 0, nil
	}
	if ttl <= 0 {
		return 0, fmt.Errorf("redisstore: %s: ttl %v is not positive", op, ttl)
	}
	data, err := encodeMessages(msgs)
	if err != nil {
		return 0, wrapErr(err, op)
	}
	keys := make([]string, 3, len(msgs)+3)
	keys[0], keys[1], keys[2] = s.k.outbox(), s.k.outboxDelayed(), s.k.outboxPersonal()
	args := make([]any, 1, 2*len(msgs)+1)
	args[0] = roundUpMS(ttl).Milliseconds()
	for i, m := range msgs {
		if m.Dedupe == "" {
			return 0, fmt.Errorf("redisstore: %s: message %d has no dedupe key", op, i)
		}
		keys = append(keys, s.k.once(m.Dedupe))
		score, value := scriptEntry(m, data[i])
		args = append(args, score, value)
	}
	var n int
	err = s.acked(ctx, keys[0], ackOrFail, op, func(c redis.Cmdable) error {
		var err error
		n, err = enqueueEachScript.Run(ctx, c, keys, args...).Int()
		return err
	})
	return n, wrapErr(err, op)
}

// DeleteUser implements store.Users.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	op := fmt.Sprintf("delete user %d", id)
	key := s.k.user(id)
	err := s.watch(ctx, func(tx *redis.Tx) error {
		var old store.User
		found, err := getJSON(ctx, tx, key, &old)
		if err != nil || !found {
			return err
		}
		stale := ""
		if name := store.UsernameKey(old.Username); name != "" {
			nameKey := s.k.username(name)
			if err := tx.Watch(ctx, nameKey).Err(); err != nil {
				return err
			}
			owner, err := tx.Get(ctx, nameKey).Result()
			if err != nil && !errors.Is(err, redis.Nil) {
				return err
			}
			if owner == strconv.FormatInt(id, 10) {
				stale = nameKey
			}
		}
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.Del(ctx, key)
			if stale != "" {
				pipe.Del(ctx, stale)
			}
			return nil
		})
		return err
	}, key)
	return wrapErr(err, op)
}

// queueAudit queues e onto its post's log and the global log, trimmed.
func (s *Store) queueAudit(ctx context.Context, pipe redis.Pipeliner, e store.AuditEntry) {
	data, err := json.Marshal(e)
	if err != nil {
		return // an AuditEntry always encodes
	}
	last := int64(s.auditCap) - 1
	if e.PostID != 0 {
		pipe.LPush(ctx, s.k.postAudit(e.PostID), data)
		pipe.LTrim(ctx, s.k.postAudit(e.PostID), 0, last)
	}
	pipe.LPush(ctx, s.k.audit(), data)
	pipe.LTrim(ctx, s.k.audit(), 0, last)
}
