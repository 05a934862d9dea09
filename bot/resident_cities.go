package bot

import (
	"context"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

const (
	listLimit     = 10 // posts or events in one /news or /events reply
	cardPostLimit = 3  // latest posts on a city card
)

// handleCities lists the partner cities with a button per card.
func (b *Bot) handleCities(ctx context.Context, r *Request) error {
	lines := []string{"<b>" + b.tr.T(r.Lang, "cities_title", "Home", b.data.Home.Name.In(r.Lang)) + "</b>"}
	for _, c := range b.data.Partners {
		line := render.Esc(c.Flag+" "+c.Name.In(r.Lang)) + " — " + render.Esc(c.Country.In(r.Lang))
		if c.PartnerSince != "" {
			line += " · " + b.tr.T(r.Lang, "partner_since", "Since", c.PartnerSince)
		}
		lines = append(lines, line)
	}
	return b.reply(ctx, r, strings.Join(lines, "\n"), b.citiesKeyboard(r.Lang))
}

// handleCity shows a city card; with no name it lists the cities.
func (b *Bot) handleCity(ctx context.Context, r *Request) error {
	if r.Args == "" {
		return b.handleCities(ctx, r)
	}
	c, ok := b.data.FindPartner(r.Args)
	if !ok {
		return b.replyUnknownCity(ctx, r, r.Args)
	}
	return b.sendCard(ctx, r, c)
}

func (b *Bot) replyUnknownCity(ctx context.Context, r *Request, name string) error {
	return b.reply(ctx, r, b.tr.T(r.Lang, "city_unknown", "Name", render.Truncate(name, 64), "Known", b.rd.KnownCities(r.Lang)), nil)
}

// onCity opens a card from a button.
func (b *Bot) onCity(ctx context.Context, r *Request) error {
	c, ok := b.data.Partner(r.Arg)
	if !ok {
		return errBadArg
	}
	return b.sendCard(ctx, r, c)
}

func (b *Bot) sendCard(ctx context.Context, r *Request, c store.City) error {
	text, kb, err := b.card(ctx, c, r.Sub, r.Lang)
	if err != nil {
		return err
	}
	return b.reply(ctx, r, text, kb)
}

// card renders a city card and its keyboard: subscribe or unsubscribe,
// events, and a sign-up row for each event among its latest posts.
func (b *Bot) card(ctx context.Context, c store.City, sub *store.Subscriber, l store.Lang) (string, *tgbotapi.InlineKeyboardMarkup, error) {
	posts, err := b.store.LatestPosts(ctx, c.Slug, cardPostLimit)
	if err != nil {
		return "", nil, err
	}
	rows, err := b.eventListRows(ctx, posts, l)
	if err != nil {
		return "", nil, err
	}
	kb := b.cardKeyboard(c, sub, l)
	kb.InlineKeyboard = append(kb.InlineKeyboard, rows...)
	return b.cardText(c, posts, l), kb, nil
}

// cardText renders the city card: facts from the dataset and the latest posts.
func (b *Bot) cardText(c store.City, posts []store.Post, l store.Lang) string {
	lines := []string{"<b>" + render.Esc(c.Flag+" "+c.Name.In(l)) + "</b>, " + render.Esc(c.Country.In(l))}
	if c.PartnerSince != "" {
		lines = append(lines, b.tr.T(l, "partner_since", "Since", c.PartnerSince))
	}
	if areas := c.Areas[l]; len(areas) > 0 {
		lines = append(lines, b.tr.T(l, "card_areas", "Areas", strings.Join(areas, ", ")))
	} else if areas := c.Areas[store.LangUK]; len(areas) > 0 {
		lines = append(lines, b.tr.T(l, "card_areas", "Areas", strings.Join(areas, ", ")))
	}
	if d := c.Description.In(l); d != "" {
		lines = append(lines, "", render.Esc(d))
	}
	if c.Link != "" {
		lines = append(lines, "", `🔗 <a href="`+render.Esc(c.Link)+`">`+render.Esc(c.Link)+`</a>`)
	}
	if link := b.calendarLink(c.Slug, l); link != "" {
		lines = append(lines, link)
	}
	lines = append(lines, "", "<b>"+b.tr.T(l, "card_latest")+"</b>")
	if len(posts) == 0 {
		lines = append(lines, b.tr.T(l, "news_empty"))
	}
	for _, p := range posts {
		lines = append(lines, b.rd.ShortItem(p, l))
	}
	return strings.Join(lines, "\n")
}

// cityArg resolves an optional city argument; ok is false when the
// argument names no partner (the resident has been told).
func (b *Bot) cityArg(ctx context.Context, r *Request) (slug string, ok bool, err error) {
	if r.Args == "" || strings.EqualFold(r.Args, store.AllCities) {
		return "", true, nil
	}
	c, found := b.data.FindPartner(r.Args)
	if !found {
		return "", false, b.replyUnknownCity(ctx, r, r.Args)
	}
	return c.Slug, true, nil
}

// handleEvents lists upcoming events, soonest first.
func (b *Bot) handleEvents(ctx context.Context, r *Request) error {
	slug, ok, err := b.cityArg(ctx, r)
	if !ok || err != nil {
		return err
	}
	return b.sendEvents(ctx, r, slug)
}

func (b *Bot) onCityEvents(ctx context.Context, r *Request) error {
	if _, ok := b.data.Partner(r.Arg); !ok {
		return errBadArg
	}
	return b.sendEvents(ctx, r, r.Arg)
}

func (b *Bot) sendEvents(ctx context.Context, r *Request, slug string) error {
	events, err := b.store.UpcomingEvents(ctx, slug, b.now(), listLimit)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		return b.reply(ctx, r, b.tr.T(r.Lang, "events_empty"), nil)
	}
	blocks := []string{"<b>" + b.tr.T(r.Lang, "events_title") + "</b>"}
	for _, p := range events {
		blocks = append(blocks, b.rd.EventItem(p, r.Lang)+"\n"+render.OpenLink(p.ID))
	}
	if link := b.calendarLink(slug, r.Lang); link != "" {
		blocks = append(blocks, link)
	}
	rows, err := b.eventListRows(ctx, events, r.Lang)
	if err != nil {
		return err
	}
	var kb *tgbotapi.InlineKeyboardMarkup
	if len(rows) > 0 {
		kb = keyboard(rows...)
	}
	return b.replyBlocks(ctx, r, blocks, kb)
}

// calendarLink points to the iCalendar feed of a city (or of all cities),
// in the resident's language, when the feeds are public (PUBLIC_URL).
func (b *Bot) calendarLink(slug string, l store.Lang) string {
	if b.publicURL == "" {
		return ""
	}
	path := "/events.ics"
	if slug != "" {
		path = "/events/" + slug + ".ics"
	}
	url := b.publicURL + path + "?lang=" + string(l)
	return "📅 " + b.tr.T(l, "calendar_link", "URL", url)
}

// handleNews lists the latest posts, newest first.
func (b *Bot) handleNews(ctx context.Context, r *Request) error {
	slug, ok, err := b.cityArg(ctx, r)
	if !ok || err != nil {
		return err
	}
	posts, err := b.store.LatestPosts(ctx, slug, listLimit)
	if err != nil {
		return err
	}
	if len(posts) == 0 {
		return b.reply(ctx, r, b.tr.T(r.Lang, "news_empty"), nil)
	}
	blocks := []string{"<b>" + b.tr.T(r.Lang, "news_title") + "</b>"}
	for _, p := range posts {
		blocks = append(blocks, b.rd.NewsItem(p, r.Lang))
	}
	return b.replyBlocks(ctx, r, blocks, nil)
}
