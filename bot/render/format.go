package render

import (
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Formats shared by every reply that shows posts, so a post reads the same in
// /news, a city card and (later) a digest.

// KindIcon is the emoji of a kind of post, "" for an unknown kind. A
// function, not a map, so no caller can change what every reply shows.
func KindIcon(k store.Kind) string {
	switch k {
	case store.KindVisit:
		return "✈️"
	case store.KindAgreement:
		return "📝"
	case store.KindEvent:
		return "📅"
	case store.KindAnnouncement:
		return "📢"
	}
	return ""
}

// Layouts of dates and times residents read.
const (
	DateLayout     = "02.01.2006"
	DateTimeLayout = "02.01.2006 15:04"
	// newsTextLen is how much of a post's text a list shows.
	newsTextLen = 200
)

// CityLabel is "🇩🇪 Krefeld", escaped.
func (r *Renderer) CityLabel(slug string, l store.Lang) string {
	if slug == store.AllCities {
		return "🌍 " + r.tr.T(l, "all_cities")
	}
	if c, ok := r.data.Partner(slug); ok {
		return Esc(c.Flag + " " + c.Name.In(l))
	}
	if slug == r.data.Home.Slug {
		return Esc(r.data.Home.Flag + " " + r.data.Home.Name.In(l))
	}
	return Esc(slug)
}

// Location is the time zone a post's times are shown in: its city's, or the
// home city's for posts about all cities.
func (r *Renderer) Location(slug string) *time.Location {
	if c, ok := r.data.Partner(slug); ok && c.Location != nil {
		return c.Location
	}
	return r.home
}

// KindLabel is "✈️ Visit".
func (r *Renderer) KindLabel(k store.Kind, l store.Lang) string {
	return KindIcon(k) + " " + r.tr.T(l, "kind_"+string(k))
}

// NewsItem renders one post for a list: title, date, kind, city, short text.
func (r *Renderer) NewsItem(p store.Post, l store.Lang) string {
	t := p.In(l)
	date := p.Date
	if p.StartsAt != nil {
		date = *p.StartsAt
	}
	var sb strings.Builder
	sb.WriteString("<b>" + Esc(p.DisplayTitle(l)) + "</b> · " + OpenLink(p.ID) + "\n")
	sb.WriteString("<i>" + date.In(r.Location(p.City)).Format(DateLayout) + " · " + r.KindLabel(p.Kind, l) + " · " + r.CityLabel(p.City, l) + "</i>")
	if text := strings.TrimSpace(t.Text); text != "" {
		sb.WriteString("\n" + Esc(Truncate(text, newsTextLen)))
	}
	if o := r.original(p, l); o != "" {
		sb.WriteString("\n" + o)
	}
	return sb.String()
}

// EventItem renders one event: when (in the city's time zone), where, what.
func (r *Renderer) EventItem(p store.Post, l store.Lang) string {
	t := p.In(l)
	loc := r.Location(p.City)
	var sb strings.Builder
	when := ""
	if p.StartsAt != nil {
		when = p.StartsAt.In(loc).Format(DateTimeLayout)
		if p.EndsAt != nil {
			end := p.EndsAt.In(loc)
			if end.Format(DateLayout) == p.StartsAt.In(loc).Format(DateLayout) {
				when += "–" + end.Format("15:04")
			} else {
				when += " – " + end.Format(DateTimeLayout)
			}
		}
	}
	sb.WriteString("📅 <b>" + when + "</b> (" + Esc(loc.String()) + ") · " + r.CityLabel(p.City, l) + "\n")
	sb.WriteString("<b>" + Esc(t.Title) + "</b>")
	if p.Place != "" {
		sb.WriteString("\n📍 " + Esc(p.Place))
	}
	if o := r.original(p, l); o != "" {
		sb.WriteString("\n" + o)
	}
	return sb.String()
}

// ShortItem is one line for a city card: date, kind, title, open link.
func (r *Renderer) ShortItem(p store.Post, l store.Lang) string {
	return "• " + p.Date.In(r.Location(p.City)).Format(DateLayout) + " · " + r.KindLabel(p.Kind, l) + " · " +
		Esc(p.DisplayTitle(l)) + " · " + OpenLink(p.ID)
}

// KnownCities lists partner names for "unknown city" replies.
func (r *Renderer) KnownCities(l store.Lang) string {
	names := make([]string, 0, len(r.data.Partners))
	for _, c := range r.data.Partners {
		names = append(names, c.Flag+" "+c.Name.In(l)+" ("+c.Slug+")")
	}
	return strings.Join(names, ", ")
}
