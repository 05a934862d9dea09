package bot

import (
	"context"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// openCommand reads the open link of a post: /p42.
func openCommand(cmd string) (int64, bool) {
	digits, ok := strings.CutPrefix(cmd, "p")
	if !ok || digits == "" || digits[0] == '0' || len(digits) > 15 {
		return 0, false
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	return id, err == nil
}

// openPost shows a post in full, with its photos, in the reader's
// language: the open link /p42 and the deep link ?start=post_42 lead here.
func (b *Bot) openPost(ctx context.Context, r *Request, id int64) error {
	p, err := b.store.Post(ctx, id)
	if isNotFound(err) {
		return b.reply(ctx, r, b.tr.T(r.Lang, "post_gone", "ID", id), nil)
	}
	if err != nil {
		return err
	}
	if !p.Visible() {
		// Residents see nothing of a post before it is published;
		// officials read it, in their private chat, with where it stands.
		_, official, err := b.requestRole(ctx, r)
		if err != nil {
			return err
		}
		if !official || !r.Private() || r.SenderChat != 0 {
			return b.reply(ctx, r, b.tr.T(r.Lang, "post_gone", "ID", id), nil)
		}
		b.reply(ctx, r, b.tr.T(r.Lang, "open_unpublished", "ID", id, "State", b.tr.T(r.Lang, "status_"+string(p.State()))), nil)
		b.replyParts(r, b.rd.PostParts(p, r.Lang, ""))
		return nil
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	if p.IsDatedEvent() {
		turnouts, err := b.turnouts(ctx, []store.Post{p})
		if err != nil {
			return err
		}
		for _, row := range b.rd.EventRows(p, turnouts[p.ID], r.Lang, b.now()) {
			rows = append(rows, tgRow(row))
		}
	}
	if c, ok := b.data.Partner(p.City); ok && (r.Sub == nil || !r.Sub.Follows(c.Slug)) {
		rows = append(rows, []tgbotapi.InlineKeyboardButton{
			button(b.tr.T(r.Lang, "btn_subscribe_city", "City", c.Name.In(r.Lang)), Callback{cbPostSub, c.Slug})})
	}
	var kb *tgbotapi.InlineKeyboardMarkup
	if len(rows) > 0 {
		kb = keyboard(rows...)
	}
	b.replyParts(r, b.rd.PostParts(p, r.Lang, keyboardJSON(kb)))
	return nil
}

// onPostSubscribe follows the city of a post shown in full; the post stays
// as it is, a toast says it worked.
func (b *Bot) onPostSubscribe(ctx context.Context, r *Request) error {
	c, ok := b.data.Partner(r.Arg)
	if !ok {
		return errBadArg
	}
	if _, err := b.changeSub(ctx, r, func(s *store.Subscriber) {
		if !s.Follows(c.Slug) {
			s.Cities = append(s.Cities, c.Slug)
		}
	}); err != nil {
		return err
	}
	b.answer(ctx, r, render.PlainText(b.tr.T(r.Lang, "subscribed_short", "Cities", c.Name.In(r.Lang), "Frequency", "")))
	return nil
}
