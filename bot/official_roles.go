package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

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
		lines = append(lines, "👑 "+render.Esc(userLabel(u))+" — "+b.tr.T(r.Lang, "role_owner"))
	}
	for _, o := range list {
		lines = append(lines, "✏️ "+render.Esc(userLabel(store.User{ID: o.UserID, Username: o.Username}))+" — "+
			b.tr.T(r.Lang, "role_editor_granted", "By", strconv.FormatInt(o.GrantedBy, 10),
				"At", o.GrantedAt.In(b.tz).Format(render.DateTimeLayout)))
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
