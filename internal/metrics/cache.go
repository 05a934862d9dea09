package metrics

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Windows of the figures read from storage at scrape time. A scrape is
// cheap to ask for (several Prometheus servers, a curl loop, a dashboard
// refreshing), so storage must not pay for each one.
const (
	// outboxCacheFor: the outbox figures feed alerts, so they stay close to
	// live; a few seconds is shorter than any sensible scrape interval and
	// still absorbs bursts of scrapes.
	outboxCacheFor = 5 * time.Second
	// subsCacheFor: counting subscribers scans the store, and the count
	// moves slowly.
	subsCacheFor = time.Minute
	// failureCacheFor: a failed read is remembered too, so an outage is
	// not hammered by every scrape, but only briefly, so recovery shows.
	failureCacheFor = 5 * time.Second
	// readTimeout bounds one storage read; every scrape waiting on it
	// waits at most this long.
	readTimeout = 5 * time.Second
)

// errReadPanicked stands in for the result of a read that panicked, so
// the scrapes that waited for it get an answer.
var errReadPanicked = errors.New("metrics: storage read panicked")

// cached is one figure read from storage, at most once per window however
// many scrapes ask; scrapes arriving while a read is under way wait for it
// rather than starting their own.
type cached[T any] struct {
	read      func(ctx context.Context, now time.Time) (T, error)
	now       func() time.Time
	fresh     time.Duration // how long a value is served
	failFresh time.Duration // how long a failure is served

	mu     sync.Mutex
	val    T
	err    error
	at     time.Time
	filled bool
	flight chan struct{} // closed when the read under way ends; nil when none
	joined int           // scrapes that waited for another's read; tests check it
}

// get returns the figure, reading storage only when the last read is out
// of its window and no other read is under way.
func (c *cached[T]) get() (T, error) {
	c.mu.Lock()
	now := c.now()
	window := c.fresh
	if c.err != nil {
		window = c.failFresh
	}
	if c.filled && now.Sub(c.at) < window {
		defer c.mu.Unlock()
		return c.val, c.err
	}
	if f := c.flight; f != nil {
		c.joined++
		c.mu.Unlock()
		<-f
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.val, c.err
	}
	f := make(chan struct{})
	c.flight = f
	c.mu.Unlock()
	return c.refresh(now, f)
}

// refresh does the one read and hands its result to the waiting scrapes,
// even when the read panics: otherwise they, and every later scrape, would
// wait forever.
func (c *cached[T]) refresh(now time.Time, f chan struct{}) (v T, err error) {
	err = errReadPanicked
	defer func() {
		c.mu.Lock()
		// The window starts when the read ends, so a slow read still
		// leaves storage a full window of rest.
		c.val, c.err, c.at, c.filled, c.flight = v, err, c.now(), true, nil
		c.mu.Unlock()
		close(f)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	return c.read(ctx, now)
}
