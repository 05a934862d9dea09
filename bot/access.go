package bot

import (
	"context"
	"errors"
	"slices"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// Access says who may use a route.
type Access int

// Access levels. Every official route is checked against the user who sent
// that very update, never against the chat: in a group the chat is shared.
const (
	Resident Access = iota
	Editor          // owners and editors
	Owner           // ADMIN_IDS only
)

// role returns the user's role; ok is false for residents. Owners come
// only from ADMIN_IDS: a stored grant is an editor's whatever it says, and
// Telegram's service accounts (behind which anyone may hide) have none.
func (b *Bot) role(ctx context.Context, userID int64) (store.Role, bool, error) {
	if userID == 0 || store.IsServiceAccount(userID) {
		return "", false, nil
	}
	if slices.Contains(b.owners, userID) {
		return store.RoleOwner, true, nil
	}
	o, err := b.store.Official(ctx, userID)
	if isNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if o.Role != store.RoleEditor {
		b.log.Warn("stored grant with a role other than editor, treated as editor", "user_id", userID, "role", string(o.Role))
	}
	return store.RoleEditor, true, nil
}

// requestRole is role for the sender of r, looked up once per update.
func (b *Bot) requestRole(ctx context.Context, r *Request) (store.Role, bool, error) {
	if !r.roleRead {
		role, ok, err := b.role(ctx, r.UserID)
		if err != nil {
			return "", false, err
		}
		r.role, r.official, r.roleRead = role, ok, true
	}
	return r.role, r.official, nil
}

// allowed checks the sender against a route's access level, and refuses
// politely (and logs) when it falls short.
func (b *Bot) allowed(ctx context.Context, r *Request, a Access) (bool, error) {
	if a == Resident {
		return true, nil
	}
	key := "refused_official"
	if r.SenderChat != 0 {
		// An anonymous admin or a channel: whoever it is cannot be
		// checked, so nothing official is done on their word.
		key = "refused_anonymous"
	} else {
		role, ok, err := b.requestRole(ctx, r)
		if err != nil {
			return false, err
		}
		if ok && (a == Editor || role == store.RoleOwner) {
			return true, nil
		}
		if ok {
			key = "refused_owner"
		}
	}
	b.log.Warn("refused official action", "user_id", r.UserID, "chat_id", r.ChatID, "sender_chat", r.SenderChat,
		"command", r.Command, "action", r.Action, "data", r.Data)
	if r.Kind == KindCallback {
		b.answer(ctx, r, render.PlainText(b.tr.T(r.Lang, key)))
		return false, nil
	}
	return false, b.reply(ctx, r, b.tr.T(r.Lang, key), nil)
}

// guard wraps a handler with the access check, once, in the route table.
func (b *Bot) guard(a Access, h Handler) Handler {
	if a == Resident {
		return h
	}
	return func(ctx context.Context, r *Request) error {
		ok, err := b.allowed(ctx, r, a)
		if !ok || err != nil {
			return err
		}
		return h(ctx, r)
	}
}

// rememberUser keeps the @username of someone who writes to the bot in
// private, so owners can grant a role by it. Nothing is kept from groups,
// of Telegram's service accounts, or of someone who just asked (/stop) to
// be forgotten.
func (b *Bot) rememberUser(ctx context.Context, r *Request) {
	if r.UserID == 0 || r.forget || !r.Private() || store.IsServiceAccount(r.UserID) ||
		r.Kind != KindCommand && r.Kind != KindText {
		return
	}
	u := store.User{ID: r.UserID, Username: r.Username, SeenAt: b.now()}
	if err := b.store.SaveUser(ctx, u); err != nil && !errors.Is(err, store.ErrUnavailable) {
		b.log.Warn("remember user", "user_id", r.UserID, "err", err)
	}
}
