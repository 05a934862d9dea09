package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// errContention is returned when an optimistic transaction kept losing to
// concurrent writers of the same record.
var errContention = errors.New("too many concurrent updates, giving up")

// wrapErr prefixes err with the package and the operation and classifies
// it: connection trouble becomes store.ErrUnavailable so callers can tell
// "try again later" from a bug, without knowing about Redis.
func wrapErr(err error, op string) error {
	if err == nil {
		return nil
	}
	if isUnavailable(err) {
		err = unavailable(err)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

// notFound is the error for a missing record.
func notFound(op string) error {
	return fmt.Errorf("redisstore: %s: %w", op, store.ErrNotFound)
}

// unavailableError is an error that is both store.ErrUnavailable and its
// cause, so errors.Is finds the sentinel and errors.As still reaches the
// *net.OpError or whatever the driver returned.
type unavailableError struct{ cause error }

func (e *unavailableError) Error() string {
	return store.ErrUnavailable.Error() + ": " + e.cause.Error()
}

func (e *unavailableError) Unwrap() []error { return []error{store.ErrUnavailable, e.cause} }

// unavailable marks err as store.ErrUnavailable.
func unavailable(err error) error {
	if errors.Is(err, store.ErrUnavailable) {
		return err
	}
	return &unavailableError{cause: err}
}

// isUnavailable reports whether err means that Redis could not be reached
// or cannot serve right now, as opposed to a bad request or bad data.
//
// Not included: context.Canceled (the caller gave up, Redis may be fine) and
// redis.ErrClosed (the store was closed; retrying can never succeed).
func isUnavailable(err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, redis.Nil), errors.Is(err, redis.ErrClosed), errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, redis.ErrPoolTimeout),
		errors.Is(err, redis.ErrPoolExhausted),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, net.ErrClosed):
		return true
	}
	// Dial, DNS, timeout and other socket errors.
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	// Server replies that mean "not now" rather than "never".
	var redisErr redis.Error
	if errors.As(err, &redisErr) {
		msg := redisErr.Error()
		for _, p := range []string{"LOADING ", "MASTERDOWN ", "CLUSTERDOWN ", "TRYAGAIN ", "BUSY ", "READONLY "} {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
	}
	return false
}
