package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

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
		b.answer(ctx, r, htmlToPlain(b.tr.T(r.Lang, key)))
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

// findUser resolves "<id>" or "@username" of someone who talked to the bot.
func (b *Bot) findUser(ctx context.Context, arg string) (store.User, error) {
	arg = strings.TrimSpace(arg)
	if id, err := strconv.ParseInt(arg, 10, 64); err == nil && id > 0 {
		u, err := b.store.User(ctx, id)
		if isNotFound(err) {
			return store.User{ID: id}, nil // an id needs no prior contact
		}
		return u, err
	}
	return b.store.UserByUsername(ctx, strings.TrimPrefix(arg, "@"))
}

// targetUser resolves the argument of /grant and /revoke; ok is false when
// the official has been told what is wrong.
func (b *Bot) targetUser(ctx context.Context, r *Request, usage string) (u store.User, ok bool, err error) {
	if r.Args == "" {
		return u, false, b.reply(ctx, r, b.tr.T(r.Lang, usage), nil)
	}
	u, err = b.findUser(ctx, r.Args)
	if isNotFound(err) {
		return u, false, b.reply(ctx, r, b.tr.T(r.Lang, "user_unknown", "Who", short(r.Args)), nil)
	}
	return u, err == nil, err
}

func (b *Bot) handleGrant(ctx context.Context, r *Request) error {
	u, ok, err := b.targetUser(ctx, r, "grant_usage")
	if !ok || err != nil {
		return err
	}
	if slices.Contains(b.owners, u.ID) {
		return b.reply(ctx, r, b.tr.T(r.Lang, "grant_is_owner", "Who", userLabel(u)), nil)
	}
	if store.IsServiceAccount(u.ID) {
		return b.reply(ctx, r, b.tr.T(r.Lang, "grant_service_account", "Who", userLabel(u)), nil)
	}
	o := store.Official{UserID: u.ID, Username: u.Username, Role: store.RoleEditor, GrantedBy: r.UserID, GrantedAt: b.now()}
	if err := b.store.SaveOfficial(ctx, o); err != nil {
		return err
	}
	b.log.Info("editor granted", "user_id", u.ID, "by", r.UserID)
	// Telegram refuses a chat-scoped menu for someone who never wrote to
	// the bot; then they get it when they next write (ensureMenu).
	if err := b.setOfficialMenu(ctx, u.ID, Editor); err != nil {
		b.log.Info("official menu not set yet", "user_id", u.ID, "err", err)
	}
	return b.reply(ctx, r, b.tr.T(r.Lang, "granted", "Who", userLabel(u)), nil)
}

func (b *Bot) handleRevoke(ctx context.Context, r *Request) error {
	u, ok, err := b.targetUser(ctx, r, "revoke_usage")
	if !ok || err != nil {
		return err
	}
	if slices.Contains(b.owners, u.ID) {
		return b.reply(ctx, r, b.tr.T(r.Lang, "revoke_owner", "Who", userLabel(u)), nil)
	}
	err = b.store.DeleteOfficial(ctx, u.ID)
	if isNotFound(err) {
		return b.reply(ctx, r, b.tr.T(r.Lang, "revoke_not_official", "Who", userLabel(u)), nil)
	}
	if err != nil {
		return err
	}
	b.log.Info("editor revoked", "user_id", u.ID, "by", r.UserID)
	if err := b.deleteOfficialMenu(ctx, u.ID); err != nil {
		b.log.Warn("official menu not removed", "user_id", u.ID, "err", err)
	}
	if err := b.store.DeleteMemo(ctx, menuKey(u.ID)); err != nil {
		b.log.Warn("official menu record not removed", "user_id", u.ID, "err", err)
	}
	if err := b.store.DeleteDraft(ctx, u.ID); err != nil {
		b.log.Warn("draft of revoked editor not removed", "user_id", u.ID, "err", err)
	}
	return b.reply(ctx, r, b.tr.T(r.Lang, "revoked", "Who", userLabel(u)), nil)
}

func (b *Bot) handleOfficials(ctx context.Context, r *Request) error {
	list, err := b.store.Officials(ctx)
	if err != nil {
		return err
	}
	lines := []string{"<b>" + b.tr.T(r.Lang, "officials_title") + "</b>"}
	for _, id := range b.owners {
		u, err := b.store.User(ctx, id)
		if err != nil {
			u = store.User{ID: id}
		}
		lines = append(lines, "👑 "+esc(userLabel(u))+" — "+b.tr.T(r.Lang, "role_owner"))
	}
	for _, o := range list {
		lines = append(lines, "✏️ "+esc(userLabel(store.User{ID: o.UserID, Username: o.Username}))+" — "+
			b.tr.T(r.Lang, "role_editor_granted", "By", strconv.FormatInt(o.GrantedBy, 10),
				"At", o.GrantedAt.In(b.tz).Format(dateTimeLayout)))
	}
	if len(list) == 0 {
		lines = append(lines, b.tr.T(r.Lang, "officials_no_editors"))
	}
	return b.reply(ctx, r, strings.Join(lines, "\n"), nil)
}

func userLabel(u store.User) string {
	if u.Username != "" {
		return fmt.Sprintf("@%s (%d)", u.Username, u.ID)
	}
	return strconv.FormatInt(u.ID, 10)
}
