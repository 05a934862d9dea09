package boltstore

import (
	"errors"
	"fmt"
	"syscall"

	berrors "go.etcd.io/bbolt/errors"

	"github.com/partnerbot/partnerbot/store"
)

// ErrLocked means another process (or another Store in this one) has the
// file open. Open wraps it with the path.
var ErrLocked = errors.New("state file is in use by another partnerbot process")

// ErrClosed is returned by every method once Close was called.
var ErrClosed = errors.New("store is closed")

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
