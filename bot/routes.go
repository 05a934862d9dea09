package bot

import (
	"context"
	"errors"

	"github.com/partnerbot/partnerbot/bot/render"
)

// Handler handles one request.
type Handler func(ctx context.Context, r *Request) error

// route is one resident command. The same table feeds the router and the
// setMyCommands menus, so the menu can never list a command that does not
// exist.
type route struct {
	Command string
	Handler Handler
	// Help is the locale key of the one-line description (menu and /help).
	Help   string
	Access Access
}

// callbackRoute is one kind of button.
type callbackRoute struct {
	Handler Handler
	Access  Access
}

// routes is the one place that lists the commands residents can send.
func (b *Bot) routes() []route {
	return []route{
		{"start", b.handleStart, "cmd_start", Resident},
		{"help", b.handleHelp, "cmd_help", Resident},
		{"cities", b.handleCities, "cmd_cities", Resident},
		{"city", b.handleCity, "cmd_city", Resident},
		{"events", b.handleEvents, "cmd_events", Resident},
		{"news", b.handleNews, "cmd_news", Resident},
		{"subscribe", b.handleSubscribe, "cmd_subscribe", Resident},
		{"unsubscribe", b.handleUnsubscribe, "cmd_unsubscribe", Resident},
		{"settings", b.handleSettings, "cmd_settings", Resident},
		{"digest", b.handleDigest, "cmd_digest", Resident},
		{"lang", b.handleLang, "cmd_lang", Resident},
		{"contact", b.handleContact, "cmd_contact", Resident},
		{"done", b.handleDone, "cmd_done", Resident},
		{"privacy", b.handlePrivacy, "cmd_privacy", Resident},
		{"mydata", b.handleMyData, "cmd_mydata", Resident},
		{"timezone", b.handleTimezone, "cmd_timezone", Resident},
		{"quiet", b.handleQuiet, "cmd_quiet", Resident},
		{"stop", b.handleStop, "cmd_stop", Resident},

		{"post", b.handlePost, "cmd_post", Editor},
		{"cancel", b.handleCancel, "cmd_cancel", Editor},
		{"visit", b.handleForm, "cmd_visit", Editor},
		{"agreement", b.handleForm, "cmd_agreement", Editor},
		{"event", b.handleForm, "cmd_event", Editor},
		{"announce", b.handleForm, "cmd_announce", Editor},
		{"urgent", b.handleForm, "cmd_urgent", Editor},
		{"edit", b.handleEdit, "cmd_edit", Editor},
		{"translate", b.handleTranslate, "cmd_translate", Editor},
		{"delete", b.handleDelete, "cmd_delete", Editor},
		{"schedule", b.handleSchedule, "cmd_schedule", Editor},
		{"scheduled", b.handleScheduled, "cmd_scheduled", Editor},
		{"pending", b.handlePending, "cmd_pending", Editor},
		{"attendees", b.handleAttendees, "cmd_attendees", Editor},
		{"audit", b.handleAudit, "cmd_audit", Editor},
		{"stats", b.handleStats, "cmd_stats", Editor},
		{"block", b.handleBlock, "cmd_block", Editor},
		{"unblock", b.handleUnblock, "cmd_unblock", Editor},
		{"digest_preview", b.handleDigestPreview, "cmd_digest_preview", Editor},
		{"grant", b.handleGrant, "cmd_grant", Owner},
		{"revoke", b.handleRevoke, "cmd_revoke", Owner},
		{"officials", b.handleOfficials, "cmd_officials", Owner},
	}
}

// callbackRoutes maps a button's action to its handler.
func (b *Bot) callbackRoutes() map[string]callbackRoute {
	return map[string]callbackRoute{
		cbMenu:        {b.onMenu, Resident},
		cbCity:        {b.onCity, Resident},
		cbCityEvents:  {b.onCityEvents, Resident},
		cbSubscribe:   {b.onCardSubscribe, Resident},
		cbUnsubscribe: {b.onCardUnsubscribe, Resident},
		cbToggleCity:  {b.onToggleCity, Resident},
		cbToggleKind:  {b.onToggleKind, Resident},
		cbToggleDone:  {b.onToggleDone, Resident},
		cbLang:        {b.onLang, Resident},
		cbDigest:      {b.onDigest, Resident},
		cbWizard:      {b.onWizard, Editor},
		cbDelete:      {b.onDelete, Editor},
		cbPostSub:     {b.onPostSubscribe, Resident},
		cbSchedule:    {b.onSchedule, Editor},
		cbReview:      {b.onReview, Editor},
		cbZone:        {b.onZone, Resident},
		cbQuiet:       {b.onQuiet, Resident},
		cbRSVP:        {b.onRSVP, Resident},
		cbContact:     {b.onContact, Resident},
	}
}

