package boltstore

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// defaultAuditCap is how many entries the global audit log (and the log of
// each post) keeps, like redisstore; older ones are dropped.
const defaultAuditCap = 10_000

// AppendAudit adds e to the global log and to the log of its post, trimming
// both to the newest entries, in one transaction. An entry with PostID 0
// only goes to the global log.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	op := fmt.Sprintf("append audit of post %d", e.PostID)
	return s.update(ctx, op, func(tx *bolt.Tx) error { return appendAudit(tx, e, s.auditCap) })
}

// appendAudit adds e within tx, so a change and its entry commit together.
func appendAudit(tx *bolt.Tx, e store.AuditEntry, auditCap int) error {
	data, err := encodeJSON(e)
	if err != nil {
		return err
	}
	all := tx.Bucket(bucketAudit)
	seq, err := all.NextSequence()
	if err != nil {
		return err
	}
	if err := all.Put(u64(seq), data); err != nil {
		return err
	}
	if err := trimLog(all, seq, auditCap); err != nil {
		return err
	}
	if e.PostID == 0 {
		return nil
	}
	byPost := tx.Bucket(bucketAuditByPost)
	if err := byPost.Put(postAuditKey(e.PostID, seq), data); err != nil {
		return err
	}
	// Count the post's entries, newest first, and drop those past the
	// cap. A post has a handful of entries.
	prefix := i64(e.PostID)
	c := byPost.Cursor()
	n := 0
	var drop [][]byte
	for k, _ := c.Seek(postAuditKey(e.PostID, seq)); hasPrefix(k, prefix); k, _ = c.Prev() {
		if n++; n > auditCap {
			drop = append(drop, clone(k))
		}
	}
	for _, k := range drop {
		if err := byPost.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// trimLog drops the oldest entries of a log keyed by u64 sequence numbers
// until at most keep remain. Entries are only ever removed from the front,
// so the keys are contiguous and the count is last-first+1.
func trimLog(b *bolt.Bucket, last uint64, keep int) error {
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.First() {
		first, err := decodeU64(k)
		if err != nil {
			return err
		}
		if last-first+1 <= uint64(keep) {
			return nil
		}
		if err := b.Delete(clone(k)); err != nil {
			return err
		}
	}
	return nil
}

// AuditLog implements store.Audit.
func (s *Store) AuditLog(ctx context.Context, postID int64, limit int) ([]store.AuditEntry, error) {
	op := fmt.Sprintf("audit log of post %d limit=%d", postID, limit)
	out := []store.AuditEntry{}
	if limit <= 0 {
		return out, nil
	}
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		var c *bolt.Cursor
		var prefix []byte
		var k, v []byte
		if postID == 0 {
			c = tx.Bucket(bucketAudit).Cursor()
			k, v = c.Last()
		} else {
			prefix = i64(postID)
			c = tx.Bucket(bucketAuditByPost).Cursor()
			k, v = seekLastWithPrefix(c, prefix)
		}
		for ; k != nil && hasPrefix(k, prefix) && len(out) < limit; k, v = c.Prev() {
			var e store.AuditEntry
			if err := decodeJSON(v, &e); err != nil {
				return fmt.Errorf("decode audit entry %x: %w", k, err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
