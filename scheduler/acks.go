package scheduler

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/internal/timing"
	"github.com/partnerbot/partnerbot/store"
)

// Acknowledgements are gathered: what this replica's workers settle
// within ackLinger (or ackBatch of them, whichever comes first) goes to
// the store in one AckMany — one round trip and about five Redis commands,
// or one bbolt commit, for the batch instead of two calls per message.
// A batch the store refuses (Redis down) is kept and tried again, so a
// store that comes back within ClaimIdle costs no duplicates. The price:
// a replica that dies loses the acknowledgements it had not written yet,
// at most the last ackLinger of sends besides the sends in flight, and
// those messages are sent again after ClaimIdle. A clean shutdown flushes.
const (
	ackLinger = 10 * time.Millisecond
	ackBatch  = 256
	// ackKeep bounds the acknowledgements kept while the store refuses
	// them; beyond it the oldest are given up (sent again later).
	ackKeep = 20_000
	// ackRetryMin and ackRetryMax bound the wait between tries of a
	// refused batch.
	ackRetryMin = 50 * time.Millisecond
	ackRetryMax = time.Second
	// ackFlushTimeout bounds the last flush at shutdown.
	ackFlushTimeout = 5 * time.Second
)

// acks batches settled messages for Outbox.AckMany.
type acks struct {
	store OutboxStore
	log   *slog.Logger

	mu      sync.Mutex
	buf     []store.Settled
	running bool
	kick    chan struct{} // the buffer got its first entry
	full    chan struct{} // the buffer holds ackBatch entries
}

func newAcks(st OutboxStore, log *slog.Logger) *acks {
	return &acks{store: st, log: log, kick: make(chan struct{}, 1), full: make(chan struct{}, 1)}
}

// add queues one settled message. Without a flusher running (a worker
// used on its own, in tests) it is settled at once.
func (a *acks) add(ctx context.Context, s store.Settled) {
	a.mu.Lock()
	if !a.running {
		a.mu.Unlock()
		if err := a.flush(ctx, []store.Settled{s}); err != nil {
			a.log.Warn("outbox: could not settle message; it will be sent again", "err", err)
		}
		return
	}
	a.buf = append(a.buf, s)
	n := len(a.buf)
	a.mu.Unlock()
	// The flusher waits for the first entry of a batch, then lingers
	// unless the batch fills.
	switch n {
	case 1:
		signal(a.kick)
	case ackBatch:
		signal(a.full)
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// start marks the flusher as running, before any worker adds.
func (a *acks) start() {
	a.mu.Lock()
	a.running = true
	a.mu.Unlock()
}

// run flushes ackLinger after the first entry of each batch, or at once
// when one is full, until stop closes; a refused batch is tried again
// with backoff, together with what came since. Then it flushes what is
// left, with a context of its own: the workers' may have ended already,
// and a lost acknowledgement means a message sent twice.
func (a *acks) run(ctx context.Context, stop <-chan struct{}) {
	timer := time.NewTimer(ackLinger)
	timer.Stop()
	failures := 0
	for {
		wait := ackLinger
		if failures == 0 {
			select {
			case <-a.kick:
			case <-stop:
				a.final(ctx)
				return
			}
		} else {
			wait = timing.Backoff(ackRetryMin, ackRetryMax, failures)
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-a.full:
			timer.Stop()
		case <-stop:
			timer.Stop()
			a.final(ctx)
			return
		}
		batch := a.take()
		if err := a.flush(ctx, batch); err != nil {
			failures++
			a.keep(batch)
			if failures == 1 {
				a.log.Warn("outbox: could not settle sent messages; trying again", "messages", len(batch), "err", err)
			}
			continue
		}
		if failures > 0 {
			a.log.Info("outbox: settled the messages kept while the store was unavailable", "tries", failures+1)
		}
		failures = 0
	}
}

// final flushes what is left when the workers are done. What the store
// refuses now stays pending: it is claimed again after ClaimIdle and sent
// again.
func (a *acks) final(ctx context.Context) {
	a.mu.Lock()
	a.running = false
	a.mu.Unlock()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackFlushTimeout)
	defer cancel()
	if batch := a.take(); a.flush(fctx, batch) != nil {
		a.log.Warn("outbox: could not settle sent messages at shutdown; they will be sent again", "messages", len(batch))
	}
}

// waiting reports whether the acknowledgement of id is in the batch
// still to be written. Only a message claimed again asks, which is rare,
// so a scan will do.
func (a *acks) waiting(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.buf {
		if s.ID == id {
			return true
		}
	}
	return false
}

func (a *acks) take() []store.Settled {
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.buf
	a.buf = nil
	return b
}

// keep puts a refused batch back in front of what came since, dropping
// the oldest beyond ackKeep.
func (a *acks) keep(batch []store.Settled) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.buf = append(batch, a.buf...)
	if drop := len(a.buf) - ackKeep; drop > 0 {
		a.log.Warn("outbox: too many unsettled messages kept; the oldest will be sent again", "dropped", drop)
		a.buf = a.buf[drop:]
	}
}

// flush settles a batch in one store call.
func (a *acks) flush(ctx context.Context, batch []store.Settled) error {
	if len(batch) == 0 {
		return nil
	}
	return a.store.AckMany(ctx, batch)
}
