package bot

import (
	"context"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/partnerbot/partnerbot/bot/render"
)

// Reply is one message the bot answers an update with: a new message, or
// an edit of the message a button sits on. Handlers only queue replies;
// they go out after the handler returns (deliver), so that a reply
// Telegram did not take can be sent again on its own, without running the
// handler (and its changes) twice. Replies are kept as JSON in the update's
// journal meanwhile.
type Reply struct {
	// Edit is the message to edit; 0 sends a new message.
	Edit     int                            `json:"edit,omitempty"`
	ChatID   int64                          `json:"chat_id"`
	Group    bool                           `json:"group,omitempty"`
	Text     string                         `json:"text"`
	Keyboard *tgbotapi.InlineKeyboardMarkup `json:"keyboard,omitempty"`
}

// reply queues an HTML message to the request's chat. It never fails: the
// error result lets handlers end with "return b.reply(...)".
func (b *Bot) reply(_ context.Context, r *Request, text string, kb *tgbotapi.InlineKeyboardMarkup) error {
	r.out = append(r.out, Reply{ChatID: r.ChatID, Group: !r.Private(), Text: text, Keyboard: kb})
	return nil
}

// replyBlocks queues blocks of HTML as few messages as fit Telegram's
// limit; the keyboard goes with the last one.
func (b *Bot) replyBlocks(ctx context.Context, r *Request, blocks []string, kb *tgbotapi.InlineKeyboardMarkup) error {
	parts := render.Pack(blocks, render.MaxMessageLen)
	for i, p := range parts {
		var k *tgbotapi.InlineKeyboardMarkup
		if i == len(parts)-1 {
			k = kb
		}
		b.reply(ctx, r, p, k)
	}
	return nil
}

// edit queues a new text and keyboard for the message the button sits on.
func (b *Bot) edit(_ context.Context, r *Request, text string, kb *tgbotapi.InlineKeyboardMarkup) error {
	r.out = append(r.out, Reply{Edit: r.MessageID, ChatID: r.ChatID, Group: !r.Private(), Text: text, Keyboard: kb})
	return nil
}

// answer sets the toast a button tap is answered with; the last one set
// wins, so an error notice replaces what the handler meant to say.
func (b *Bot) answer(_ context.Context, r *Request, text string) { r.toast = text }

// chattable turns a reply into the library's request.
func (rp Reply) chattable() tgbotapi.Chattable {
	if rp.Edit != 0 {
		m := tgbotapi.NewEditMessageText(rp.ChatID, rp.Edit, rp.Text)
		m.ParseMode = tgbotapi.ModeHTML
		m.DisableWebPagePreview = true
		m.ReplyMarkup = rp.Keyboard
		return m
	}
	m := tgbotapi.NewMessage(rp.ChatID, rp.Text)
	m.ParseMode = tgbotapi.ModeHTML
	m.DisableWebPagePreview = true
	if rp.Keyboard != nil {
		m.ReplyMarkup = *rp.Keyboard
	}
	return m
}
