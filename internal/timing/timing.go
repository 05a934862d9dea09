// Package timing holds the waiting rules every loop of partnerbot shares:
// exponential backoff with jitter, a sleep that ends with its context, and
// a context that outlives shutdown by a grace period.
package timing

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is the wait before try n (1-based): minD doubled per try, capped
// at maxD, with full jitter over its upper half so many waiters spread out.
func Backoff(minD, maxD time.Duration, n int) time.Duration {
	d := minD
	for i := 1; i < n && d < maxD; i++ {
		d *= 2
	}
	d = min(d, maxD)
	return d/2 + rand.N(d/2+1)
}

// Sleep waits d or until ctx ends; it reports whether the full wait passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Outlive returns a context that ends grace after ctx does (or when
// cancel is called): work in hand at shutdown is finished rather than cut
// off, but not waited for forever.
func Outlive(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	out, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(grace, cancel) })
	return out, func() { stop(); cancel() }
}
