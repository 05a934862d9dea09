package bot

// Inline mode: typing "@bot krefeld" in any chat lists the matching partner
// cities, upcoming events and recent posts, each a card the user can share
// there, with buttons leading back into the bot. An inline query is not a
// chat: its answer is not a reply (no delivery journal, no pacing) and is
// never retried, because the query expires within seconds.

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

const (
	// inlinePage is Telegram's limit of results in one answer; the rest
	// come page by page through next_offset.
	inlinePage = 50
	// inlineWindow bounds what a query searches: the newest posts and the
	// soonest events, this many of each. The stores have no text index, so
	// a query scans what it reads; 200 is many months of a twinning
	// office's posts, and two bounded reads per keystroke stay far within
	// the ~10 s Telegram waits for an answer. Older posts stay in /news.
	inlineWindow = 200
	// inlineCacheTime is short, so a new or edited post shows soon; the
	// answers are per person anyway (is_personal: they are in the
	// reader's language).
	inlineCacheTime = 30
	// inlineCaptionLen is Telegram's limit on a photo's caption, counted
	// after the HTML is parsed.
	inlineCaptionLen = 1024
	// inlineTextLen is how much of a city's description a card shows.
	inlineTextLen = 300
)

// inlineItem is one thing a query found: a city card, or a post (an
// upcoming event when event is set).
type inlineItem struct {
	city  *store.City
	post  store.Post
	event bool
}

// handleInline answers an inline query: typing @bot in any chat. It always
// returns nil: a failed answer is only logged, since answering again later
// is useless once Telegram has given up waiting.
func (b *Bot) handleInline(ctx context.Context, r *Request) error {
	l := b.inlineLang(ctx, r)
	items, err := b.inlineItems(ctx, strings.TrimSpace(r.InlineQuery), l)
	if err != nil {
		b.log.Warn("inline query: posts unreadable, answering with cities only", "user_id", r.UserID, "err", err)
	}
	from, to, next := inlinePageOf(r.InlineOffset, len(items))
	// Never nil: "results" is a required parameter, and an empty answer
	// still tells the client that nothing matched.
	results := make([]any, 0, to-from)
	for _, it := range items[from:to] {
		results = append(results, b.inlineResult(it, l))
	}
	answer := tgbotapi.InlineConfig{InlineQueryID: r.InlineID, Results: results, CacheTime: inlineCacheTime,
		IsPersonal: true, NextOffset: next}
	if err := b.tg.Request(ctx, answer); err != nil {
		b.log.Warn("inline query not answered", "user_id", r.UserID, "results", len(results), "err", err)
	}
	return nil
}

// inlineLang is the reader's language, by the same rule as a chat's
// (resolve): an inline query comes from no chat, but the user's private
// chat with the bot, whose id is the user's id, may hold their choice.
func (b *Bot) inlineLang(ctx context.Context, r *Request) store.Lang {
	pr := &Request{ChatID: r.UserID, UserLang: r.UserLang}
	b.resolve(ctx, pr)
	return pr.Lang
}

// inlineItems finds what a query matches, in the order it is shown:
// cities (dataset order), then events soonest first, then posts newest
// first. An empty query lists the cities. When storage fails, the cities
// (which come from the dataset) are still returned, with the error.
func (b *Bot) inlineItems(ctx context.Context, query string, l store.Lang) ([]inlineItem, error) {
	q := strings.ToLower(query)
	var cities []inlineItem
	for i := range b.data.Partners {
		if c := &b.data.Partners[i]; cityMatches(*c, q) {
			cities = append(cities, inlineItem{city: c})
		}
	}
	if q == "" {
		return cities, nil
	}
	events, err := b.store.UpcomingEvents(ctx, "", b.now(), inlineWindow)
	if err != nil {
		return cities, err
	}
	posts, err := b.store.LatestPosts(ctx, "", inlineWindow)
	if err != nil {
		return cities, err
	}
	items := cities
	// An upcoming event is also a recent post: it is listed once, as an
	// event.
	listed := map[int64]bool{}
	for _, p := range events {
		if postMatches(b.data, p, q, l) {
			items = append(items, inlineItem{post: p, event: true})
			listed[p.ID] = true
		}
	}
	for _, p := range posts {
		if !listed[p.ID] && postMatches(b.data, p, q, l) {
			items = append(items, inlineItem{post: p})
		}
	}
	return items, nil
}

// cityMatches reports whether the lower-cased query q occurs in the city's
// slug or its name in any language; "" matches every city.
func cityMatches(c store.City, q string) bool {
	if contains(c.Slug, q) {
		return true
	}
	for _, n := range c.Name {
		if contains(n, q) {
			return true
		}
	}
	return false
}

// postMatches reports whether the lower-cased query q occurs in the post's
// title, text or place, as the reader reads it (language l) or as it was
// written, or names the post's city: "krefeld" finds Krefeld's posts.
func postMatches(d *store.Dataset, p store.Post, q string, l store.Lang) bool {
	t := p.In(l)
	for _, s := range []string{t.Title, t.Text, p.Title, p.Text, p.Place} {
		if contains(s, q) {
			return true
		}
	}
	c, ok := d.Partner(p.City)
	return ok && cityMatches(c, q)
}

func contains(s, lowerQuery string) bool { return strings.Contains(strings.ToLower(s), lowerQuery) }

