package bot

import (
	"context"
	"fmt"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/timing"
	"github.com/partnerbot/partnerbot/store"
)

// Pacer paces every send within Telegram's limits; the scheduler's limiter
// implements it. Replies ask as non-bulk, so they keep a share of the rate
// that bulk delivery cannot take.
type Pacer interface {
	Reserve(ctx context.Context, chatID int64, group, bulk bool) (time.Duration, error)
	Pause(ctx context.Context, d time.Duration) error
}

// SetPaidBroadcast makes bulk sends carry allow_paid_broadcast, which
// raises Telegram's limit to 1000 messages a second for a fee.
func (c *Client) SetPaidBroadcast(on bool) { c.paid = on }

// SendHTML sends one HTML message; it is the scheduler's Sender. Errors are
// the Bot API's own (redacted), for internal/tgerr to classify.
func (c *Client) SendHTML(ctx context.Context, chatID int64, html string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	params := tgbotapi.Params{
		"chat_id":                  strconv.FormatInt(chatID, 10),
		"text":                     html,
		"parse_mode":               tgbotapi.ModeHTML,
		"disable_web_page_preview": "true",
	}
	if c.paid {
		// Not in the library's types (Bot API 7.11): sent as a raw field.
		params["allow_paid_broadcast"] = "true"
	}
	// The library takes no context: a copy whose requests carry ctx, so a
	// send is bounded by the caller's timeout and shutdown.
	api := *c.api
	api.Client = &ctxClient{ctx: ctx, c: c.sendHTTP}
	if _, err := api.MakeRequest("sendMessage", params); err != nil {
		return fmt.Errorf("telegram: sendMessage: %w", c.redact(err))
	}
	return nil
}

// ReminderHTML renders an event reminder.
func (b *Bot) ReminderHTML(p store.Post, l store.Lang) string {
	return b.tr.T(l, "reminder_title") + "\n\n" + b.PostHTML(p, l)
}

// pace waits until the limiter lets a reply to r's chat go, at most
// maxReplyWait.
func (b *Bot) pace(ctx context.Context, r *Request) error {
	if b.pacer == nil {
		return nil
	}
	deadline := time.Now().Add(maxReplyWait)
	for {
		wait, err := b.pacer.Reserve(ctx, r.ChatID, !r.Private(), false)
		if err != nil {
			b.log.Debug("pacer unavailable, sending anyway", "err", err)
			return nil
		}
		if wait <= 0 {
			return nil
		}
		if time.Now().Add(wait).After(deadline) {
			return &telegramError{err: fmt.Errorf("flood control: reply must wait %s", wait)}
		}
		if !timing.Sleep(ctx, wait) {
			return fmt.Errorf("reply: %w", ctx.Err())
		}
	}
}
