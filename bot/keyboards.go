package bot

import (
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/store"
)

func button(text string, cb Callback) tgbotapi.InlineKeyboardButton {
	return tgbotapi.NewInlineKeyboardButtonData(text, cb.Encode())
}

func keyboard(rows ...[]tgbotapi.InlineKeyboardButton) *tgbotapi.InlineKeyboardMarkup {
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &kb
}

// menuKeyboard is the /start menu; contact adds "Write to the office".
func (b *Bot) menuKeyboard(l store.Lang, contact bool) *tgbotapi.InlineKeyboardMarkup {
	m := func(key, entry string) tgbotapi.InlineKeyboardButton {
		return button(b.tr.T(l, key), Callback{cbMenu, entry})
	}
	rows := [][]tgbotapi.InlineKeyboardButton{
		{m("menu_cities", "cities"), m("menu_events", "events"), m("menu_news", "news")},
		{m("menu_subscribe", "sub"), m("menu_lang", "lang")},
	}
	if contact {
		rows = append(rows, []tgbotapi.InlineKeyboardButton{m("menu_contact", "contact")})
	}
	return keyboard(rows...)
}

// citiesKeyboard has one button per partner city opening its card.
func (b *Bot) citiesKeyboard(l store.Lang) *tgbotapi.InlineKeyboardMarkup {
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, c := range b.data.Partners {
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(c.Flag+" "+c.Name.In(l), Callback{cbCity, c.Slug})})
	}
	return keyboard(rows...)
}

// cardKeyboard is under a city card: subscribe or unsubscribe, and events.
func (b *Bot) cardKeyboard(c store.City, sub *store.Subscriber, l store.Lang) *tgbotapi.InlineKeyboardMarkup {
	toggle := button(b.tr.T(l, "btn_subscribe"), Callback{cbSubscribe, c.Slug})
	if sub != nil && sub.Follows(c.Slug) {
		toggle = button(b.tr.T(l, "btn_unsubscribe"), Callback{cbUnsubscribe, c.Slug})
	}
	return keyboard([]tgbotapi.InlineKeyboardButton{toggle, button(b.tr.T(l, "btn_events"), Callback{cbCityEvents, c.Slug})})
}

func mark(on bool) string {
	if on {
		return "✅ "
	}
	return "▫️ "
}

// toggleKeyboard shows one toggle per city and per kind; it is redrawn in
// place after every tap.
func (b *Bot) toggleKeyboard(sub *store.Subscriber, l store.Lang) *tgbotapi.InlineKeyboardMarkup {
	var s store.Subscriber
	if sub != nil {
		s = *sub
	} else {
		s = store.NewSubscriber(0, "", l, b.now())
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, c := range b.data.Partners {
		rows = append(rows, []tgbotapi.InlineKeyboardButton{
			button(mark(s.Follows(c.Slug))+c.Flag+" "+c.Name.In(l), Callback{cbToggleCity, toggleArg(!s.Follows(c.Slug), c.Slug)}),
		})
	}
	var kinds []tgbotapi.InlineKeyboardButton
	for _, k := range store.Kinds() {
		kinds = append(kinds, button(mark(s.Wants(k))+b.tr.T(l, "kinds_"+string(k)), Callback{cbToggleKind, toggleArg(!s.Wants(k), string(k))}))
	}
	rows = append(rows, kinds[:2], kinds[2:])
	rows = append(rows, []tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "btn_done"), Callback{cbToggleDone, ""})})
	return keyboard(rows...)
}

// langKeyboard offers the four languages, each named in itself.
func (b *Bot) langKeyboard() *tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	for _, l := range store.Langs() {
		row = append(row, button(b.tr.T(l, "lang_name"), Callback{cbLang, string(l)}))
	}
	return keyboard(row)
}

// digestKeyboard offers the digest frequencies, the current one marked.
func (b *Bot) digestKeyboard(cur store.Frequency, l store.Lang) *tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	for _, f := range store.Frequencies() {
		row = append(row, button(mark(f == cur)+b.tr.T(l, "freq_"+string(f)), Callback{cbDigest, string(f)}))
	}
	return keyboard(row)
}

// settingsKeyboard leads to each setting.
func (b *Bot) settingsKeyboard(l store.Lang) *tgbotapi.InlineKeyboardMarkup {
	return keyboard(
		[]tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "btn_change_subs"), Callback{cbMenu, "sub"})},
		[]tgbotapi.InlineKeyboardButton{
			button(b.tr.T(l, "btn_change_digest"), Callback{cbMenu, "digest"}),
			button(b.tr.T(l, "btn_change_lang"), Callback{cbMenu, "lang"}),
		},
		[]tgbotapi.InlineKeyboardButton{
			button(b.tr.T(l, "btn_change_zone"), Callback{cbMenu, "tz"}),
			button(b.tr.T(l, "btn_change_quiet"), Callback{cbMenu, "quiet"}),
		},
	)
}
