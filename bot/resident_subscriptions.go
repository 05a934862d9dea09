package bot

import (
	"context"
	"slices"
	"strings"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// changeSub loads the chat's record (or starts one), applies fn and saves
// it. Any change made by the resident also makes the chat active again. A
// new record starts in the zone its Telegram language suggests (a German
// speaker reads Krefeld's time), which the resident can change.
func (b *Bot) changeSub(ctx context.Context, r *Request, fn func(s *store.Subscriber)) (store.Subscriber, error) {
	s := store.NewSubscriber(r.ChatID, r.ChatType, r.Lang, b.now())
	tgLang, _ := store.ParseLang(r.UserLang)
	s.TimeZone = store.DefaultTimeZone(b.data, tgLang)
	if s.TimeZone == b.tz.String() {
		s.TimeZone = "" // the home default, as setZone stores it
	}
	if r.Sub != nil {
		s = *r.Sub
	} else if cur, err := b.store.Subscriber(ctx, r.ChatID); err == nil {
		s = cur // resolve could not read it; now we can
	} else if !isNotFound(err) {
		return s, err
	}
	fn(&s)
	store.SetActivity(&s, true, b.now())
	if !r.Private() {
		// A group subscribed from inside a forum topic gets its messages
		// there; from the general topic (or a plain group), there.
		s.ThreadID, s.TopicLost = r.ThreadID, false
	}
	if err := b.store.SaveSubscriber(ctx, s); err != nil {
		return s, err
	}
	r.Sub = &s
	return s, nil
}

// cityArgs resolves "all" or one city name into slugs; ok is false when the
// name is unknown (the resident has been told).
func (b *Bot) citySlugs(ctx context.Context, r *Request) (slugs []string, ok bool, err error) {
	if strings.EqualFold(r.Args, store.AllCities) {
		return b.data.PartnerSlugs(), true, nil
	}
	c, found := b.data.FindPartner(r.Args)
	if !found {
		return nil, false, b.replyUnknownCity(ctx, r, r.Args)
	}
	return []string{c.Slug}, true, nil
}

// handleSubscribe subscribes at once to the named city (or all); without an
// argument it shows the toggle keyboard.
func (b *Bot) handleSubscribe(ctx context.Context, r *Request) error {
	if r.Args == "" {
		return b.sendToggles(ctx, r)
	}
	slugs, ok, err := b.citySlugs(ctx, r)
	if !ok || err != nil {
		return err
	}
	return b.subscribeTo(ctx, r, slugs)
}

func (b *Bot) subscribeTo(ctx context.Context, r *Request, slugs []string) error {
	s, err := b.changeSub(ctx, r, func(s *store.Subscriber) {
		for _, slug := range slugs {
			if !s.Follows(slug) {
				s.Cities = append(s.Cities, slug)
			}
		}
	})
	if err != nil {
		return err
	}
	return b.reply(ctx, r, b.tr.T(r.Lang, "subscribed",
		"Cities", render.HTML(b.cityList(slugs, r.Lang)),
		"Frequency", b.tr.T(r.Lang, "freq_"+string(s.Frequency))), nil)
}

// handleUnsubscribe is the reverse of handleSubscribe.
func (b *Bot) handleUnsubscribe(ctx context.Context, r *Request) error {
	if r.Args == "" {
		return b.sendToggles(ctx, r)
	}
	slugs, ok, err := b.citySlugs(ctx, r)
	if !ok || err != nil {
		return err
	}
	return b.unsubscribeFrom(ctx, r, slugs)
}

func (b *Bot) unsubscribeFrom(ctx context.Context, r *Request, slugs []string) error {
	var removed []string
	if r.Sub != nil {
		for _, slug := range slugs {
			if r.Sub.Follows(slug) {
				removed = append(removed, slug)
			}
		}
	}
	if len(removed) == 0 {
		return b.reply(ctx, r, b.tr.T(r.Lang, "not_subscribed", "Cities", render.HTML(b.cityList(slugs, r.Lang))), nil)
	}
	if _, err := b.changeSub(ctx, r, func(s *store.Subscriber) {
		s.Cities = slices.DeleteFunc(s.Cities, func(c string) bool { return slices.Contains(removed, c) })
	}); err != nil {
		return err
	}
	return b.reply(ctx, r, b.tr.T(r.Lang, "unsubscribed", "Cities", render.HTML(b.cityList(removed, r.Lang))), nil)
}

func (b *Bot) cityList(slugs []string, l store.Lang) string {
	out := make([]string, len(slugs))
	for i, s := range slugs {
		out[i] = b.rd.CityLabel(s, l)
	}
	return strings.Join(out, ", ")
}

// sendToggles shows the toggle keyboard for cities and kinds.
func (b *Bot) sendToggles(ctx context.Context, r *Request) error {
	return b.reply(ctx, r, b.togglesText(r), b.toggleKeyboard(r.Sub, r.Lang))
}

func (b *Bot) togglesText(r *Request) string {
	return b.tr.T(r.Lang, "toggles_title") + "\n\n" + b.summary(r.Sub, r.Lang)
}

// A toggle button carries the state it sets ("1krefeld" follows Krefeld,
// "0krefeld" stops), not "flip": a double tap, or the same tap delivered
// twice, sets the same state twice instead of undoing itself.
func toggleArg(on bool, value string) string {
	if on {
		return "1" + value
	}
	return "0" + value
}

func parseToggle(arg string) (on bool, value string, ok bool) {
	if len(arg) < 2 || arg[0] != '0' && arg[0] != '1' {
		return false, "", false
	}
	return arg[0] == '1', arg[1:], true
}

// onToggleCity sets one city and redraws the keyboard in place.
func (b *Bot) onToggleCity(ctx context.Context, r *Request) error {
	on, slug, ok := parseToggle(r.Arg)
	if _, known := b.data.Partner(slug); !ok || !known {
		return errBadArg
	}
	if _, err := b.changeSub(ctx, r, func(s *store.Subscriber) {
		s.Cities = slices.DeleteFunc(s.Cities, func(c string) bool { return c == slug })
		if on {
			s.Cities = append(s.Cities, slug)
		}
	}); err != nil {
		return err
	}
	return b.edit(ctx, r, b.togglesText(r), b.toggleKeyboard(r.Sub, r.Lang))
}

// onToggleKind sets one kind of post and redraws the keyboard in place.
func (b *Bot) onToggleKind(ctx context.Context, r *Request) error {
	on, value, ok := parseToggle(r.Arg)
	k := store.Kind(value)
	if !ok || !k.Valid() {
		return errBadArg
	}
	if _, err := b.changeSub(ctx, r, func(s *store.Subscriber) {
		s.Kinds = slices.DeleteFunc(s.Kinds, func(x store.Kind) bool { return x == k })
		if on {
			s.Kinds = append(s.Kinds, k)
		}
	}); err != nil {
		return err
	}
	return b.edit(ctx, r, b.togglesText(r), b.toggleKeyboard(r.Sub, r.Lang))
}

// onToggleDone closes the keyboard, leaving the summary.
func (b *Bot) onToggleDone(ctx context.Context, r *Request) error {
	return b.edit(ctx, r, b.tr.T(r.Lang, "toggles_saved")+"\n\n"+b.summary(r.Sub, r.Lang), nil)
}

// onCardSubscribe and onCardUnsubscribe are the buttons on a city card; the
// card's keyboard flips to the other button.
func (b *Bot) onCardSubscribe(ctx context.Context, r *Request) error {
	return b.cardToggle(ctx, r, true)
}

func (b *Bot) onCardUnsubscribe(ctx context.Context, r *Request) error {
	return b.cardToggle(ctx, r, false)
}

func (b *Bot) cardToggle(ctx context.Context, r *Request, on bool) error {
	c, ok := b.data.Partner(r.Arg)
	if !ok {
		return errBadArg
	}
	if _, err := b.changeSub(ctx, r, func(s *store.Subscriber) {
		s.Cities = slices.DeleteFunc(s.Cities, func(x string) bool { return x == c.Slug })
		if on {
			s.Cities = append(s.Cities, c.Slug)
		}
	}); err != nil {
		return err
	}
	key := "unsubscribed"
	if on {
		key = "subscribed_short"
	}
	b.answer(ctx, r, render.PlainText(b.tr.T(r.Lang, key, "Cities", c.Name.In(r.Lang), "Frequency", "")))
	text, kb, err := b.card(ctx, c, r.Sub, r.Lang)
	if err != nil {
		return err
	}
	return b.edit(ctx, r, text, kb)
}
