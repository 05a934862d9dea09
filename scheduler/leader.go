package scheduler

import (
	"context"
	"log/slog"
	"time"

	"github.com/partnerbot/partnerbot/internal/timing"
	"github.com/partnerbot/partnerbot/store"
)

// Leader runs a function on exactly one replica at a time: the holder of a
// lock with a TTL, renewed while held. When the holder dies its lock runs
// out and another replica takes over within about TTL.
type Leader struct {
	Locks store.Locks
	Name  string // lock name, e.g. "poller"
	Owner string // this replica's id
	TTL   time.Duration
	Log   *slog.Logger
}

// Run calls fn while this replica holds the lock, with a context that ends
// when the lock is lost or ctx ends; it tries again until ctx ends.
func (l *Leader) Run(ctx context.Context, fn func(ctx context.Context) error) error {
	if l.TTL <= 0 {
		l.TTL = 5 * time.Second
	}
	if l.Log == nil {
		l.Log = slog.New(slog.DiscardHandler)
	}
	every := l.TTL / 3
	for ctx.Err() == nil {
		held, err := l.Locks.TryLock(ctx, l.Name, l.Owner, l.TTL)
		if err != nil && ctx.Err() == nil {
			l.Log.Warn("leader: lock unavailable", "lock", l.Name, "err", err)
		}
		if !held {
			timing.Sleep(ctx, every)
			continue
		}
		l.Log.Info("leader: lock taken", "lock", l.Name, "owner", l.Owner)
		l.lead(ctx, fn, every)
	}
	// Let another replica take over at once instead of waiting for the TTL.
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if err := l.Locks.Unlock(uctx, l.Name, l.Owner); err != nil {
		l.Log.Debug("leader: unlock", "lock", l.Name, "err", err)
	}
	return nil
}

// lead runs fn and renews the lock until either ends.
func (l *Leader) lead(ctx context.Context, fn func(ctx context.Context) error, every time.Duration) {
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn(fctx) }()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case err := <-done:
			if err != nil && ctx.Err() == nil {
				l.Log.Error("leader: task failed", "lock", l.Name, "err", err)
			}
			// Whatever ended the task, do not spin straight back into it.
			timing.Sleep(ctx, every)
			return
		case <-t.C:
			held, err := l.Locks.TryLock(ctx, l.Name, l.Owner, l.TTL)
			if err == nil && held {
				continue
			}
			l.Log.Warn("leader: lock lost, stepping down", "lock", l.Name, "err", err)
			cancel()
			<-done
			return
		}
	}
}
