package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// OfficeHours are when the partnership office answers (OFFICE_HOURS), in
// the home city's time zone: e.g. "Mon-Fri 09:00-17:00", or several ranges
// separated by commas or semicolons, "Mon-Thu 09:00-17:00, Fri 09:00-14:00".
// The zero value is always open.
type OfficeHours struct {
	spans []hoursSpan
	loc   *time.Location
	raw   string
}

// hoursSpan is one day's opening: from and to in minutes after midnight.
type hoursSpan struct {
	day      time.Weekday
	from, to int
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseOfficeHours reads OFFICE_HOURS in loc. Empty means always open.
// Days are English three-letter names (any case), one or a range
// (Fri-Mon wraps around the week); times are HH:MM from 00:00 to 24:00,
// the closing after the opening.
func ParseOfficeHours(s string, loc *time.Location) (OfficeHours, error) {
	if loc == nil {
		loc = time.UTC
	}
	h := OfficeHours{loc: loc, raw: strings.Join(strings.Fields(s), " ")}
	if strings.TrimSpace(s) == "" {
		return h, nil
	}
	for part := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ';' }) {
		fields := strings.Fields(part)
		if len(fields) != 2 {
			return OfficeHours{}, fmt.Errorf("%q is not days and hours, like Mon-Fri 09:00-17:00", strings.TrimSpace(part))
		}
		days, err := parseDays(fields[0])
		if err != nil {
			return OfficeHours{}, err
		}
		from, to, err := parseTimeRange(fields[1])
		if err != nil {
			return OfficeHours{}, err
		}
		for _, d := range days {
			h.spans = append(h.spans, hoursSpan{day: d, from: from, to: to})
		}
	}
	if len(h.spans) == 0 {
		return OfficeHours{}, fmt.Errorf("%q names no days and hours, like Mon-Fri 09:00-17:00", s)
	}
	return h, nil
}

func parseDays(s string) ([]time.Weekday, error) {
	first, last, isRange := strings.Cut(strings.ToLower(s), "-")
	a, ok := weekdays[first]
	if !ok {
		return nil, fmt.Errorf("%q is not a day: use Mon, Tue, Wed, Thu, Fri, Sat or Sun", first)
	}
	if !isRange {
		return []time.Weekday{a}, nil
	}
	b, ok := weekdays[last]
	if !ok {
		return nil, fmt.Errorf("%q is not a day: use Mon, Tue, Wed, Thu, Fri, Sat or Sun", last)
	}
	days := []time.Weekday{a}
	for d := a; d != b; {
		d = (d + 1) % 7
		days = append(days, d)
	}
	return days, nil
}

func parseTimeRange(s string) (from, to int, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not a time range like 09:00-17:00", s)
	}
	if from, err = parseClock(a, officeClock); err != nil {
		return 0, 0, err
	}
	if to, err = parseClock(b, officeClock); err != nil {
		return 0, 0, err
	}
	if to <= from {
		return 0, 0, fmt.Errorf("%q closes before it opens", s)
	}
	return from, to, nil
}

// String is the hours as configured, spaces tidied.
func (h OfficeHours) String() string { return h.raw }

// Always reports whether the office is always open (no hours set).
func (h OfficeHours) Always() bool { return len(h.spans) == 0 }

// Location is the zone the hours are in.
func (h OfficeHours) Location() *time.Location {
	if h.loc == nil {
		return time.UTC
	}
	return h.loc
}

// OpenAt reports whether the office is open at t.
func (h OfficeHours) OpenAt(t time.Time) bool {
	if h.Always() {
		return true
	}
	lt := t.In(h.Location())
	min := lt.Hour()*60 + lt.Minute()
	for _, s := range h.spans {
		if s.day == lt.Weekday() && s.from <= min && min < s.to {
			return true
		}
	}
	return false
}

// NextOpen returns when the office opens next after t: t itself when it is
// open at t. Opening hours that a clock change skips open when the clock
// reaches them.
func (h OfficeHours) NextOpen(t time.Time) time.Time {
	if h.OpenAt(t) {
		return t
	}
	loc := h.Location()
	lt := t.In(loc)
	var best time.Time
	for i := range 8 {
		day := time.Date(lt.Year(), lt.Month(), lt.Day()+i, 0, 0, 0, 0, loc)
		for _, s := range h.spans {
			if s.day != day.Weekday() {
				continue
			}
			at := time.Date(day.Year(), day.Month(), day.Day(), s.from/60, s.from%60, 0, 0, loc)
			if at.After(t) && (best.IsZero() || at.Before(best)) {
				best = at
			}
		}
		if !best.IsZero() {
			return best
		}
	}
	return t // unreachable with at least one span: every weekday recurs within 8 days
}

// ContactRate is how many messages a resident may send the office in a
// period (CONTACT_RATE, e.g. "20/h").
type ContactRate struct {
	N   int
	Per time.Duration
}

// DefaultContactRate is 20 messages an hour.
func DefaultContactRate() ContactRate { return ContactRate{N: 20, Per: time.Hour} }

// MaxContactRate bounds N: a resident's counted messages are kept in their
// conversation's record.
const MaxContactRate = 1000

// ParseContactRate reads N/period: the period is a unit, m (minute), h
// (hour) or d (day), or a duration such as 30m or 2h, from a minute to a
// week; N is from 1 to MaxContactRate.
func ParseContactRate(s string) (ContactRate, error) {
	n, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || count < 1 || count > MaxContactRate {
		return ContactRate{}, fmt.Errorf("%q is not messages per period like 20/h (1 to %d messages)", s, MaxContactRate)
	}
	var d time.Duration
	switch p := strings.TrimSpace(per); p {
	case "m", "min":
		d = time.Minute
	case "h":
		d = time.Hour
	case "d":
		d = 24 * time.Hour
	default:
		if d, err = time.ParseDuration(p); err != nil {
			return ContactRate{}, fmt.Errorf("%q: the period %q is not m, h, d or a duration like 30m", s, p)
		}
	}
	if d < time.Minute || d > 7*24*time.Hour {
		return ContactRate{}, fmt.Errorf("%q: the period must be from a minute to a week", s)
	}
	return ContactRate{N: count, Per: d}, nil
}

// String is the rate as CONTACT_RATE writes it.
func (r ContactRate) String() string {
	switch r.Per {
	case time.Minute:
		return strconv.Itoa(r.N) + "/m"
	case time.Hour:
		return strconv.Itoa(r.N) + "/h"
	case 24 * time.Hour:
		return strconv.Itoa(r.N) + "/d"
	}
	return strconv.Itoa(r.N) + "/" + r.Per.String()
}
