package bot

import (
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Formats shared by every reply that shows posts, so a post reads the same in
// /news, a city card and (later) a digest.

var kindIcon = map[store.Kind]string{
	store.KindVisit:        "✈️",
	store.KindAgreement:    "📝",
	store.KindEvent:        "📅",
	store.KindAnnouncement: "📢",
}

const (
	dateLayout     = "02.01.2006"
	dateTimeLayout = "02.01.2006 15:04"
	// newsTextLen is how much of a post's text a list shows.
	newsTextLen = 200
)

// cityLabel is "🇩🇪 Krefeld", escaped.
func (b *Bot) cityLabel(slug string, l store.Lang) string {
	if slug == store.AllCities {
		return "🌍 " + b.tr.T(l, "all_cities")
	}
	if c, ok := b.data.Partner(slug); ok {
		return esc(c.Flag + " " + c.Name.In(l))
	}
	if slug == b.data.Home.Slug {
		return esc(b.data.Home.Flag + " " + b.data.Home.Name.In(l))
	}
	return esc(slug)
}

// location is the time zone a post's times are shown in: its city's, or the
// home city's for posts about all cities.
func (b *Bot) location(slug string) *time.Location {
	if c, ok := b.data.Partner(slug); ok && c.Location != nil {
		return c.Location
	}
	return b.tz
}

func (b *Bot) kindLabel(k store.Kind, l store.Lang) string {
	return kindIcon[k] + " " + b.tr.T(l, "kind_"+string(k))
}

// newsItem renders one post for a list: title, date, kind, city, short text.
func (b *Bot) newsItem(p store.Post, l store.Lang) string {
	t := p.In(l)
	date := p.Date
	if p.StartsAt != nil {
		date = *p.StartsAt
	}
	var sb strings.Builder
	sb.WriteString("<b>" + esc(p.DisplayTitle(l)) + "</b>\n")
	sb.WriteString("<i>" + date.In(b.location(p.City)).Format(dateLayout) + " · " + b.kindLabel(p.Kind, l) + " · " + b.cityLabel(p.City, l) + "</i>")
	if text := strings.TrimSpace(t.Text); text != "" {
		sb.WriteString("\n" + esc(truncate(text, newsTextLen)))
	}
	return sb.String()
}

// eventItem renders one event: when (in the city's time zone), where, what.
func (b *Bot) eventItem(p store.Post, l store.Lang) string {
	t := p.In(l)
	loc := b.location(p.City)
	var sb strings.Builder
	when := ""
	if p.StartsAt != nil {
		when = p.StartsAt.In(loc).Format(dateTimeLayout)
		if p.EndsAt != nil {
			end := p.EndsAt.In(loc)
			if end.Format(dateLayout) == p.StartsAt.In(loc).Format(dateLayout) {
				when += "–" + end.Format("15:04")
			} else {
				when += " – " + end.Format(dateTimeLayout)
			}
		}
	}
	sb.WriteString("📅 <b>" + when + "</b> (" + esc(loc.String()) + ") · " + b.cityLabel(p.City, l) + "\n")
	sb.WriteString("<b>" + esc(t.Title) + "</b>")
	if p.Place != "" {
		sb.WriteString("\n📍 " + esc(p.Place))
	}
	return sb.String()
}

// shortItem is one line for a city card: date, kind, title.
func (b *Bot) shortItem(p store.Post, l store.Lang) string {
	return "• " + p.Date.In(b.location(p.City)).Format(dateLayout) + " · " + b.kindLabel(p.Kind, l) + " · " + esc(p.DisplayTitle(l))
}

// knownCities lists partner names for "unknown city" replies.
func (b *Bot) knownCities(l store.Lang) string {
	names := make([]string, 0, len(b.data.Partners))
	for _, c := range b.data.Partners {
		names = append(names, c.Flag+" "+c.Name.In(l)+" ("+c.Slug+")")
	}
	return strings.Join(names, ", ")
}
