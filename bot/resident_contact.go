package bot

import (
	"context"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// A resident writes to the partnership office: /contact (or the button in
// /start and /help) opens the conversation, and everything they then send
// in the private chat — texts, photos, documents, voice messages — goes to
// the office until /done (or the button) closes it. Commands stay commands.
// The office's answer opens it again, so a reply needs no /contact.

// handleContact opens the resident's conversation with the office.
func (b *Bot) handleContact(ctx context.Context, r *Request) error {
	if !r.Private() {
		return b.reply(ctx, r, b.tr.T(r.Lang, "contact_private_only"), nil)
	}
	if !b.officeOn() || r.UserID == 0 {
		return b.reply(ctx, r, b.tr.T(r.Lang, "contact_unavailable"), nil)
	}
	now := b.now()
	c, err := b.store.UpdateConversation(ctx, r.UserID, func(c *store.Conversation) error {
		if c.Blocked {
			return store.ErrUnchanged
		}
		c.Lang = r.Lang
		c.OpenAt(now)
		c.UpdatedAt = now
		return nil
	})
	if err != nil {
		return err
	}
	if c.Blocked {
		return b.reply(ctx, r, b.tr.T(r.Lang, "contact_blocked"), nil)
	}
	text := b.tr.T(r.Lang, "contact_open")
	if !b.office.Hours.Always() {
		text += "\n\n" + b.tr.T(r.Lang, "contact_hours", "Hours", b.office.Hours.String(), "Zone", b.office.Hours.Location().String())
		if note := b.hoursNote(r.Lang, now); note != "" {
			text += "\n" + note
		}
	}
	return b.reply(ctx, r, text, b.contactKeyboard(r.Lang, true))
}

// handleDone closes the resident's conversation.
func (b *Bot) handleDone(ctx context.Context, r *Request) error {
	if !r.Private() {
		return b.reply(ctx, r, b.tr.T(r.Lang, "contact_private_only"), nil)
	}
	closed := false
	_, err := b.store.UpdateConversation(ctx, r.UserID, func(c *store.Conversation) error {
		if closed = c.Close(); !closed {
			return store.ErrUnchanged
		}
		c.UpdatedAt = b.now()
		return nil
	})
	if err != nil {
		return err
	}
	if !closed {
		return b.reply(ctx, r, b.tr.T(r.Lang, "contact_not_open"), b.contactKeyboard(r.Lang, false))
	}
	return b.reply(ctx, r, b.tr.T(r.Lang, "contact_closed"), b.contactKeyboard(r.Lang, false))
}

// onContact runs the buttons: open (o) or close (d) the conversation.
func (b *Bot) onContact(ctx context.Context, r *Request) error {
	switch r.Arg {
	case "o":
		return b.handleContact(ctx, r)
	case "d":
		return b.handleDone(ctx, r)
	}
	return errBadArg
}

// contactKeyboard offers closing an open conversation, or opening one.
func (b *Bot) contactKeyboard(l store.Lang, open bool) *tgbotapi.InlineKeyboardMarkup {
	if open {
		return keyboard([]tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "contact_btn_done"), Callback{cbContact, "d"})})
	}
	return keyboard([]tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "menu_contact"), Callback{cbContact, "o"})})
}

// toOffice takes a resident's message while their conversation is open:
// counted against CONTACT_RATE and queued for the office (each once per
// message, however often Telegram delivers it), and acknowledged in a
// word. handled is false when no conversation is open, or the message
// holds nothing to pass on. A shared contact is answered, not passed on:
// the office never gets a resident's phone number.
func (b *Bot) toOffice(ctx context.Context, r *Request) (handled bool, err error) {
	if !r.Private() || r.UserID == 0 || !r.Copyable && !r.SharedContact || !b.officeOn() {
		return false, nil
	}
	c, err := b.store.Conversation(ctx, r.UserID)
	if isNotFound(err) || err == nil && !c.Open {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if !r.Copyable {
		return true, b.reply(ctx, r, b.tr.T(r.Lang, "contact_phone_kept"), nil)
	}
	now := b.now()
	var adm store.Admission
	open := false
	_, err = b.store.UpdateConversation(ctx, r.UserID, func(c *store.Conversation) error {
		if open = c.Open; !open {
			return store.ErrUnchanged // closed meanwhile
		}
		adm = c.Admit(r.MessageID, now, b.office.Rate)
		if adm.Verdict == store.OverLimit || adm.Verdict == store.BlockedQuiet {
			return store.ErrUnchanged
		}
		c.Lang, c.UpdatedAt = r.Lang, now
		return nil
	})
	switch {
	case err != nil:
		return true, err
	case !open:
		return false, nil
	}
	l := r.Lang
	switch adm.Verdict {
	case store.BlockedTell:
		return true, b.reply(ctx, r, b.tr.T(l, "contact_blocked"), nil)
	case store.BlockedQuiet:
		return true, nil
	case store.OverLimit:
		at := adm.RetryAt.In(b.tz).Format(render.DateTimeLayout)
		return true, b.reply(ctx, r, b.tr.T(l, "contact_rate", "Rate", b.office.Rate.String(), "At", at), nil)
	}
	if err := b.forwardToOffice(ctx, r, adm.Seq); err != nil {
		return true, err
	}
	text := b.tr.T(l, "contact_received")
	if adm.First {
		text = b.tr.T(l, "contact_received_first")
		if note := b.hoursNote(l, now); note != "" {
			text += "\n" + note
		}
	}
	return true, b.reply(ctx, r, text, nil)
}
