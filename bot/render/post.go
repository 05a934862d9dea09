package render

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
	return r.body(p, l) + r.footer(p, l, true)
}

// ChannelHTML is the post as the city's channel shows it: like PostHTML,
// without the bot's open link, which is no use to a channel's readers.
func (r *Renderer) ChannelHTML(p store.Post, l store.Lang) string {
	return r.body(p, l) + r.footer(p, l, false)
}

// original is the line naming the language a post is shown in when it
// has no version in the reader's ("" when it has).
func (r *Renderer) original(p store.Post, l store.Lang) string {
	if p.HasLang(l) || p.Lang == "" {
		return ""
	}
	return "🌐 " + r.tr.T(l, "original_in", "Lang", r.tr.T(l, "lang_"+string(p.Lang)))
}

// footer is what follows a post's text: which language it is in when the
// reader's is missing, how many photos it has and the link that opens it
// in full (/p42, a command Telegram makes clickable).
func (r *Renderer) footer(p store.Post, l store.Lang, link bool) string {
	var lines []string
	if o := r.original(p, l); o != "" {
		lines = append(lines, o)
	}
	var open []string
	if n := len(p.Photos); n > 0 {
		open = append(open, "📷 "+r.tr.T(l, "photos_count", "Count", n))
	}
	if link && p.ID > 0 {
		open = append(open, OpenLink(p.ID))
	}
	if len(open) > 0 {
		lines = append(lines, strings.Join(open, " · "))
	}
	if len(lines) == 0 {
		return ""
	}
	return "\n\n" + strings.Join(lines, "\n")
}

// OpenLink is the command that shows a post in full.
func OpenLink(id int64) string { return "/p" + strconv.FormatInt(id, 10) }

// body is the post itself: kind, city, title, when and where, text.
func (r *Renderer) body(p store.Post, l store.Lang) string {
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
		if p.Capacity > 0 {
			sb.WriteString(r.tr.T(l, "event_capacity", "Count", p.Capacity) + "\n")
		}
	case p.Kind == store.KindVisit || p.Kind == store.KindAgreement:
		sb.WriteString("🗓 " + p.Date.In(loc).Format(DateLayout) + "\n")
	}
	if text := strings.TrimSpace(t.Text); text != "" {
		sb.WriteString("\n" + Esc(text))
	}
	return strings.TrimRight(sb.String(), "\n")
}

// MaxCaption is Telegram's limit on a photo's caption, in characters after
// entity parsing.
const MaxCaption = 1024

// PostParts is the post as messages: one photo with the post as its
// caption when it fits, else the photo (or an album) first and the text
// after it; the keyboard (reply_markup JSON) goes with the text, since an
// album takes none.
func (r *Renderer) PostParts(p store.Post, l store.Lang, keyboard string) []store.Part {
	return r.parts(p, l, r.PostHTML(p, l), keyboard)
}

// ChannelParts is the post as the city's channel shows it, with the
// given keyboard (an event's sign-up buttons; "" for none).
func (r *Renderer) ChannelParts(p store.Post, l store.Lang, keyboard string) []store.Part {
	return r.parts(p, l, r.ChannelHTML(p, l), keyboard)
}

// ReminderParts is an event's reminder, with its photos and the given
// keyboard.
func (r *Renderer) ReminderParts(p store.Post, l store.Lang, keyboard string) []store.Part {
	return r.parts(p, l, r.ReminderHTML(p, l), keyboard)
}

func (r *Renderer) parts(p store.Post, l store.Lang, html, keyboard string) []store.Part {
	ids := p.FileIDs()
	switch {
	case len(ids) == 0:
		return []store.Part{{Text: html, Keyboard: keyboard}}
	case len(ids) == 1 && utf8.RuneCountInString(PlainText(html)) <= MaxCaption:
		return []store.Part{{Photos: ids, Text: html, Keyboard: keyboard}}
	case len(ids) == 1:
		caption := "<b>" + Esc(Truncate(p.DisplayTitle(l), 200)) + "</b>"
		return []store.Part{{Photos: ids, Text: caption}, {Text: html, Keyboard: keyboard}}
	}
	return []store.Part{{Photos: ids}, {Text: html, Keyboard: keyboard}}
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
