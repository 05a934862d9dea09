package bot

import (
	"context"
	"errors"
	"slices"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// Signing up for events. Every event a resident sees (its full view, a
// city card, /events, its reminder, the channel, a notice) carries the
// buttons; a tap is checked against the person who tapped and the event
// as it is now, and changes the list in the store once per tap (the
// update is the cause). The message tapped has its buttons redrawn with
// the new counts; other messages keep the counts they were sent with.

// onRSVP handles the sign-up buttons: going, not going, and the counts
// (which only tell the person where they stand).
func (b *Bot) onRSVP(ctx context.Context, r *Request) error {
	op, id, msgLang, ok := render.ParseRSVPArg(r.Arg)
	if !ok {
		return errBadArg
	}
	if r.UserID == 0 || store.IsServiceAccount(r.UserID) {
		b.answer(ctx, r, render.PlainText(b.tr.T(r.Lang, "rsvp_toast_nobody")))
		return nil
	}
	p, err := b.store.Post(ctx, id)
	switch {
	case isNotFound(err) || err == nil && !p.Visible():
		b.answer(ctx, r, render.PlainText(b.tr.T(r.Lang, "rsvp_toast_gone")))
		b.redraw(r, id, nil, store.Turnout{}, msgLang)
		return nil
	case err != nil:
		return err
	case !p.IsDatedEvent():
		return errBadArg // no button of ours names a post that is not an event
	}
	if op == render.RSVPOpInfo {
		l, err := b.store.Attendees(ctx, id)
		if err != nil {
			return err
		}
		res := store.Standing(p, l, r.UserID)
		b.answer(ctx, r, b.standingToast(r, res))
		b.redraw(r, id, &p, res.Turnout, msgLang)
		return nil
	}
	action := store.RSVPGoing
	if op == render.RSVPOpNotGoing || op == render.RSVPOpListNot {
		action = store.RSVPCancel
	}
	res, err := b.store.RSVP(ctx, id, store.RSVP{Action: action, Cause: r.Cause(), At: b.now(),
		Person: store.Attendee{UserID: r.UserID, Name: r.Name, Username: r.Username, Lang: r.Lang}})
	switch {
	case errors.Is(err, store.ErrEventStarted):
		b.answer(ctx, r, render.PlainText(b.tr.T(r.Lang, "rsvp_toast_started")))
		return b.redrawCounts(ctx, r, p, msgLang)
	case isNotFound(err) || errors.Is(err, store.ErrNotEvent):
		// Deleted or changed between the read and the tap's change.
		b.answer(ctx, r, render.PlainText(b.tr.T(r.Lang, "rsvp_toast_gone")))
		b.redraw(r, id, nil, store.Turnout{}, msgLang)
		return nil
	case err != nil:
		return err
	}
	if len(res.Promoted) > 0 {
		b.log.Info("places given to the waiting list", "post_id", id, "promoted", len(res.Promoted))
	}
	b.answer(ctx, r, b.rsvpToast(r, action, res))
	b.redraw(r, id, &p, res.Turnout, msgLang)
	return nil
}

// rsvpToast says what a tap did, in the language of the person tapping.
func (b *Bot) rsvpToast(r *Request, action store.RSVPAction, res store.RSVPResult) string {
	l := r.Lang
	t := func(key string, args ...any) string { return render.PlainText(b.tr.T(l, key, args...)) }
	switch {
	case res.Repeated:
		return b.standingToast(r, res)
	case action == store.RSVPCancel && !res.Changed:
		return t("rsvp_toast_not_signed")
	case action == store.RSVPCancel && res.Before == store.StatusWaiting:
		return t("rsvp_toast_left_waiting")
	case action == store.RSVPCancel:
		return t("rsvp_toast_cancelled")
	case !res.Changed && res.Status == store.StatusWaiting:
		return t("rsvp_toast_already_waiting", "Position", res.Position)
	case !res.Changed:
		return t("rsvp_toast_already_going")
	case res.Status == store.StatusWaiting && r.Private():
		return t("rsvp_toast_waiting", "Position", res.Position)
	case res.Status == store.StatusWaiting:
		// Tapped in a group or the channel: the notice of a place can only
		// reach someone who has a private chat with the bot.
		return t("rsvp_toast_waiting_chat", "Position", res.Position, "Bot", b.tg.Username())
	case res.Turnout.Capacity > 0:
		return t("rsvp_toast_going", "Left", res.Turnout.Left())
	}
	return t("rsvp_toast_going_open")
}

// standingToast tells someone where they stand on an event's list.
func (b *Bot) standingToast(r *Request, res store.RSVPResult) string {
	switch res.Status {
	case store.StatusGoing:
		return render.PlainText(b.tr.T(r.Lang, "rsvp_toast_status_going"))
	case store.StatusWaiting:
		return render.PlainText(b.tr.T(r.Lang, "rsvp_toast_status_waiting", "Position", res.Position))
	}
	return render.PlainText(b.tr.T(r.Lang, "rsvp_toast_status_none"))
}

// redrawCounts redraws the tapped message's rows of an event with its
// counts read now.
func (b *Bot) redrawCounts(ctx context.Context, r *Request, p store.Post, l store.Lang) error {
	counts, err := b.store.RSVPCounts(ctx, []int64{p.ID})
	if err != nil {
		return err
	}
	b.redraw(r, p.ID, &p, p.Turnout(counts[p.ID]), l)
	return nil
}

// rsvpRowKind tells which sign-up row of event id a keyboard row is: the
// buttons ("action"), the counts ("info"), an event's row in a list
// ("list"), or none of this event's ("").
func rsvpRowKind(row []MarkupButton, id int64) string {
	for _, btn := range row {
		action, arg, ok := cutCallback(btn.Data)
		if !ok || action != render.RSVPAction {
			continue
		}
		op, eventID, _, ok := render.ParseRSVPArg(arg)
		if !ok || eventID != id {
			continue
		}
		switch op {
		case render.RSVPOpGoing, render.RSVPOpNotGoing:
			return "action"
		case render.RSVPOpInfo:
			return "info"
		}
		return "list"
	}
	return ""
}

// redraw queues the tapped message's keyboard with event id's rows drawn
// anew (from p and t; dropped when p is nil, the event gone), in the
// language they were drawn in, and every other row as it was. Nothing is
// queued when the rows come out the same, or Telegram did not send the
// keyboard (a message too old, a message sent in inline mode).
func (b *Bot) redraw(r *Request, id int64, p *store.Post, t store.Turnout, l store.Lang) {
	if r.Markup == nil || r.MessageID == 0 || r.ChatID == 0 {
		return
	}
	now := b.now()
	var rows [][]render.Button
	changed := false
	for _, row := range r.Markup {
		kind := rsvpRowKind(row, id)
		if kind == "" {
			rows = append(rows, buttonsOf(row))
			continue
		}
		var fresh []render.Button
		if p != nil {
			all := b.rd.EventRows(*p, t, l, now)
			switch {
			case kind == "list":
				fresh = b.rd.EventListRow(*p, t, l, now)
			case kind == "info" && len(all) > 0:
				fresh = all[len(all)-1]
			case kind == "action" && len(all) == 2:
				fresh = all[0]
			}
		}
		if len(fresh) > 0 {
			rows = append(rows, fresh)
		}
		changed = changed || !slices.Equal(buttonsOf(row), fresh)
	}
	if changed {
		b.editMarkup(r, render.KeyboardJSON(rows))
	}
}

// buttonsOf turns a row of the tapped message back into buttons to send.
// Our keyboards hold callback buttons, and link buttons, which are kept
// as links.
func buttonsOf(row []MarkupButton) []render.Button {
	out := make([]render.Button, 0, len(row))
	for _, btn := range row {
		out = append(out, render.Button{Text: btn.Text, Data: btn.Data, URL: btn.URL})
	}
	return out
}

// eventListRows are the sign-up rows of the events among posts that are
// open for sign-up, for a message listing several (a card, /events).
func (b *Bot) eventListRows(ctx context.Context, posts []store.Post, l store.Lang) ([][]tgbotapi.InlineKeyboardButton, error) {
	turnouts, err := b.turnouts(ctx, posts)
	if err != nil {
		return nil, err
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, p := range posts {
		if row := b.rd.EventListRow(p, turnouts[p.ID], l, b.now()); len(row) > 0 {
			rows = append(rows, tgRow(row))
		}
	}
	return rows, nil
}

// turnouts reads the counts of the dated events among posts in one round
// trip, each with its capacity.
func (b *Bot) turnouts(ctx context.Context, posts []store.Post) (map[int64]store.Turnout, error) {
	var ids []int64
	for _, p := range posts {
		if p.IsDatedEvent() {
			ids = append(ids, p.ID)
		}
	}
	out := map[int64]store.Turnout{}
	if len(ids) == 0 {
		return out, nil
	}
	counts, err := b.store.RSVPCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, p := range posts {
		if p.IsDatedEvent() {
			out[p.ID] = p.Turnout(counts[p.ID])
		}
	}
	return out, nil
}

// tgRow turns rendered buttons into the library's.
func tgRow(row []render.Button) []tgbotapi.InlineKeyboardButton {
	out := make([]tgbotapi.InlineKeyboardButton, 0, len(row))
	for _, btn := range row {
		if btn.URL != "" {
			out = append(out, tgbotapi.NewInlineKeyboardButtonURL(btn.Text, btn.URL))
			continue
		}
		out = append(out, tgbotapi.NewInlineKeyboardButtonData(btn.Text, btn.Data))
	}
	return out
}
