package redisstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// defaultAuditCap is how many entries the global audit list (and the list
// of each post) keeps; older ones are dropped.
const defaultAuditCap = 10_000

// AppendAudit pushes e onto the log of its post and onto the global log,
// trimming both to the newest entries, in one transaction. An entry with
// PostID 0 only goes to the global log.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	op := fmt.Sprintf("append audit of post %d", e.PostID)
	_, err := s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		s.queueAudit(ctx, pipe, e)
		return nil
	})
	return wrapErr(err, op)
}

// AuditLog implements store.Audit.
func (s *Store) AuditLog(ctx context.Context, postID int64, limit int) ([]store.AuditEntry, error) {
	op := fmt.Sprintf("audit log of post %d limit=%d", postID, limit)
	if limit <= 0 {
		return []store.AuditEntry{}, nil
	}
	key := s.k.audit()
	if postID != 0 {
		key = s.k.postAudit(postID)
	}
	vals, err := s.rdb.LRange(ctx, key, 0, int64(limit)-1).Result()
	if err != nil {
		return nil, wrapErr(err, op)
	}
	out := make([]store.AuditEntry, len(vals))
	for i, v := range vals {
		if err := json.Unmarshal([]byte(v), &out[i]); err != nil {
			return nil, wrapErr(fmt.Errorf("decode %s[%d]: %w", key, i, err), op)
		}
	}
	return out, nil
}
