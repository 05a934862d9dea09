package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/internal/timing"
	"github.com/partnerbot/partnerbot/store"
)

// maxHold is the longest a worker waits on the limiter while holding a
// claimed message.
const maxHold = time.Second

// personalBatch is how many messages the personal sender claims at once:
// one, so a message never waits for another it holds (an answer behind a
// copy that waits for the office group's limit).
const personalBatch = 1

// Workers drain the outbox. Every replica runs them; the outbox's consumer
// group hands each message to one worker, and a message whose worker died
// is claimed again after ClaimIdle.
type Workers struct {
	Store  OutboxStore
	Sender Sender
	// Renderer renders channel posts when they go out, in ChannelLang.
	Renderer    Renderer
	ChannelLang store.Lang
	Limiter     Limiter
	Log         *slog.Logger
	Events      Events
	Now         store.NowFunc
	// Rights tells, when Telegram refuses to edit or delete a channel
	// message, whether the bot lacks the right (the message then waits
	// for it, as posts do) or the message is beyond reach (the change is
	// dropped). Nil: always the latter.
	Rights ChannelRights
	// RightsLost, when set, is called as a channel message begins to wait
	// for the bot's rights (its first refusal), so that owners hear of it
	// while the bot runs, not only from the check at start.
	RightsLost func(ctx context.Context)
	// Office sends the partnership office's messages; nil without one.
	Office *Office

	// Consumer names this replica in the consumer group.
	Consumer string
	// Count is the number of concurrent senders in this replica.
	Count int
	// Batch is how many messages one claim takes.
	Batch int
	// ClaimBlock is how long a claim waits for new messages. Redis does
	// not cut a waiting read short when shutdown begins, so it bounds how
	// long shutdown waits for an idle worker.
	ClaimBlock time.Duration
	// ClaimIdle is how long a claimed, unacknowledged message waits before
	// another worker takes it over.
	ClaimIdle time.Duration
	// MaxAttempts is how many transient failures a message survives
	// before it becomes a dead letter.
	MaxAttempts int
	BackoffMin  time.Duration
	BackoffMax  time.Duration
	// Grace bounds in-flight sends after shutdown begins; what is left
	// stays in the outbox.
	Grace time.Duration
	// SendTimeout bounds one send.
	SendTimeout time.Duration

	// acks gathers settled messages for AckMany while Run runs.
	acks *acks
	// recent remembers what this replica settled, so that a message
	// whose acknowledgement did not reach the store is not sent again.
	recent *recent
}