// dispatch sends a request to its handler by kind.
func (b *Bot) dispatch(ctx context.Context, r *Request) error {
	switch r.Kind {
	case KindCommand:
		rt, ok := b.commands[r.Command]
		if id, open := openCommand(r.Command); !ok && open {
			return b.openPost(ctx, r, id)
		}
		if !ok {
			return b.handleUnknownCommand(ctx, r)
		}
		return b.guard(rt.Access, rt.Handler)(ctx, r)
	case KindCallback:
		return b.handleCallback(ctx, r)
	case KindMember:
		return b.handleMembership(ctx, r)
	case KindMigrated:
		return b.handleMigration(ctx, r)
	case KindInline:
		return b.handleInline(ctx, r)
	case KindText, KindOther:
		// The office's inbox first: a message in the office group, or an
		// owner's reply to a resident's message, is an answer.
		if handled, err := b.officeMessage(ctx, r); handled || err != nil {
			return err
		}
		if r.Private() && (len(r.Photos) > 0 || r.Attachment) {
			if handled, err := b.answerWizard(ctx, r, b.takePhotos); handled || err != nil {
				return err
			}
		} else if r.Kind == KindText && r.Private() {
			// An answer the bot asked an official for (a time, a reason)
			// comes before the wizard's: it was asked for last.
			if handled, err := b.awaitedText(ctx, r); handled || err != nil {
				return err
			}
			if handled, err := b.answerWizard(ctx, r, b.takeText); handled || err != nil {
				return err
			}
		}
		// An open conversation with the office takes what is left: an
		// official's wizard or pending question (above) still gets its
		// answers, and only the hint below gives way.
		if handled, err := b.toOffice(ctx, r); handled || err != nil {
			return err
		}
		// In a group, members talk to each other: answering would be noise.
		if r.Private() {
			return b.reply(ctx, r, b.tr.T(r.Lang, "not_understood"), nil)
		}
		return nil
	default:
		// Edits, channel posts and update types we did not ask for carry
		// nothing to act on.
		return nil
	}
}

// handleCallback decodes button data and runs the button's handler. Every
// tap is answered (deliver does it, after the handler, with the toast the
// handler or an error set), so the resident's client stops its spinner.
func (b *Bot) handleCallback(ctx context.Context, r *Request) error {
	cb, err := DecodeCallback(r.Data)
	if err != nil {
		b.log.Info("refused callback", "chat_id", r.ChatID, "user_id", r.UserID, "data", render.Truncate(r.Data, 64), "err", err)
		b.answer(ctx, r, b.tr.T(r.Lang, "button_invalid"))
		return nil
	}
	r.Action, r.Arg = cb.Action, cb.Arg
	rt := b.callbacks[cb.Action]
	err = b.guard(rt.Access, rt.Handler)(ctx, r)
	if errors.Is(err, errBadArg) {
		b.log.Info("refused callback argument", "chat_id", r.ChatID, "user_id", r.UserID, "data", r.Data)
		b.answer(ctx, r, b.tr.T(r.Lang, "button_invalid"))
		return nil
	}
	return err
}

// errBadArg: a button carried an argument that names nothing we know.
var errBadArg = errors.New("unknown button argument")

func (b *Bot) handleUnknownCommand(ctx context.Context, r *Request) error {
	// In a group, an unknown command may be meant for another bot unless it
	// names us.
	if !r.Private() && !r.Addressed {
		return nil
	}
	return b.reply(ctx, r, b.tr.T(r.Lang, "unknown_command", "Command", "/"+r.Command), nil)
}
