package bot

import (
	"context"
	"encoding/json"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// Reply is one message the bot answers an update with: a new message (a
// text, a photo, an album), or an edit of the message a button sits on.
// Handlers only queue replies; they go out after the handler returns
// (deliver), so that a reply Telegram did not take can be sent again on
// its own, without running the handler (and its changes) twice. Replies
// are kept as JSON in the update's journal meanwhile.
type Reply struct {
	// Edit is the message to edit; 0 sends a new message.
	Edit   int   `json:"edit,omitempty"`
	ChatID int64 `json:"chat_id"`
	Group  bool  `json:"group,omitempty"`
	// ThreadID is the forum topic the update came from: the answer goes
	// there too.
	ThreadID int `json:"thread_id,omitempty"`
	// MarkupOnly, with Edit, replaces only the message's keyboard
	// (Part.Keyboard), leaving its text or caption as it is.
	MarkupOnly bool `json:"markup_only,omitempty"`
	// BestEffort marks a reply that is skipped rather than waited for or
	// retried: a redraw of counts in a busy group or channel, where the
	// next tap redraws them anyway and holding the chat's updates for it
	// would slow everyone's sign-ups to the chat's sending limit.
	BestEffort bool `json:"best_effort,omitempty"`
	store.Part
}

// reply queues an HTML message to the request's chat. It never fails: the
// error result lets handlers end with "return b.reply(...)".
func (b *Bot) reply(_ context.Context, r *Request, text string, kb *tgbotapi.InlineKeyboardMarkup) error {
	r.out = append(r.out, b.newReply(r, store.Part{Text: text, Keyboard: keyboardJSON(kb)}))
	return nil
}

// replyDocument queues a file with an HTML caption. Its bytes are kept
// with the reply (journal included), so a reply Telegram did not take is
// sent again as the very same file, without running the handler again.
func (b *Bot) replyDocument(r *Request, name string, data []byte, caption string) {
	r.out = append(r.out, b.newReply(r, store.Part{Text: caption, Document: &store.Document{Name: name, Data: data}}))
}

// replyParts queues a post's messages: its photos, then its text.
func (b *Bot) replyParts(r *Request, parts []store.Part) {
	for _, p := range parts {
		r.out = append(r.out, b.newReply(r, p))
	}
}

func (b *Bot) newReply(r *Request, p store.Part) Reply {
	return Reply{ChatID: r.ChatID, Group: !r.Private(), ThreadID: r.ThreadID, Part: p}
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
	rp := b.newReply(r, store.Part{Text: text, Keyboard: keyboardJSON(kb)})
	rp.Edit = r.MessageID
	r.out = append(r.out, rp)
	return nil
}

// editMarkup queues a new keyboard (reply_markup JSON) for the message
// the button sits on; its text stays.
func (b *Bot) editMarkup(r *Request, keyboard string) {
	rp := b.newReply(r, store.Part{Keyboard: keyboard})
	rp.Edit, rp.MarkupOnly, rp.BestEffort = r.MessageID, true, !r.Private()
	r.out = append(r.out, rp)
}

// answer sets the toast a button tap is answered with; the last one set
// wins, so an error notice replaces what the handler meant to say.
func (b *Bot) answer(_ context.Context, r *Request, text string) { r.toast = text }

// keyboardJSON is the reply_markup parameter of an inline keyboard. An edit
// without one removes the keyboard, as Telegram does.
func keyboardJSON(kb *tgbotapi.InlineKeyboardMarkup) string {
	if kb == nil {
		return ""
	}
	raw, err := json.Marshal(kb)
	if err != nil {
		return "" // an inline keyboard always encodes
	}
	return string(raw)
}
