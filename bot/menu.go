package bot

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// SetCommands publishes the resident command menu in every language, and in
// Ukrainian for clients whose language has none.
func (b *Bot) SetCommands(ctx context.Context) error {
	for _, l := range append([]store.Lang{""}, store.Langs()...) {
		cmds := b.menuCommands(l, Resident)
		cfg := tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeDefault(), string(l), cmds...)
		if err := b.tg.Request(ctx, cfg); err != nil {
			return fmt.Errorf("set commands %q: %w", l, err)
		}
	}
	return nil
}

// DeleteWebhook removes a webhook so getUpdates works; pending updates are
// kept.
func (b *Bot) DeleteWebhook(ctx context.Context) error {
	if err := b.tg.Request(ctx, tgbotapi.DeleteWebhookConfig{DropPendingUpdates: false}); err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	return nil
}

// setOfficialMenu gives an official's private chat the resident commands
// plus the official ones, in every language, and records which menu they
// have, so ensureMenu does not set it again.
func (b *Bot) setOfficialMenu(ctx context.Context, userID int64, a Access) error {
	for _, l := range append([]store.Lang{""}, store.Langs()...) {
		cmds := b.menuCommands(l, a)
		cfg := tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeChat(userID), string(l), cmds...)
		if err := b.tg.Request(ctx, cfg); err != nil {
			return fmt.Errorf("set official menu for %d (%q): %w", userID, l, err)
		}
	}
	if err := b.store.SaveMemo(ctx, menuKey(userID), []byte(b.menuVersion(a)), menuTTL); err != nil {
		return fmt.Errorf("record official menu of %d: %w", userID, err)
	}
	return nil
}

// deleteOfficialMenu falls back to the resident menu.
func (b *Bot) deleteOfficialMenu(ctx context.Context, userID int64) error {
	for _, l := range append([]store.Lang{""}, store.Langs()...) {
		scope := tgbotapi.NewBotCommandScopeChat(userID)
		cfg := tgbotapi.DeleteMyCommandsConfig{Scope: &scope, LanguageCode: string(l)}
		if err := b.tg.Request(ctx, cfg); err != nil {
			return fmt.Errorf("delete official menu for %d (%q): %w", userID, l, err)
		}
	}
	return nil
}

// menuTTL is how long a set menu is trusted to still be there; after it
// the menu is set again on the official's next message.
const menuTTL = 30 * 24 * time.Hour

func menuKey(userID int64) string { return "menu:" + strconv.FormatInt(userID, 10) }

// menuVersion names a menu by what it lists, so a release that changes
// the official commands gives every official the new menu.
func (b *Bot) menuVersion(a Access) string {
	h := fnv.New64a()
	for _, c := range b.menuCommands(store.LangUK, a) {
		h.Write([]byte(c.Command + "\x00"))
	}
	return strconv.Itoa(int(a)) + ":" + strconv.FormatUint(h.Sum64(), 36)
}

// ensureMenu gives an official their command menu when they write in
// private and do not have the current one yet. Telegram only accepts a
// chat's menu once that person has written to the bot, so the menu is set
// here rather than at start; a failure is retried on their next message,
// and every official is handled on their own.
func (b *Bot) ensureMenu(ctx context.Context, r *Request) {
	if !r.Private() || r.UserID == 0 || r.forget || r.Kind == KindMember || r.Kind == KindInline {
		return
	}
	if !r.roleRead && !slices.Contains(b.owners, r.UserID) && r.Kind != KindCommand {
		return // a resident's chatter: no role lookup for it
	}
	role, ok, err := b.requestRole(ctx, r)
	if err != nil || !ok {
		return
	}
	a := Editor
	if role == store.RoleOwner {
		a = Owner
	}
	if have, err := b.store.Memo(ctx, menuKey(r.UserID)); err == nil && string(have) == b.menuVersion(a) {
		return
	}
	if err := b.setOfficialMenu(ctx, r.UserID, a); err != nil {
		b.log.Warn("official menu not set; retried on their next message", "user_id", r.UserID, "err", err)
	}
}

// menuCommands lists the routes a user with access a sees, in language l
// ("" means the default menu, in Ukrainian).
func (b *Bot) menuCommands(l store.Lang, a Access) []tgbotapi.BotCommand {
	tl := l
	if tl == "" {
		tl = store.LangUK
	}
	var cmds []tgbotapi.BotCommand
	for _, rt := range b.routes() {
		if rt.Access <= a {
			cmds = append(cmds, tgbotapi.BotCommand{Command: rt.Command, Description: render.Truncate(b.tr.T(tl, rt.Help), 256)})
		}
	}
	return cmds
}
