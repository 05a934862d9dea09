package boltstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/pacing"
)

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
