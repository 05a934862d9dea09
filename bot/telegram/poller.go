package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/timing"
)

// AllowedUpdates is sent with every getUpdates call: Telegram remembers the
// last list it got, so leaving it out would keep whatever an earlier
// deployment asked for. A fresh slice each time.
func AllowedUpdates() []string {
	return []string{"message", "edited_message", "channel_post", "callback_query", "my_chat_member", "inline_query"}
}

// UpdateHandler handles one update. An error means "deliver it again
// later"; a *WaitError means "after this wait", without counting a failed
// attempt.
type UpdateHandler func(ctx context.Context, u Update) error

// Updates is where updates come from: the Bot API's getUpdates.
type Updates interface {
	GetUpdates(ctx context.Context, cfg tgbotapi.UpdateConfig) ([]Update, error)
	ConfirmUpdates(ctx context.Context, offset int, allowed []string) error
}

// Poller long-polls getUpdates and confirms an update only once it has been
// handled, so a crash re-delivers instead of losing it. Each chat's updates
// are handled in order by a worker of its own, different chats concurrently
// (at most MaxInFlight handlers at a time), and polling goes on while a
// chat waits or retries: one slow or failing chat holds up nobody else.
//
// Telegram confirms every update below the offset a poll sends, so the
// offset only moves past the updates handled without a gap: an update
// handled while an earlier one still waits is remembered (Remember) and
// skipped when it comes again.
type Poller struct {
	Client      Updates
	Handle      UpdateHandler
	Log         *slog.Logger
	Timeout     time.Duration // long-poll timeout
	MaxInFlight int
	// MaxAttempts bounds how often one update fails before it is given
	// up, so one poisoned update cannot stall its chat for ever. Waits
	// asked for with a *WaitError are not attempts.
	MaxAttempts int
	BackoffMin  time.Duration
	BackoffMax  time.Duration
	// Grace is how long handlers in hand may run after shutdown begins.
	Grace time.Duration
	// Repoll is the least time between two polls with the same offset
	// while updates are in hand: Telegram answers such a poll at once
	// with the updates still unconfirmed, and cuts it to one update when
	// it comes within half a second of the previous one.
	Repoll time.Duration
	// AlbumWait is how long the poller waits for more photos of an album
	// after the last one came, before handing the album on.
	AlbumWait time.Duration
	// Remember, when set, records an update handled while one before it
	// was not, so that after a restart it is only confirmed.
	Remember func(ctx context.Context, updateID int)
	// GivenUp, when set, is told about every update given up (metrics).
	GivenUp func()
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
		p.Grace = 500 * time.Millisecond
	}
	if p.Repoll <= 0 {
		p.Repoll = time.Second
	}
	if p.AlbumWait <= 0 {
		p.AlbumWait = time.Second
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
}

// Run polls until ctx is cancelled, then lets the handlers in hand finish
// (within Grace) and confirms what was handled.
func (p *Poller) Run(ctx context.Context) error {
	p.defaults()
	// Handlers outlive the poll context by Grace, so the update in hand is
	// finished rather than cut off.
	hctx, hcancel := timing.Outlive(ctx, p.Grace)
	defer hcancel()
	st := newPollState(p, ctx, hctx)

	polled, failures := -1, 0
	var lastPoll time.Time
	for ctx.Err() == nil {
		offset, inHand := st.offset()
		if inHand && offset == polled {
			// Nothing new to confirm: wait for a handled update to move
			// the offset, or for Repoll, before asking again.
			if !st.waitChange(ctx, lastPoll.Add(p.Repoll)) {
				continue
			}
		}
		timeout := p.Timeout
		if inHand {
			timeout = 0 // unconfirmed updates come back at once anyway
		}
		lastPoll = time.Now()
		updates, err := p.Client.GetUpdates(ctx, tgbotapi.UpdateConfig{
			Offset: offset, Timeout: int(timeout / time.Second), AllowedUpdates: AllowedUpdates(),
		})
		if err != nil {
			if ctx.Err() != nil {
				// A long poll cut short by shutdown reached Telegram,
				// which applied its offset when the poll began.
				polled = offset
				break
			}
			failures++
			d := timing.Backoff(p.BackoffMin, p.BackoffMax, failures)
			p.Log.Warn("getUpdates failed", "err", err, "retry_in", d.String())
			timing.Sleep(ctx, d)
			continue
		}
		failures = 0
		polled = offset
		st.confirmed(offset)
		st.dispatch(updates)
	}
	st.wait()
	if offset, _ := st.offset(); offset != 0 && offset != polled {
		// Telegram holds a poll that repeats the previous offset within
		// 3 s; this one is new, so it returns at once.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		if err := p.Client.ConfirmUpdates(cctx, offset, AllowedUpdates()); err != nil {
			return fmt.Errorf("poller: confirm on shutdown: %w", err)
		}
	}
	return nil
}

// handleOne runs the handler, turning a panic into a logged, handled update:
// a bug in one handler must not take the bot down or re-deliver forever.
func (p *Poller) handleOne(ctx context.Context, u Update) (err error) {
	defer func() {
		if rec := recover(); rec != nil {
			p.Log.Error("handler panicked", "update_id", u.UpdateID, "panic", fmt.Sprint(rec))
			err = nil
		}
	}()
	return p.Handle(ctx, u)
}

// work handles u until it is handled or given up, waiting between
// attempts without holding a handler slot.
func (p *Poller) work(ctx context.Context, sem chan struct{}, u Update) (finished bool) {
	attempts := 0
	for {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		err := p.handleOne(ctx, u)
		<-sem
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false // shutting down: it stays unconfirmed and comes back
		}
		wait, asked := RetryAfter(err)
		if !asked {
			attempts++
			if attempts >= p.MaxAttempts {
				p.Log.Error("giving up on update", "update_id", u.UpdateID, "attempts", attempts, "err", err)
				if p.GivenUp != nil {
					p.GivenUp()
				}
				return true
			}
			wait = timing.Backoff(p.BackoffMin, p.BackoffMax, attempts)
			p.Log.Warn("update not handled, retrying", "update_id", u.UpdateID, "attempts", attempts,
				"retry_in", wait.String(), "err", err)
		}
		if !timing.Sleep(ctx, wait) {
			return false
		}
	}
}

// chatKey groups updates by the chat they belong to; updates without a chat
// get a key of their own.
func chatKey(u Update) int64 {
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
	case u.InlineQuery != nil && u.InlineQuery.From != nil:
		// Not a chat: the person typing. Their queries are answered in
		// order, apart from everyone else's.
		return u.InlineQuery.From.ID
	}
	// Negative ids are groups; a key no chat can have keeps these apart.
	return int64(-1<<62) - int64(u.UpdateID)
}

// WaitError asks for the update to be delivered again after Wait, without
// counting a failed attempt: the chat is held by Telegram's flood control
// or by the bot's own pacing, and waiting is all there is to do.
type WaitError struct{ Wait time.Duration }

func (e *WaitError) Error() string { return fmt.Sprintf("chat must wait %s", e.Wait) }

// RetryAfter reports whether err only asks to wait, and for how long.
func RetryAfter(err error) (time.Duration, bool) {
	var we *WaitError
	if errors.As(err, &we) {
		return we.Wait, true
	}
	return 0, false
}