func (w *Workers) defaults() {
	if w.Count <= 0 {
		w.Count = 8
	}
	if w.Batch <= 0 {
		w.Batch = 16
	}
	if w.ClaimBlock <= 0 {
		w.ClaimBlock = 300 * time.Millisecond
	}
	if w.ClaimIdle <= 0 {
		w.ClaimIdle = 30 * time.Second
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 8
	}
	if w.BackoffMin <= 0 {
		w.BackoffMin = time.Second
	}
	if w.BackoffMax <= 0 {
		w.BackoffMax = 5 * time.Minute
	}
	if w.Grace <= 0 {
		w.Grace = 5 * time.Second
	}
	if w.SendTimeout <= 0 {
		// A send must end well within the time a batch is held (ClaimIdle/2),
		// or another worker would take the message over and send it too.
		w.SendTimeout = min(10*time.Second, w.ClaimIdle/3)
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
}

// Run sends until ctx ends, then lets sends in flight finish within Grace.
func (w *Workers) Run(ctx context.Context) error {
	w.defaults()
	// Sends outlive ctx by Grace so a message Telegram is accepting is not
	// cut off (which would send it twice after a restart).
	sctx, scancel := timing.Outlive(ctx, w.Grace)
	defer scancel()

	w.acks = newAcks(w.Store, w.Log)
	w.acks.start()
	w.recent = newRecent()
	stopAcks := make(chan struct{})
	var acking sync.WaitGroup
	acking.Go(func() { w.acks.run(sctx, stopAcks) })

	var wg sync.WaitGroup
	wg.Go(func() { w.promote(ctx) })
	for i := range w.Count {
		consumer := fmt.Sprintf("%s-%d", w.Consumer, i)
		wg.Go(func() { w.loop(ctx, sctx, consumer, w.Store.Claim, w.Batch) })
	}
	// Every sender claims personal messages (store.OutboxMessage.Personal)
	// first, but one that holds a batch of digests claims again only when
	// it is through with them: Count × Batch messages at SEND_RATE, four
	// seconds with the defaults. So one more sender waits for personal
	// messages alone, and an official's answer goes out as soon as it is
	// queued, however long the digest.
	wg.Go(func() { w.loop(ctx, sctx, w.Consumer+"-personal", w.Store.ClaimPersonal, personalBatch) })
	wg.Wait()
	// The last acknowledgements go out once no worker can add any.
	close(stopAcks)
	acking.Wait()
	return nil
}

// promote moves retries whose time has come back into the queue.
func (w *Workers) promote(ctx context.Context) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		if _, err := w.Store.PromoteDue(ctx, w.Now()); err != nil && ctx.Err() == nil {
			w.Log.Warn("outbox: promote retries", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// claimFunc is store.Outbox's Claim or ClaimPersonal.
type claimFunc func(ctx context.Context, consumer string, max int, block, minIdle time.Duration) ([]store.OutboxMessage, error)

// loop claims batches with claim and delivers them until ctx ends.
func (w *Workers) loop(ctx, sctx context.Context, consumer string, claim claimFunc, batch int) {
	failures := 0
	for ctx.Err() == nil {
		msgs, err := claim(ctx, consumer, batch, w.ClaimBlock, w.ClaimIdle)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			d := timing.Backoff(100*time.Millisecond, 10*time.Second, failures)
			w.Log.Warn("outbox: claim failed", "err", err, "retry_in", d.String())
			timing.Sleep(ctx, d)
			continue
		}
		failures = 0
		// A claimed message that waits in this batch for longer than
		// ClaimIdle looks abandoned: another worker takes it over and both
		// send it. So the batch is only worked on for half of ClaimIdle;
		// what is left then goes back to the queue, unsent, for any
		// worker (the first message always gets its chance, so a batch
		// always makes progress). The other half is for the send in
		// hand, so a send must time out within ClaimIdle/2.
		handBack := time.Now().Add(w.ClaimIdle / 2)
		for i, m := range msgs {
			if ctx.Err() != nil {
				// Not sent: it stays pending and is claimed again.
				return
			}
			if i > 0 && time.Now().After(handBack) {
				w.settle(sctx, w.Log, w.Store.Retry(sctx, m.ID, m, w.Now()))
				continue
			}
			if w.recent != nil && w.recent.settled(m) {
				// Sent (or given up) by this replica before; only its
				// acknowledgement went missing. Not counted again.
				w.Log.Info("outbox: message claimed again after it was settled; acknowledging it without sending", "id", m.ID, "chat", m.ChatID)
				if !w.acks.waiting(m.ID) {
					w.acks.add(sctx, store.Settled{ID: m.ID})
				}
				continue
			}
			w.deliver(ctx, sctx, m, handBack)
		}
	}
}

// settle logs an outbox update that failed: the message stays pending and
// is claimed again after ClaimIdle, so nothing is lost, at worst resent.
func (w *Workers) settle(_ context.Context, log *slog.Logger, err error) {
	if err != nil {
		log.Warn("outbox: could not settle message; it will be retried", "err", err)
	}
}

func (w *Workers) chatGone(ctx context.Context, log *slog.Logger, chatID int64, deactivated bool) {
	if err := store.ChatGone(ctx, w.Store, chatID, deactivated, w.Now()); err != nil {
		log.Warn("outbox: could not mark chat inactive", "err", err)
		return
	}
	log.Info("outbox: chat unreachable, subscriber inactive", "deleted", deactivated)
}

func (w *Workers) migrate(ctx context.Context, log *slog.Logger, from, to int64) {
	if err := store.MigrateChat(ctx, w.Store, from, to, w.Now()); err != nil {
		log.Warn("outbox: could not move subscription to supergroup", "new_chat_id", to, "err", err)
	}
}

// done settles m: removed from the outbox unless buried already (then
// its ID is ""), and a digest counted in its run's figures (for /stats),
// sent or failed for good. It goes into the batch of acknowledgements.
func (w *Workers) done(ctx context.Context, m store.OutboxMessage, id string, sent bool) {
	s := store.Settled{ID: id, Sent: sent}
	if m.Kind == store.MsgDigest {
		s.RunKey = m.Ref
	}
	if s.ID == "" && s.RunKey == "" {
		return
	}
	if w.recent != nil && id != "" {
		w.recent.remember(m)
	}
	if w.acks == nil { // not under Run: settle it at once
		if err := w.Store.AckMany(ctx, []store.Settled{s}); err != nil {
			w.Log.Warn("outbox: could not settle message; it will be retried", "err", err)
		}
		return
	}
	w.acks.add(ctx, s)
}

func (w *Workers) sent(m store.OutboxMessage) {
	if w.Events.Sent != nil {
		w.Events.Sent(m.Kind)
	}
}

// failed records a failure for the metrics.
func (w *Workers) failed(m store.OutboxMessage, reason string) {
	if w.Events.Failed != nil {
		w.Events.Failed(m.Kind, reason)
	}
}
