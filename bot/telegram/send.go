package telegram

import (
	"context"
	"fmt"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

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
