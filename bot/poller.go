package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/timing"
)

// AllowedUpdates is sent with every getUpdates call: Telegram remembers the
// last list it got, so leaving it out would keep whatever an earlier
// deployment asked for.
var AllowedUpdates = []string{"message", "edited_message", "channel_post", "callback_query", "my_chat_member"}

// UpdateHandler handles one update; an error means "deliver it again later".
type UpdateHandler func(ctx context.Context, u tgbotapi.Update) error

// Poller long-polls getUpdates and confirms an update only once it has been
// handled, so a crash re-delivers instead of losing it. Updates of one chat
// are handled in order; different chats concurrently, at most MaxInFlight at
// a time.
type Poller struct {
	Client      *Client
	Handle      UpdateHandler
	Log         *slog.Logger
	Timeout     time.Duration // long-poll timeout
	MaxInFlight int
	// MaxAttempts bounds how often one update is retried before it is
	// given up (logged) so one poisoned update cannot stall the bot.
	MaxAttempts int
	BackoffMin  time.Duration
	BackoffMax  time.Duration
	// Grace is how long updates in hand may run after shutdown begins.
	Grace time.Duration
}

func (p *Poller) defaults() {
	if p.Timeout <= 0 {
		p.Timeout = 30 * time.Second
	}
	if p.MaxInFlight <= 0 {
		p.MaxInFlight = 16
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.BackoffMin <= 0 {
		p.BackoffMin = time.Second
	}
	if p.BackoffMax <= 0 {
		p.BackoffMax = time.Minute
	}
	if p.Grace <= 0 {
		p.Grace = 1500 * time.Millisecond
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
}

// Run polls until ctx is cancelled, then finishes the updates in hand and
// confirms them.
func (p *Poller) Run(ctx context.Context) error {
	p.defaults()
	// Handlers outlive the poll context by Grace, so the update in hand is
	// finished rather than cut off.
	hctx, hcancel := timing.Outlive(ctx, p.Grace)
	defer hcancel()

	var (
		offset, confirmed int
		attempts          = map[int]int{}  // update id → failed attempts
		done              = map[int]bool{} // handled but not yet confirmed
		failures          int
	)
	for ctx.Err() == nil {
		updates, err := p.Client.GetUpdates(ctx, tgbotapi.UpdateConfig{
			Offset: offset, Timeout: int(p.Timeout / time.Second), AllowedUpdates: AllowedUpdates,
		})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			failures++
			d := timing.Backoff(p.BackoffMin, p.BackoffMax, failures)
			p.Log.Warn("getUpdates failed", "err", err, "retry_in", d.String())
			timing.Sleep(ctx, d)
			continue
		}
		confirmed = offset
		failures = 0
		pending := make([]tgbotapi.Update, 0, len(updates))
		for _, u := range updates {
			if !done[u.UpdateID] {
				pending = append(pending, u)
			}
		}
		failed := p.handleBatch(hctx, pending)
		for _, u := range pending {
			if !failed[u.UpdateID] {
				done[u.UpdateID] = true
				continue
			}
			attempts[u.UpdateID]++
			if attempts[u.UpdateID] >= p.MaxAttempts {
				p.Log.Error("giving up on update", "update_id", u.UpdateID, "attempts", attempts[u.UpdateID])
				delete(failed, u.UpdateID)
				done[u.UpdateID] = true
			}
		}
		if len(updates) == 0 {
			continue
		}
		if len(failed) == 0 {
			offset = slices.MaxFunc(updates, func(a, b tgbotapi.Update) int { return a.UpdateID - b.UpdateID }).UpdateID + 1
			clear(done)
			clear(attempts)
			continue
		}
		// Confirm up to the first failure; what came after it and was
		// handled is remembered in done and skipped when it comes back.
		first := -1
		for id := range failed {
			if first < 0 || id < first {
				first = id
			}
		}
		offset = first
		failures++
		d := timing.Backoff(p.BackoffMin, p.BackoffMax, failures)
		p.Log.Warn("updates not handled, retrying", "count", len(failed), "retry_in", d.String())
		timing.Sleep(ctx, d)
	}
	if offset != confirmed {
		if err := p.Client.ConfirmUpdates(offset, AllowedUpdates); err != nil {
			return fmt.Errorf("poller: confirm on shutdown: %w", err)
		}
	}
	return nil
}

// handleBatch handles updates, chats concurrently and each chat in order,
// and returns the ids that must be delivered again. When one update of a
// chat fails, the chat's later updates wait too, so order is kept.
func (p *Poller) handleBatch(ctx context.Context, updates []tgbotapi.Update) map[int]bool {
	byChat := map[int64][]tgbotapi.Update{}
	var order []int64
	for _, u := range updates {
		k := chatKey(u)
		if _, ok := byChat[k]; !ok {
			order = append(order, k)
		}
		byChat[k] = append(byChat[k], u)
	}
	var (
		mu     sync.Mutex
		failed = map[int]bool{}
		wg     sync.WaitGroup
		sem    = make(chan struct{}, p.MaxInFlight)
	)
	for _, k := range order {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			for i, u := range byChat[k] {
				if err := p.handleOne(ctx, u); err != nil {
					mu.Lock()
					for _, rest := range byChat[k][i:] {
						failed[rest.UpdateID] = true
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return failed
}

// handleOne runs the handler, turning a panic into a logged, handled update:
// a bug in one handler must not take the bot down or re-deliver forever.
func (p *Poller) handleOne(ctx context.Context, u tgbotapi.Update) (err error) {
	defer func() {
		if rec := recover(); rec != nil {
			p.Log.Error("handler panicked", "update_id", u.UpdateID, "panic", fmt.Sprint(rec))
			err = nil
		}
	}()
	return p.Handle(ctx, u)
}

// chatKey groups updates by the chat they belong to; updates without a chat
// get a key of their own.
func chatKey(u tgbotapi.Update) int64 {
	switch {
	case u.Message != nil && u.Message.Chat != nil:
		return u.Message.Chat.ID
	case u.EditedMessage != nil && u.EditedMessage.Chat != nil:
		return u.EditedMessage.Chat.ID
	case u.ChannelPost != nil && u.ChannelPost.Chat != nil:
		return u.ChannelPost.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil && u.CallbackQuery.Message.Chat != nil:
		return u.CallbackQuery.Message.Chat.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	}
	// Negative ids are groups; a key no chat can have keeps these apart.
	return int64(-1<<62) - int64(u.UpdateID)
}
