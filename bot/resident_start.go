package bot

import (
	"context"
	"errors"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// handleStart greets, reactivates a chat that had blocked the bot, and
// follows deep links: city_<slug>, sub_<slug>, sub_all.
func (b *Bot) handleStart(ctx context.Context, r *Request) error {
	if r.Sub != nil && !r.Sub.Active {
		if err := b.store.SetActive(ctx, r.ChatID, true, b.now()); err != nil {
			return err
		}
		r.Sub.Active = true
	}
	payload := r.Args
	switch {
	case strings.HasPrefix(payload, "city_"):
		if c, ok := b.data.Partner(strings.TrimPrefix(payload, "city_")); ok {
			return b.sendCard(ctx, r, c)
		}
	case strings.HasPrefix(payload, "post_"):
		if id, ok := openCommand("p" + strings.TrimPrefix(payload, "post_")); ok {
			return b.openPost(ctx, r, id)
		}
		return b.reply(ctx, r, b.tr.T(r.Lang, "post_gone", "ID", strings.TrimPrefix(payload, "post_")), nil)
	case payload == "sub_all":
		return b.subscribeTo(ctx, r, b.data.PartnerSlugs())
	case strings.HasPrefix(payload, "sub_"):
		if c, ok := b.data.Partner(strings.TrimPrefix(payload, "sub_")); ok {
			return b.subscribeTo(ctx, r, []string{c.Slug})
		}
	}
	return b.greet(ctx, r)
}

func (b *Bot) greet(ctx context.Context, r *Request) error {
	names := make([]string, 0, len(b.data.Partners))
	for _, c := range b.data.Partners {
		names = append(names, c.Flag+" "+c.Name.In(r.Lang))
	}
	text := b.tr.T(r.Lang, "start_greeting",
		"Home", b.data.Home.Flag+" "+b.data.Home.Name.In(r.Lang),
		"Partners", strings.Join(names, ", "))
	return b.reply(ctx, r, text, b.menuKeyboard(r.Lang, b.officeOn() && r.Private()))
}

// handleHelp lists every resident command from the route table, and for
// officials the commands their role allows.
func (b *Bot) handleHelp(ctx context.Context, r *Request) error {
	access := Resident
	if role, ok, err := b.requestRole(ctx, r); err == nil && ok {
		access = Editor
		if role == store.RoleOwner {
			access = Owner
		}
	}
	lines := []string{"<b>" + b.tr.T(r.Lang, "help_title") + "</b>"}
	officials := false
	for _, rt := range b.routes() {
		if rt.Access > access {
			continue
		}
		if rt.Access != Resident && !officials {
			officials = true
			lines = append(lines, "", "<b>"+b.tr.T(r.Lang, "help_officials")+"</b>")
		}
		// Command descriptions are plain text (they also feed setMyCommands).
		lines = append(lines, "/"+rt.Command+" — "+render.Esc(b.tr.T(r.Lang, rt.Help)))
	}
	lines = append(lines, "", b.tr.T(r.Lang, "help_footer"))
	var kb *tgbotapi.InlineKeyboardMarkup
	if b.officeOn() && r.Private() {
		kb = b.contactKeyboard(r.Lang, false)
	}
	return b.reply(ctx, r, strings.Join(lines, "\n"), kb)
}

// onMenu runs the command behind a /start menu button.
func (b *Bot) onMenu(ctx context.Context, r *Request) error {
	switch r.Arg {
	case "cities":
		return b.handleCities(ctx, r)
	case "events":
		return b.handleEvents(ctx, r)
	case "news":
		return b.handleNews(ctx, r)
	case "sub":
		return b.sendToggles(ctx, r)
	case "lang":
		return b.reply(ctx, r, b.tr.T(r.Lang, "lang_choose"), b.langKeyboard())
	case "digest":
		return b.sendDigestChoice(ctx, r)
	case "settings":
		return b.handleSettings(ctx, r)
	case "tz":
		return b.sendZoneChoice(ctx, r)
	case "quiet":
		return b.sendQuietChoice(ctx, r)
	case "contact":
		return b.handleContact(ctx, r)
	}
	return errBadArg
}

// handleMembership follows the bot's own membership: a private user who
// blocks it, or a group that removes it, becomes inactive; unblocking or
// re-adding makes it active again.
func (b *Bot) handleMembership(ctx context.Context, r *Request) error {
	var active bool
	switch r.MemberStatus {
	case "kicked", "left":
		active = false
	case "member", "administrator", "creator", "restricted":
		active = true
	default:
		return nil
	}
	err := b.store.SetActive(ctx, r.ChatID, active, b.now())
	if errors.Is(err, store.ErrNotFound) {
		err = nil // nothing stored about this chat: nothing to change
	}
	if err != nil {
		return err
	}
	b.log.Info("membership changed", "chat_id", r.ChatID, "status", r.MemberStatus)
	// A group that just added the bot hears what it can do; a private chat
	// will send /start itself.
	if active && !r.Private() && (r.Sub == nil || !r.Sub.Active) {
		return b.greet(ctx, r)
	}
	return nil
}

// handleMigration moves a group's record to its new supergroup id, so the
// subscription survives the upgrade.
func (b *Bot) handleMigration(ctx context.Context, r *Request) error {
	if err := store.MigrateChat(ctx, b.store, r.ChatID, r.MigrateTo, b.now()); err != nil {
		return err
	}
	b.log.Info("group migrated", "chat_id", r.ChatID, "new_chat_id", r.MigrateTo)
	return nil
}
