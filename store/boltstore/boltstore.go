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
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/pacing"
)

// DefaultFileName is the name of the state file in a state directory.
const DefaultFileName = "partnerbot.db"

// ErrLocked means another process (or another Store in this one) has the
// file open. Open wraps it with the path.
var ErrLocked = errors.New("state file is in use by another partnerbot process")

// ErrClosed is returned by every method once Close was called.
var ErrClosed = errors.New("store is closed")

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

// Open opens the state file at path, creating it and its directory when
// missing. It fails at once with an error wrapping ErrLocked when another
// process has the file open.
func Open(path string, opts ...Option) (*Store, error) {
	cfg := config{lockTimeout: defaultLockTimeout, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.lockTimeout <= 0 {
		cfg.lockTimeout = defaultLockTimeout // 0 would make bbolt wait forever
	}
	if path == "" {
		return nil, errors.New("boltstore: open: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: open %s: create directory: %w", path, err)
	}
	_, statErr := os.Stat(path)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: cfg.lockTimeout,
		// The outbox makes many short-lived records; the hashmap
		// freelist keeps allocation cheap as the file fragments. It is
		// an in-memory choice: the file format is the same.
		FreelistType: bolt.FreelistMapType,
		// Not writing the freelist on every commit: with a fragmented file
		// it grows to hundreds of KiB and was most of what each commit
		// wrote (measured in bench/). bbolt rebuilds it by scanning the
		// file at open, so a crash loses nothing; opening gets slower.
		NoFreelistSync: true,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		// A new file: make its directory entry durable too, or a power
		// loss could drop the whole file with everything committed to it.
		if err := syncDir(filepath.Dir(path)); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
		}
	}
	s := &Store{
		db:       db,
		path:     path,
		now:      cfg.now,
		auditCap: defaultAuditCap,
		deadCap:  defaultDeadCap,
		done:     make(chan struct{}),
	}
	s.ready.init()
	s.buckets = pacing.NewMemory()
	if err := db.Update(s.initFile); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	return s, nil
}

// syncDir fsyncs a directory, so the entries created in it survive a
// power loss.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// initFile creates the buckets and checks the layout version.
func (s *Store) initFile(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	v := meta.Get(metaLayout)
	if v == nil {
		return meta.Put(metaLayout, u64(layoutVersion)) // a new file
	}
	got, err := decodeU64(v)
	if err != nil {
		return fmt.Errorf("bad layout version: %w", err)
	}
	switch {
	case got > layoutVersion:
		return fmt.Errorf("file has layout version %d, this partnerbot knows up to %d: upgrade partnerbot", got, layoutVersion)
	case got == layoutVersion:
		return nil
	}
	if got < 2 {
		if err := indexInactive(tx); err != nil {
			return fmt.Errorf("migrate layout %d: %w", got, err)
		}
	}
	if got < 3 {
		if err := indexZones(tx); err != nil {
			return fmt.Errorf("migrate layout %d: index subscribers by time zone: %w", got, err)
		}
	}
	return meta.Put(metaLayout, u64(layoutVersion))
}

// indexInactive fills subs_inactive from the records, for a file written
// before it existed.
func indexInactive(tx *bolt.Tx) error {
	inactive := tx.Bucket(bucketInactive)
	return forEachJSON(tx.Bucket(bucketSubs), func(sub store.Subscriber) error {
		if sub.Active {
			return nil
		}
		return inactive.Put(i64(sub.ChatID), nil)
	})
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

// wrapErr prefixes err with the package and the operation. A database
// closed under a running call becomes ErrClosed; a full disk is
// store.ErrUnavailable, since the same write may succeed once space is
// freed.
func wrapErr(err error, op string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		err = ErrClosed
	case errors.Is(err, syscall.ENOSPC) && !errors.Is(err, store.ErrUnavailable):
		err = fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return fmt.Errorf("boltstore: %s: %w", op, err)
}

// notFound is the error for a missing record.
func notFound(op string) error {
	return fmt.Errorf("boltstore: %s: %w", op, store.ErrNotFound)
}

// getJSON decodes the value of key in bucket into v; found is false when
// there is no such key.
func getJSON(b *bolt.Bucket, key []byte, v any) (found bool, err error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("decode record %x: %w", key, err)
	}
	return true, nil
}

// putJSON encodes v and stores it under key.
func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return b.Put(key, data)
}

// notifier broadcasts "something changed" to any number of waiters: a
// waiter takes the current channel, and a broadcast closes it and installs
// a new one.
type notifier struct {
	mu sync.Mutex
	ch chan struct{}
}

func (n *notifier) init() { n.ch = make(chan struct{}) }

// wait returns a channel closed at the next broadcast.
func (n *notifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ch
}

func (n *notifier) broadcast() {
	n.mu.Lock()
	defer n.mu.Unlock()
	close(n.ch)
	n.ch = make(chan struct{})
}

// forEachJSON decodes every value of b, in key order, into a T for fn.
func forEachJSON[T any](b *bolt.Bucket, fn func(T) error) error {
	return b.ForEach(func(k, v []byte) error {
		var rec T
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("decode record %x: %w", k, err)
		}
		return fn(rec)
	})
}

// get reads the JSON record under key in bucket into v, or is
// store.ErrNotFound.
func (s *Store) get(ctx context.Context, op string, bucket, key []byte, v any) error {
	var found bool
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		var err error
		found, err = getJSON(tx.Bucket(bucket), key, v)
		return err
	})
	if err != nil {
		return err
	}
	if !found {
		return notFound(op)
	}
	return nil
}

func encodeJSON(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return data, nil
}

func decodeJSON(data []byte, v any) error { return json.Unmarshal(data, v) }

// clone copies a key or value out of bbolt's memory, which is only valid
// until the transaction changes or ends, so it can be used after writes.
func clone(b []byte) []byte { return append([]byte(nil), b...) }
