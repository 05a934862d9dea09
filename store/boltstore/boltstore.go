// Package boltstore implements store.Store in one local file with bbolt, for
// a single bot process that needs no Redis.
//
// Every concern has its own bucket of JSON records, with index buckets
// whose keys sort like the listings they serve (keys.go documents the
// layout). Each method runs in one bbolt transaction, so records and
// indexes never disagree, and bbolt serializes writers, so there are no
// retries. A write returns only after bbolt committed and fsynced it: a
// crash (kill -9, power loss) loses nothing a method reported done.
//
// The file is locked (flock) while open: a second process (or a second
// Open in the same one) fails at once with ErrLocked rather than waiting.
// The outbox, locks, once-flags and drafts live in the file too, so they
// behave like redisstore's and survive a restart; Claim waits for new
// messages on an in-process signal, as only one process can use the file.
//
// Errors are wrapped with the operation like redisstore's; a missing
// record is store.ErrNotFound, a closed store ErrClosed.
package boltstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/pacing"
)

// DefaultFileName is the name of the state file in a state directory.
const DefaultFileName = "partnerbot.db"

// defaultLockTimeout is how long Open waits for the file lock: long enough
// to ride out a previous process that is just exiting, short enough that a
// second process fails at once.
const defaultLockTimeout = 100 * time.Millisecond

// Store is a store.Store in a bbolt file. It is safe for concurrent use.
type Store struct {
	db       *bolt.DB
	path     string
	now      func() time.Time
	auditCap int // entries kept in the audit logs; tests lower it
	deadCap  int // dead letters kept; tests lower it

	closed    atomic.Bool
	closeOnce sync.Once
	done      chan struct{} // closed by Close, wakes waiting Claims
	ready     notifier      // signalled when messages become ready
	buckets   *pacing.Memory
}

var _ store.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*config)

type config struct {
	lockTimeout time.Duration
	now         func() time.Time
}

// WithLockTimeout sets how long Open waits for another process to release
// the file (default 100ms).
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) { c.lockTimeout = d }
}

// WithClock sets the clock of expiries (drafts, locks, once-flags) and
// claim times (default time.Now).
func WithClock(now store.NowFunc) Option {
	return func(c *config) { c.now = now }
}

// Path returns the file's path.
func (s *Store) Path() string { return s.path }

// Ping reports whether the file is open and readable.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, "ping", func(*bolt.Tx) error { return nil })
}

// Close releases the file (and its lock). Claims waiting for messages
// return ErrClosed. Closing twice is no error.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.done)
		err = s.db.Close()
	})
	if err != nil {
		return fmt.Errorf("boltstore: close: %w", err)
	}
	return nil
}

// Buckets returns the sending limiter's state. Only one process can open
// the file, so it lives in this process's memory.
func (s *Store) Buckets() pacing.Buckets { return s.buckets }

// view runs fn in a read transaction.
func (s *Store) view(ctx context.Context, op string, fn func(tx *bolt.Tx) error) error {
	if err := s.usable(ctx); err != nil {
		return wrapErr(err, op)
	}
	return wrapErr(s.db.View(fn), op)
}

// update runs fn in a write transaction, committed (and synced) when fn
// returns nil.
func (s *Store) update(ctx context.Context, op string, fn func(tx *bolt.Tx) error) error {
	if err := s.usable(ctx); err != nil {
		return wrapErr(err, op)
	}
	return wrapErr(s.db.Update(fn), op)
}

// usable checks before a transaction starts: bbolt takes no context.
func (s *Store) usable(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}
