package bot

import (
	"context"
	"errors"
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
	Help string
}

// routes is the one place that lists the commands residents can send.
func (b *Bot) routes() []route {
	return []route{
		{"start", b.handleStart, "cmd_start"},
		{"help", b.handleHelp, "cmd_help"},
		{"cities", b.handleCities, "cmd_cities"},
		{"city", b.handleCity, "cmd_city"},
		{"events", b.handleEvents, "cmd_events"},
		{"news", b.handleNews, "cmd_news"},
		{"subscribe", b.handleSubscribe, "cmd_subscribe"},
		{"unsubscribe", b.handleUnsubscribe, "cmd_unsubscribe"},
		{"settings", b.handleSettings, "cmd_settings"},
		{"digest", b.handleDigest, "cmd_digest"},
		{"lang", b.handleLang, "cmd_lang"},
		{"stop", b.handleStop, "cmd_stop"},
	}
}

// callbackRoutes maps a button's action to its handler.
func (b *Bot) callbackRoutes() map[string]Handler {
	return map[string]Handler{
		cbMenu:        b.onMenu,
		cbCity:        b.onCity,
		cbCityEvents:  b.onCityEvents,
		cbSubscribe:   b.onCardSubscribe,
		cbUnsubscribe: b.onCardUnsubscribe,
		cbToggleCity:  b.onToggleCity,
		cbToggleKind:  b.onToggleKind,
		cbToggleDone:  b.onToggleDone,
		cbLang:        b.onLang,
		cbDigest:      b.onDigest,
	}
}

// dispatch sends a request to its handler by kind.
func (b *Bot) dispatch(ctx context.Context, r *Request) error {
	switch r.Kind {
	case KindCommand:
		rt, ok := b.commands[r.Command]
		if !ok {
			return b.handleUnknownCommand(ctx, r)
		}
		return rt.Handler(ctx, r)
	case KindCallback:
		return b.handleCallback(ctx, r)
	case KindMember:
		return b.handleMembership(ctx, r)
	case KindMigrated:
		return b.handleMigration(ctx, r)
	case KindText, KindOther:
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
// tap gets an answer so the resident's client stops its spinner.
func (b *Bot) handleCallback(ctx context.Context, r *Request) error {
	defer b.answer(ctx, r, "")
	cb, err := DecodeCallback(r.Data)
	if err != nil {
		b.log.Info("refused callback", "chat_id", r.ChatID, "user_id", r.UserID, "err", err)
		b.answer(ctx, r, b.tr.T(r.Lang, "button_invalid"))
		return nil
	}
	h := b.callbacks[cb.Action]
	r.Data = cb.Arg
	err = h(ctx, r)
	if errors.Is(err, errBadArg) {
		b.log.Info("refused callback argument", "chat_id", r.ChatID, "user_id", r.UserID, "data", cb.Encode())
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
