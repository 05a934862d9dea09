package render

import (
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// ScheduleLayout is how times of scheduled publishing are shown to
// officials: the way they type them (YYYY-MM-DD HH:MM), so a time can be
// copied back into /schedule.
const ScheduleLayout = "2006-01-02 15:04"

// ZonedTime is t in the time zone of the city slug, with the zone's name:
// "2026-05-01 10:00 (Europe/Berlin)". Plain text: IANA names hold nothing
// HTML would read as markup.
func (r *Renderer) ZonedTime(t time.Time, slug string) string {
	loc := r.Location(slug)
	return t.In(loc).Format(ScheduleLayout) + " (" + loc.String() + ")"
}

// Duration is d in hours and minutes, rounded to the minute ("2 h 05 min",
// "7 min"), in language l.
func (r *Renderer) Duration(l store.Lang, d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	if m < 60 {
		return r.tr.T(l, "duration_m", "M", m)
	}
	return r.tr.T(l, "duration_hm", "H", m/60, "M", m%60)
}

// PublishedNotice tells the official who scheduled p that the clock
// published it: at its time, or late (the bot was not running then) and by
// how much.
func (r *Renderer) PublishedNotice(p store.Post, l store.Lang) string {
	if p.PublishAt == nil {
		return r.tr.T(l, "published_now_notice", "ID", p.ID, "Title", p.DisplayTitle(l))
	}
	at := r.ZonedTime(*p.PublishAt, p.City)
	if late, ok := p.Late(); ok {
		return r.tr.T(l, "published_late_notice", "ID", p.ID, "Title", p.DisplayTitle(l), "Time", at,
			"Now", r.ZonedTime(p.PublishedAt, p.City), "Late", r.Duration(l, late))
	}
	return r.tr.T(l, "published_on_time_notice", "ID", p.ID, "Title", p.DisplayTitle(l), "Time", at)
}
