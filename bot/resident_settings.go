package bot

import (
	"context"
	"strings"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// summary describes a chat's settings in a few lines of HTML.
func (b *Bot) summary(s *store.Subscriber, l store.Lang) string {
	var sub store.Subscriber
	if s != nil {
		sub = *s
	} else {
		sub = store.NewSubscriber(0, "", l, b.now())
	}
	cities := b.tr.T(l, "none")
	if len(sub.Cities) > 0 {
		cities = b.cityList(sub.Cities, l)
	}
	return b.tr.T(l, "settings_summary",
		"Cities", render.HTML(cities),
		"Kinds", render.HTML(b.kindList(sub.Kinds, l)),
		"Frequency", b.tr.T(l, "freq_"+string(sub.Frequency)),
		"Language", b.tr.T(l, "lang_name"),
		"Zone", b.zoneName(s),
		"Quiet", b.quietLabel(s, l))
}

func (b *Bot) kindList(kinds []store.Kind, l store.Lang) string {
	if len(kinds) == 0 {
		return b.tr.T(l, "none")
	}
	out := make([]string, 0, len(kinds))
	for _, k := range store.Kinds() { // display order, whatever the stored order
		for _, have := range kinds {
			if have == k {
				out = append(out, b.tr.T(l, "kinds_"+string(k)))
			}
		}
	}
	return strings.Join(out, ", ")
}

// handleSettings shows the current settings with buttons to change each.
func (b *Bot) handleSettings(ctx context.Context, r *Request) error {
	text := "<b>" + b.tr.T(r.Lang, "settings_title") + "</b>\n\n" + b.summary(r.Sub, r.Lang)
	return b.reply(ctx, r, text, b.settingsKeyboard(r.Lang))
}

// handleDigest sets the digest frequency; without an argument it offers the
// choices.
func (b *Bot) handleDigest(ctx context.Context, r *Request) error {
	if r.Args == "" {
		return b.sendDigestChoice(ctx, r)
	}
	f := store.Frequency(strings.ToLower(r.Args))
	if !f.Valid() {
		return b.reply(ctx, r, b.tr.T(r.Lang, "digest_usage", "Got", render.Truncate(r.Args, 32)), nil)
	}
	return b.setDigest(ctx, r, f, false)
}

func (b *Bot) sendDigestChoice(ctx context.Context, r *Request) error {
	cur := store.FreqDaily
	if r.Sub != nil {
		cur = r.Sub.Frequency
	}
	return b.reply(ctx, r, b.tr.T(r.Lang, "digest_choose"), b.digestKeyboard(cur, r.Lang))
}

func (b *Bot) onDigest(ctx context.Context, r *Request) error {
	f := store.Frequency(r.Arg)
	if !f.Valid() {
		return errBadArg
	}
	return b.setDigest(ctx, r, f, true)
}

func (b *Bot) setDigest(ctx context.Context, r *Request, f store.Frequency, fromButton bool) error {
	if _, err := b.changeSub(ctx, r, func(s *store.Subscriber) { s.Frequency = f }); err != nil {
		return err
	}
	text := b.tr.T(r.Lang, "digest_set_"+string(f))
	if fromButton {
		return b.edit(ctx, r, text, b.digestKeyboard(f, r.Lang))
	}
	return b.reply(ctx, r, text, nil)
}

// handleLang sets the chat's language; without an argument it offers them.
func (b *Bot) handleLang(ctx context.Context, r *Request) error {
	if r.Args == "" {
		return b.reply(ctx, r, b.tr.T(r.Lang, "lang_choose"), b.langKeyboard())
	}
	l, ok := store.ParseLang(strings.TrimSpace(r.Args))
	if !ok || len(strings.TrimSpace(r.Args)) != 2 {
		return b.reply(ctx, r, b.tr.T(r.Lang, "lang_usage", "Got", render.Truncate(r.Args, 32)), b.langKeyboard())
	}
	return b.setLang(ctx, r, l, false)
}

func (b *Bot) onLang(ctx context.Context, r *Request) error {
	l, ok := store.ParseLang(r.Arg)
	if !ok || len(r.Arg) != 2 {
		return errBadArg
	}
	return b.setLang(ctx, r, l, true)
}

func (b *Bot) setLang(ctx context.Context, r *Request, l store.Lang, fromButton bool) error {
	if _, err := b.changeSub(ctx, r, func(s *store.Subscriber) { s.Lang, s.LangChosen = l, true }); err != nil {
		return err
	}
	r.Lang = l
	text := b.tr.T(l, "lang_set")
	if fromButton {
		return b.edit(ctx, r, text, nil)
	}
	return b.reply(ctx, r, text, nil)
}
