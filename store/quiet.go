package store

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// QuietHours are the hours of a chat's day in which announcements and
// reminders wait: from From up to (not including) To, minutes after local
// midnight. A window with From > To crosses midnight (22:00–08:00).
type QuietHours struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// ErrQuietHours is the error of quiet hours that cannot be read.
var ErrQuietHours = errors.New("quiet hours: want HH:MM-HH:MM, two different times")

// ParseQuietHours reads "22:00-08:00" (also with an en dash, spaces, or
// whole hours: "22-8").
func ParseQuietHours(s string) (QuietHours, error) {
	s = strings.NewReplacer("–", "-", "—", "-", " ", "").Replace(strings.TrimSpace(s))
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return QuietHours{}, ErrQuietHours
	}
	f, err1 := parseClock(from, quietClock)
	t, err2 := parseClock(to, quietClock)
	q := QuietHours{From: f, To: t}
	if err1 != nil || err2 != nil || !q.Valid() {
		return QuietHours{}, ErrQuietHours
	}
	return q, nil
}

// Valid reports whether both ends are times of day and differ (an empty
// window would hold nothing, a full one everything for good).
func (q QuietHours) Valid() bool {
	return q.From >= 0 && q.From < minutesPerDay && q.To >= 0 && q.To < minutesPerDay && q.From != q.To
}

// String is "22:00–08:00".
func (q QuietHours) String() string {
	return fmt.Sprintf("%02d:%02d–%02d:%02d", q.From/60, q.From%60, q.To/60, q.To%60)
}

// Contains reports whether the wall-clock minute m (after local midnight)
// is inside the window.
func (q QuietHours) Contains(m int) bool {
	if q.From < q.To {
		return m >= q.From && m < q.To
	}
	return m >= q.From || m < q.To
}

// Until reports whether t falls inside the quiet hours as read on the wall
// clock of loc, and when they end: the next To on that clock. Clock
// changes count as the clock shows them: 22:00–08:00 ends at 08:00 local
// on the night clocks go forward too (an hour less of absolute time). An
// end in the hour skipped that night ends when the clock jumps past it; an
// end in the hour that repeats is its first occurrence after t.
func (q QuietHours) Until(t time.Time, loc *time.Location) (time.Time, bool) {
	lt := t.In(loc)
	m := lt.Hour()*60 + lt.Minute()
	if !q.Valid() || !q.Contains(m) {
		return time.Time{}, false
	}
	day := lt
	if q.From > q.To && m >= q.From {
		day = lt.AddDate(0, 0, 1) // before midnight: it ends tomorrow
	}
	end := time.Date(day.Year(), day.Month(), day.Day(), q.To/60, q.To%60, 0, 0, loc)
	if got := wallMinute(end, loc); got != q.To {
		// To does not exist that day: the clock skips it. Quiet ends at
		// the jump, the bound of the zone time.Date picked.
		start, stop := end.ZoneBounds()
		if got > q.To {
			end = start
		} else {
			end = stop
		}
	} else {
		end = firstAfter(end, t, loc)
	}
	if !end.After(t) {
		return time.Time{}, false
	}
	return end, true
}

// wallMinute is t's minute after midnight on the clock of loc.
func wallMinute(t time.Time, loc *time.Location) int {
	lt := t.In(loc)
	return lt.Hour()*60 + lt.Minute()
}

// firstAfter is the first instant after t that shows end's wall-clock
// time in loc: end itself, or, when the clock goes back around end so
// that its time shows twice, whichever of the two comes first after t
// (time.Date picks one of them).
func firstAfter(end, t time.Time, loc *time.Location) time.Time {
	_, off := end.Zone()
	cands := []time.Time{end}
	start, stop := end.ZoneBounds()
	if !start.IsZero() {
		_, prev := start.Add(-time.Second).Zone()
		cands = append(cands, end.Add(time.Duration(off-prev)*time.Second))
	}
	if !stop.IsZero() {
		_, next := stop.Zone()
		cands = append(cands, end.Add(time.Duration(off-next)*time.Second))
	}
	best := end
	for _, c := range cands {
		if c.After(t) && wallMinute(c, loc) == wallMinute(end, loc) && (!best.After(t) || c.Before(best)) {
			best = c
		}
	}
	return best
}

// HeldUntil is when a message pushed to the chat at now (an announcement
// or a reminder) may arrive: the end of its quiet hours when now falls
// inside them, read in loc, the chat's zone (Subscriber.Location); zero
// when it may go at once. Urgent announcements are never held, and digests
// do not ask: they come at the hour the chat's zone gives them.
func (s Subscriber) HeldUntil(now time.Time, loc *time.Location, urgent bool) time.Time {
	if urgent || s.Quiet == nil {
		return time.Time{}
	}
	end, quiet := s.Quiet.Until(now, loc)
	if !quiet {
		return time.Time{}
	}
	return end
}
