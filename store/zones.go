package store

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Each reader's own clock: a chat reads times and gets its digests in its
// own time zone. Subscriber.TimeZone holds an IANA name, or "" for the home
// city's zone (TIMEZONE), which is what records written before zones
// existed mean too.

// LoadZone loads the IANA zone name as a chat may choose it. "" and
// "Local" are refused: "Local" is the server's zone, which means nothing
// to a resident and differs between machines.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > 64 || !utf8.ValidString(name) {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

// Location is the zone the subscriber reads times in: its own, or home
// for a record without one (or with a name this machine no longer knows).
func (s Subscriber) Location(home *time.Location) *time.Location {
	if s.TimeZone != "" {
		if loc, err := LoadZone(s.TimeZone); err == nil {
			return loc
		}
	}
	return home
}

// countryLangs maps the countries whose national language the bot speaks
// to that language. Countries with several official languages of equal
// standing (Belgium, Switzerland, Luxembourg, Canada) are left out: their
// flag does not tell which one a resident speaks.
var countryLangs = map[string]Lang{
	"DE": LangDE, "AT": LangDE, "LI": LangDE,
	"NL": LangNL, "SR": LangNL,
	"UA": LangUK,
	"GB": LangEN, "IE": LangEN, "US": LangEN, "AU": LangEN, "NZ": LangEN,
}

// FlagCountry reads the ISO country code out of a flag emoji ("🇩🇪" →
// "DE"): two regional indicator symbols.
func FlagCountry(flag string) (string, bool) {
	const a = rune(0x1F1E6) // REGIONAL INDICATOR SYMBOL LETTER A
	r := []rune(strings.TrimSpace(flag))
	if len(r) != 2 {
		return "", false
	}
	code := make([]byte, 2)
	for i, c := range r {
		if c < a || c > a+25 {
			return "", false
		}
		code[i] = byte('A' + c - a)
	}
	return string(code), true
}

// Lang is the language of the city's country, as far as the bot speaks it
// and the dataset's flag tells it.
func (c City) Lang() (Lang, bool) {
	code, ok := FlagCountry(c.Flag)
	if !ok {
		return "", false
	}
	l, ok := countryLangs[code]
	return l, ok
}

// DefaultTimeZone is the zone a new chat starts with, from the language of
// its Telegram app: the zone of the first partner city whose country
// speaks that language (a German speaker reads Krefeld's time), else ""
// (the home city's zone) — also when the home country speaks it, since the
// home city is where most of its speakers live.
func DefaultTimeZone(d *Dataset, telegramLang Lang) string {
	if d == nil || telegramLang == "" {
		return ""
	}
	if l, ok := d.Home.Lang(); ok && l == telegramLang {
		return ""
	}
	for _, c := range d.Partners {
		if l, ok := c.Lang(); ok && l == telegramLang && c.TimeZone != "" {
			return c.TimeZone
		}
	}
	return ""
}

// Schedule is a parsed cron spec; robfig/cron's cron.Schedule is one.
type Schedule interface {
	Next(time.Time) time.Time
}

// fireLookback is how far LastFire looks back: far enough for a weekly
// spec (and a day more, for a clock change).
const fireLookback = 8 * 24 * time.Hour

// LastFire is the latest activation of sched at or before now, reading the
// spec's fields (09:00, Mondays) in loc: the slot a run at now belongs to
// in that zone. It is zero when there was none within the last eight days
// (a monthly spec between its days). A spec with its own CRON_TZ keeps it.
func LastFire(sched Schedule, now time.Time, loc *time.Location) time.Time {
	now = now.In(loc)
	var last time.Time
	for t := now.Add(-fireLookback); ; {
		n := sched.Next(t)
		if n.IsZero() || n.After(now) {
			return last
		}
		last, t = n, n
	}
}

// NextFire is the first activation of sched after t, read in loc.
func NextFire(sched Schedule, after time.Time, loc *time.Location) time.Time {
	return sched.Next(after.In(loc))
}

// DigestDay names the local day a digest of frequency f planned for slot
// belongs to in loc, e.g. "daily:2026-03-29". A chat gets at most one
// digest of a frequency per local day: its dedupe key and its record of
// the last day (DigestDue) are built from this.
func DigestDay(f Frequency, slot time.Time, loc *time.Location) string {
	return string(f) + ":" + slot.In(loc).Format(time.DateOnly)
}

// DigestDue reports whether a chat whose last digest was for day last
// (DigestDay, "" for none) may get one for day: not when it had one of the
// same frequency that day or a later one. Days of another frequency do not
// count (a chat that switches from daily to weekly on a Monday still gets
// its weekly digest). Dates compare as strings (YYYY-MM-DD); a later one
// can come from a zone change to a zone ahead of the old one.
func DigestDue(last, day string) bool {
	lf, ld, ok1 := strings.Cut(last, ":")
	df, dd, ok2 := strings.Cut(day, ":")
	if !ok1 || !ok2 || lf != df {
		return true
	}
	return ld < dd
}
