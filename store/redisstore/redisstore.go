// Package redisstore implements store.Store on Redis.
//
// Records are JSON strings; sorted sets index them (subscribers by city,
// posts by publication time and city, events by start time). keys.go
// documents the layout. Changes that touch a record and its indexes run in
// MULTI/EXEC transactions guarded by WATCH on the record, retried when a
// concurrent writer got there first, so the indexes never disagree with the
// records.
//
// Errors are wrapped with the operation; a missing record is
// store.ErrNotFound and a Redis that cannot be reached is
// store.ErrUnavailable.
package redisstore

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// maxTxAttempts bounds the retries of one optimistic transaction. Writers
// of the same record are rare (one chat, one seed key), so a handful of
// attempts only runs out under pathological contention.
const maxTxAttempts = 32

// Store is a store.Store backed by Redis. It is safe for concurrent use.
type Store struct {
	rdb       redis.UniversalClient
	k         keys
	ownClient bool // Close closes rdb only when Open created it
	auditCap  int  // entries kept per audit list; tests lower it

	migrated atomic.Bool // Migrate succeeded; see ensureMigrated

	log *slog.Logger // warnings; nil: slog.Default()

	// minReplicas and ackTimeout: see WithMinReplicas (durable.go).
	minReplicas int
	ackTimeout  time.Duration
}

var _ store.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithPrefix sets the prefix of every key (default DefaultPrefix). Tests use
// it to share a database; Redis Cluster needs a hash tag in it, as
// DefaultPrefix "{partnerbot}:" has (see hasHashTag).
func WithPrefix(prefix string) Option {
	return func(s *Store) { s.k.prefix = prefix }
}

// WithLogger sets where the store reports what it recovered from without
// failing: keys Migrate left under the legacy prefix, writes the replicas
// did not acknowledge in time (see WithMinReplicas). Default slog.Default().
func WithLogger(log *slog.Logger) Option {
	return func(s *Store) { s.log = log }
}

// logger is the store's logger.
func (s *Store) logger() *slog.Logger {
	if s.log == nil {
		return slog.Default()
	}
	return s.log
}

// NewFromClient returns a Store using client. The caller keeps ownership of
// client: Store.Close does not close it.
func NewFromClient(client redis.UniversalClient, opts ...Option) *Store {
	s := &Store{rdb: client, k: keys{prefix: DefaultPrefix}, auditCap: defaultAuditCap}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	return wrapErr(s.rdb.Ping(ctx).Err(), "ping")
}

// Close closes the Redis client if Open created it.
func (s *Store) Close() error {
	if !s.ownClient {
		return nil
	}
	err := s.rdb.Close()
	if errors.Is(err, redis.ErrClosed) {
		return nil
	}
	return wrapErr(err, "close")
}

// watch runs fn in an optimistic transaction watching keys, retrying while
// another client changed a watched key between WATCH and EXEC. fn reads
// through tx and writes with tx.TxPipelined.
func (s *Store) watch(ctx context.Context, fn func(tx *redis.Tx) error, keys ...string) error {
	for range maxTxAttempts {
		err := s.rdb.Watch(ctx, fn, keys...)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return errContention
}
