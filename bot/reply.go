package bot

import (
	"context"
	"errors"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/tgerr"
	"github.com/partnerbot/partnerbot/internal/timing"
	"github.com/partnerbot/partnerbot/store"
)

// maxReplyWait bounds how long a reply waits out Telegram's flood control
// before the update is left for a later retry.
const maxReplyWait = 5 * time.Second

// reply sends an HTML message to the request's chat.
func (b *Bot) reply(ctx context.Context, r *Request, text string, kb *tgbotapi.InlineKeyboardMarkup) error {
	m := tgbotapi.NewMessage(r.ChatID, text)
	m.ParseMode = tgbotapi.ModeHTML
	m.DisableWebPagePreview = true
	if kb != nil {
		m.ReplyMarkup = *kb
	}
	_, err := b.send(ctx, r, m)
	return err
}

// replyBlocks sends blocks of HTML as few messages as fit Telegram's limit;
// the keyboard goes with the last one.
func (b *Bot) replyBlocks(ctx context.Context, r *Request, blocks []string, kb *tgbotapi.InlineKeyboardMarkup) error {
	parts := Pack(blocks, MaxMessageLen)
	for i, p := range parts {
		var k *tgbotapi.InlineKeyboardMarkup
		if i == len(parts)-1 {
			k = kb
		}
		if err := b.reply(ctx, r, p, k); err != nil {
			return err
		}
	}
	return nil
}

// edit replaces the text and keyboard of the message a button sits on.
func (b *Bot) edit(ctx context.Context, r *Request, text string, kb *tgbotapi.InlineKeyboardMarkup) error {
	m := tgbotapi.NewEditMessageText(r.ChatID, r.MessageID, text)
	m.ParseMode = tgbotapi.ModeHTML
	m.DisableWebPagePreview = true
	m.ReplyMarkup = kb
	_, err := b.send(ctx, r, m)
	if e, ok := APIError(err); ok && e.Code == 400 && strings.Contains(e.Message, "message is not modified") {
		return nil // a double tap: the message already shows this state
	}
	return err
}

// answer acknowledges a button tap; text, when set, shows as a short toast.
// Failures are only logged: the tap has been acted on already.
func (b *Bot) answer(ctx context.Context, r *Request, text string) {
	if r.CallbackID == "" {
		return
	}
	if err := b.tg.Request(ctx, tgbotapi.NewCallback(r.CallbackID, text)); err != nil {
		b.log.Debug("answer callback", "chat_id", r.ChatID, "err", err)
	}
	r.CallbackID = "" // answered once
}

// send delivers one request to the chat, waiting out a short flood-control
// pause once, and marks the chat inactive when Telegram says it is gone.
func (b *Bot) send(ctx context.Context, r *Request, c tgbotapi.Chattable) (tgbotapi.Message, error) {
	for attempt := 0; ; attempt++ {
		if err := b.pace(ctx, r); err != nil {
			return tgbotapi.Message{}, err
		}
		msg, err := b.tg.Send(ctx, c)
		res := tgerr.Classify(err)
		b.observeSend(res.Outcome)
		switch res.Outcome {
		case tgerr.OK:
			return msg, nil
		case tgerr.RateLimited:
			// Flood control is per bot: every sender pauses, replies too.
			if b.pacer != nil {
				if perr := b.pacer.Pause(ctx, res.RetryAfter); perr != nil {
					b.log.Warn("pause not shared", "err", perr)
				}
			}
			if attempt == 0 && res.RetryAfter <= maxReplyWait {
				if !timing.Sleep(ctx, res.RetryAfter) {
					return msg, err
				}
				continue
			}
		case tgerr.Gone:
			b.markGone(ctx, r.ChatID, err)
			return msg, nil // nobody to tell: the update is handled
		case tgerr.Transient:
			if _, ok := APIError(err); !ok {
				return msg, &telegramError{err: err}
			}
		}
		return msg, err
	}
}

func (b *Bot) observeSend(o tgerr.Outcome) {
	if b.obs == nil {
		return
	}
	if o == tgerr.OK {
		b.obs.Sent("reply")
		return
	}
	b.obs.Failed("reply", o.String())
}

// markGone records that a chat can no longer be reached.
func (b *Bot) markGone(ctx context.Context, chatID int64, cause error) {
	err := b.store.SetActive(ctx, chatID, false, b.now())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		b.log.Warn("mark chat inactive", "chat_id", chatID, "err", err)
		return
	}
	b.log.Info("chat unreachable, marked inactive", "chat_id", chatID, "reason", cause.Error())
}
