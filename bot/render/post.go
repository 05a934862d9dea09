package render

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Renderer renders what residents read: posts, digests, reminders, list
// items, in the reader's language and each post's city's time zone. The
// bot's replies and the scheduler's messages use the same one, so a post
// reads the same wherever it appears.
type Renderer struct {
	tr   *Translator
	data *store.Dataset
	home *time.Location // for posts about all cities
}

// New returns a Renderer; home is the home city's time zone (TIMEZONE),
// nil for the dataset's.
func New(tr *Translator, data *store.Dataset, home *time.Location) *Renderer {
	if home == nil {
		home = time.UTC
		if data != nil && data.Home.Location != nil {
			home = data.Home.Location
		}
	}
	return &Renderer{tr: tr, data: data, home: home}
}

// T is the translator's text id in language l.
func (r *Renderer) T(l store.Lang, id string, args ...any) string { return r.tr.T(l, id, args...) }

// PostHTML renders a whole post as residents see it: in an announcement, a
// preview, a digest. Everything the official typed is escaped; line breaks
// are kept.
func (r *Renderer) PostHTML(p store.Post, l store.Lang) string {
	t := p.In(l)
	loc := r.Location(p.City)
	var sb strings.Builder
	sb.WriteString(r.KindLabel(p.Kind, l) + " · " + r.CityLabel(p.City, l) + "\n")
	if t.Title != "" {
		sb.WriteString("<b>" + Esc(t.Title) + "</b>\n")
	}
	switch {
	case p.Kind == store.KindEvent && p.StartsAt != nil:
		sb.WriteString(strings.SplitN(r.EventItem(p, l), "\n", 2)[0] + "\n")
		if p.Place != "" {
			sb.WriteString("📍 " + Esc(p.Place) + "\n")
		}
	case p.Kind == store.KindVisit || p.Kind == store.KindAgreement:
		sb.WriteString("🗓 " + p.Date.In(loc).Format(DateLayout) + "\n")
	}
	if text := strings.TrimSpace(t.Text); text != "" {
		sb.WriteString("\n" + Esc(text))
	}
	return strings.TrimRight(sb.String(), "\n")
}

// ReminderHTML renders an event reminder.
func (r *Renderer) ReminderHTML(p store.Post, l store.Lang) string {
	return r.tr.T(l, "reminder_title") + "\n\n" + r.PostHTML(p, l)
}

// DigestMessages renders a digest: grouped by city in the subscriber's
// order, newest first, in their language, split into messages of at most
// 4096 characters between posts, never inside one. No posts, no messages.
func (r *Renderer) DigestMessages(sub store.Subscriber, posts []store.Post) []string {
	if len(posts) == 0 {
		return nil
	}
	l := sub.Lang
	byCity := map[string][]store.Post{}
	for _, p := range posts {
		byCity[p.City] = append(byCity[p.City], p)
	}
	order := slices.Clone(sub.Cities)
	for _, c := range slices.Sorted(maps.Keys(byCity)) {
		if !slices.Contains(order, c) {
			order = append(order, c)
		}
	}
	blocks := []string{"<b>" + r.tr.T(l, "digest_title") + "</b>"}
	for _, city := range order {
		ps := byCity[city]
		if len(ps) == 0 {
			continue
		}
		store.NewestFirst(ps)
		blocks = append(blocks, "<b>"+r.CityLabel(city, l)+"</b>")
		for _, p := range ps {
			blocks = append(blocks, r.PostHTML(p, l))
		}
	}
	return Pack(blocks, MaxMessageLen)
}
