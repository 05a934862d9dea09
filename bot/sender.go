package bot

import (
	"context"
	"fmt"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/store"
)

// Pacer paces every send within Telegram's limits; internal/pacing's
// limiter implements it. Replies ask as non-bulk, so they keep a share of
// the rate that bulk delivery cannot take, and they count against their
// chat's limit like everything else sent there.
type Pacer interface {
	Reserve(ctx context.Context, chatID int64, group, bulk bool) (time.Duration, error)
	Flood(ctx context.Context, chatID int64, d time.Duration) (global bool, err error)
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
	if _, err := c.withContext(ctx, c.sendHTTP).MakeRequest("sendMessage", params); err != nil {
		return fmt.Errorf("telegram: sendMessage: %w", c.redact(err))
	}
	return nil
}

// ReminderHTML renders an event reminder.
func (b *Bot) ReminderHTML(p store.Post, l store.Lang) string {
	return b.tr.T(l, "reminder_title") + "\n\n" + b.PostHTML(p, l)
}
