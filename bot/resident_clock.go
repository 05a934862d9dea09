package bot

import (
	"context"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// Each reader's own clock: /timezone and /quiet, and their buttons. The
// zone decides the hour digests come at (the scheduler reads the chat's
// record); quiet hours hold announcements and reminders back.

// quietPresets are the quiet hours offered as buttons ("22-7" is
// 22:00–07:00, in store.ParseQuietHours's short form).
var quietPresets = []string{"22-7", "23-7", "22-8"}

// zoneName is the IANA name of the chat's zone as residents see it.
func (b *Bot) zoneName(s *store.Subscriber) string {
	if s == nil || s.TimeZone == "" {
		return b.tz.String()
	}
	return s.TimeZone
}

// zoneLocation is the chat's zone.
func (b *Bot) zoneLocation(s *store.Subscriber) *time.Location {
	if s == nil {
		return b.tz
	}
	return s.Location(b.tz)
}

// quietLabel describes the chat's quiet hours in a few words.
func (b *Bot) quietLabel(s *store.Subscriber, l store.Lang) string {
	if s == nil || s.Quiet == nil {
		return b.tr.T(l, "quiet_none_label")
	}
	return s.Quiet.String()
}

// handleTimezone sets the chat's zone from an IANA name or a city's name;
// without an argument it shows the zone and the cities' zones as buttons.
func (b *Bot) handleTimezone(ctx context.Context, r *Request) error {
	arg := strings.TrimSpace(r.Args)
	if arg == "" {
		return b.sendZoneChoice(ctx, r)
	}
	zone, ok := b.zoneFromArg(arg)
	if !ok {
		return b.reply(ctx, r, b.tr.T(r.Lang, "tz_unknown", "Got", render.Truncate(arg, 40)), b.zoneKeyboard(r.Lang))
	}
	return b.setZone(ctx, r, zone, false)
}

// zoneFromArg reads a zone a resident typed: an IANA name, or the home
// city's or a partner's name (whose zone the dataset knows).
func (b *Bot) zoneFromArg(arg string) (string, bool) {
	if c, ok := b.data.FindPartner(arg); ok {
		return c.TimeZone, true
	}
	home := b.data.Home
	if strings.EqualFold(arg, home.Slug) || slicesContainsFold(home.Name, arg) {
		return home.TimeZone, true
	}
	if _, err := store.LoadZone(arg); err != nil {
		return "", false
	}
	return arg, true
}

func slicesContainsFold(names store.Text, s string) bool {
	for _, n := range names {
		if strings.EqualFold(n, s) {
			return true
		}
	}
	return false
}

// onZone sets the zone of the city on the button.
func (b *Bot) onZone(ctx context.Context, r *Request) error {
	if r.Arg == b.data.Home.Slug {
		return b.setZone(ctx, r, b.data.Home.TimeZone, true)
	}
	c, ok := b.data.Partner(r.Arg)
	if !ok {
		return errBadArg
	}
	return b.setZone(ctx, r, c.TimeZone, true)
}

// setZone stores the zone. The home default is stored as "" (the records'
// "home zone"), so a chat that picks it follows TIMEZONE like one that
// never chose.
func (b *Bot) setZone(ctx context.Context, r *Request, zone string, fromButton bool) error {
	if zone == b.tz.String() {
		zone = ""
	}
	s, err := b.changeSub(ctx, r, func(s *store.Subscriber) { s.TimeZone = zone })
	if err != nil {
		return err
	}
	text := b.tr.T(r.Lang, "tz_set", "Zone", b.zoneName(&s),
		"Time", b.now().In(b.zoneLocation(&s)).Format("15:04"))
	if fromButton {
		return b.edit(ctx, r, text, b.zoneKeyboard(r.Lang))
	}
	return b.reply(ctx, r, text, nil)
}

func (b *Bot) sendZoneChoice(ctx context.Context, r *Request) error {
	text := b.tr.T(r.Lang, "tz_current", "Zone", b.zoneName(r.Sub),
		"Time", b.now().In(b.zoneLocation(r.Sub)).Format("15:04"))
	return b.reply(ctx, r, text, b.zoneKeyboard(r.Lang))
}

// zoneKeyboard offers the home city's zone and each partner's.
func (b *Bot) zoneKeyboard(l store.Lang) *tgbotapi.InlineKeyboardMarkup {
	cities := append([]store.City{b.data.Home}, b.data.Partners...)
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, c := range cities {
		if c.TimeZone == "" {
			continue
		}
		label := strings.TrimSpace(c.Flag+" "+c.Name.In(l)) + " · " + c.TimeZone
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(label, Callback{cbZone, c.Slug})})
	}
	return keyboard(rows...)
}

// handleQuiet sets or clears the chat's quiet hours; without an argument
// it shows them, with presets as buttons.
func (b *Bot) handleQuiet(ctx context.Context, r *Request) error {
	arg := strings.TrimSpace(r.Args)
	switch {
	case arg == "":
		return b.sendQuietChoice(ctx, r)
	case strings.EqualFold(arg, "off"):
		return b.setQuiet(ctx, r, nil, false)
	}
	q, err := store.ParseQuietHours(arg)
	if err != nil {
		return b.reply(ctx, r, b.tr.T(r.Lang, "quiet_usage", "Got", render.Truncate(arg, 40),
			"Zone", b.zoneName(r.Sub)), nil)
	}
	return b.setQuiet(ctx, r, &q, false)
}

// onQuiet sets a preset, or "off".
func (b *Bot) onQuiet(ctx context.Context, r *Request) error {
	if r.Arg == "off" {
		return b.setQuiet(ctx, r, nil, true)
	}
	q, err := store.ParseQuietHours(r.Arg)
	if err != nil {
		return errBadArg
	}
	return b.setQuiet(ctx, r, &q, true)
}

func (b *Bot) setQuiet(ctx context.Context, r *Request, q *store.QuietHours, fromButton bool) error {
	s, err := b.changeSub(ctx, r, func(s *store.Subscriber) { s.Quiet = q })
	if err != nil {
		return err
	}
	text := b.tr.T(r.Lang, "quiet_off")
	if q != nil {
		text = b.tr.T(r.Lang, "quiet_set", "Quiet", q.String(), "Zone", b.zoneName(&s))
	}
	if fromButton {
		return b.edit(ctx, r, text, b.quietKeyboard(&s, r.Lang))
	}
	return b.reply(ctx, r, text, nil)
}

func (b *Bot) sendQuietChoice(ctx context.Context, r *Request) error {
	text := b.tr.T(r.Lang, "quiet_current_none")
	if r.Sub != nil && r.Sub.Quiet != nil {
		text = b.tr.T(r.Lang, "quiet_current", "Quiet", r.Sub.Quiet.String(),
			"Zone", b.zoneName(r.Sub))
	}
	return b.reply(ctx, r, text, b.quietKeyboard(r.Sub, r.Lang))
}

// quietKeyboard offers the presets and "off", the current choice marked.
func (b *Bot) quietKeyboard(s *store.Subscriber, l store.Lang) *tgbotapi.InlineKeyboardMarkup {
	var cur *store.QuietHours
	if s != nil {
		cur = s.Quiet
	}
	var row []tgbotapi.InlineKeyboardButton
	for _, p := range quietPresets {
		q, _ := store.ParseQuietHours(p)
		row = append(row, button(mark(cur != nil && *cur == q)+q.String(), Callback{cbQuiet, p}))
	}
	off := button(mark(cur == nil)+b.tr.T(l, "btn_quiet_off"), Callback{cbQuiet, "off"})
	return keyboard(row, []tgbotapi.InlineKeyboardButton{off})
}