// inlinePageOf picks the items an offset asks for. The offset is the index
// of the first item, as this bot wrote it in next_offset; "" or anything
// else unparsable starts at 0. next is "" on the last page. Posts published
// between two pages may shift an item by a place: a reader who scrolls
// sees at worst one twice, and the ids within each answer stay unique.
func inlinePageOf(offset string, n int) (from, to int, next string) {
	from, err := strconv.Atoi(offset)
	if err != nil || from < 0 {
		from = 0
	}
	from = min(from, n)
	to = min(from+inlinePage, n)
	if to < n {
		next = strconv.Itoa(to)
	}
	return from, to, next
}

// inlineResult renders one item as a result the user can send.
func (b *Bot) inlineResult(it inlineItem, l store.Lang) any {
	if it.city != nil {
		return b.cityResult(*it.city, l)
	}
	return b.postResult(it.post, it.event, l)
}

// cityResult is a city card: flag, name, country, partner since and the
// start of its description.
func (b *Bot) cityResult(c store.City, l store.Lang) any {
	name := c.Flag + " " + c.Name.In(l)
	lines := []string{"<b>" + render.Esc(name) + "</b>, " + render.Esc(c.Country.In(l))}
	desc := c.Country.In(l)
	if c.PartnerSince != "" {
		since := b.tr.T(l, "partner_since", "Since", c.PartnerSince)
		lines = append(lines, since)
		desc += " · " + render.PlainText(since)
	}
	if d := strings.TrimSpace(c.Description.In(l)); d != "" {
		lines = append(lines, "", render.Esc(render.Truncate(d, inlineTextLen)))
	}
	return article("c:"+c.Slug, name, desc, strings.Join(lines, "\n"), b.inlineKeyboard("city_"+c.Slug, c.Slug, l))
}

// postResult is an event (when, in its city's time zone; where; what) or
// a post (title, kind, city, date, first lines). A post with photos is
// shared as its first photo with the card as caption, when that fits.
func (b *Bot) postResult(p store.Post, event bool, l store.Lang) any {
	id := "p:" + strconv.FormatInt(p.ID, 10)
	text := b.rd.NewsItem(p, l)
	city := render.PlainText(b.rd.CityLabel(p.City, l))
	date := p.Date
	if p.StartsAt != nil {
		date = *p.StartsAt
	}
	desc := b.rd.KindLabel(p.Kind, l) + " · " + city + " · " + date.In(b.rd.Location(p.City)).Format(render.DateLayout)
	if event {
		id = "e:" + strconv.FormatInt(p.ID, 10)
		text = b.rd.EventItem(p, l)
		desc = date.In(b.rd.Location(p.City)).Format(render.DateTimeLayout) + " · " + city
		if p.Place != "" {
			desc += "\n" + p.Place
		}
	} else if first, _, _ := strings.Cut(strings.TrimSpace(p.In(l).Text), "\n"); first != "" {
		desc += "\n" + render.Truncate(first, 100)
	}
	title := strings.TrimSpace(render.KindIcon(p.Kind) + " " + p.DisplayTitle(l))
	if title == "" {
		title = b.rd.KindLabel(p.Kind, l)
	}
	kb := b.inlineKeyboard("post_"+strconv.FormatInt(p.ID, 10), p.City, l)
	if len(p.Photos) > 0 && p.Photos[0].FileID != "" && utf8.RuneCountInString(render.PlainText(text)) <= inlineCaptionLen {
		return tgbotapi.InlineQueryResultCachedPhoto{Type: "photo", ID: id, PhotoID: p.Photos[0].FileID,
			Title: title, Description: desc, Caption: text, ParseMode: tgbotapi.ModeHTML, ReplyMarkup: kb}
	}
	return article(id, title, desc, text, kb)
}

// article is a result that sends an HTML text; link previews are off, as
// in every reply.
func article(id, title, desc, html string, kb *tgbotapi.InlineKeyboardMarkup) tgbotapi.InlineQueryResultArticle {
	return tgbotapi.InlineQueryResultArticle{Type: "article", ID: id, Title: title, Description: desc, ReplyMarkup: kb,
		InputMessageContent: tgbotapi.InputTextMessageContent{Text: html, ParseMode: tgbotapi.ModeHTML, DisableWebPagePreview: true}}
}

// inlineKeyboard is under every shared card. It can only hold links: a
// callback button would come back from a chat the bot is not in. "Open"
// starts the bot with the payload (city_<slug>, post_<id>); "Subscribe"
// with sub_<slug>, or sub_all for a post that concerns all cities (or a
// city that is not a partner, which cannot be followed alone).
func (b *Bot) inlineKeyboard(open, city string, l store.Lang) *tgbotapi.InlineKeyboardMarkup {
	sub := "sub_" + store.AllCities
	if _, ok := b.data.Partner(city); ok {
		sub = "sub_" + city
	}
	return keyboard([]tgbotapi.InlineKeyboardButton{
		tgbotapi.NewInlineKeyboardButtonURL(b.tr.T(l, "inline_open"), b.startLink(open)),
		tgbotapi.NewInlineKeyboardButtonURL(b.tr.T(l, "btn_subscribe"), b.startLink(sub)),
	})
}

// startLink is the deep link that opens a private chat with the bot and
// sends /start payload.
func (b *Bot) startLink(payload string) string {
	return "https://t.me/" + b.tg.Username() + "?start=" + payload
}
