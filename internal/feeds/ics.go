package feeds

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/store"
)

// DefaultEventDuration is the length given to an event that has no end time
// (or an end that is not after its start). RFC 5545 lets a VEVENT without
// DTEND last zero time, which calendar apps show as a hairline; two hours is
// a reasonable guess for a reception, concert or meeting, and
// writing DTEND explicitly keeps every client agreeing on it.
const DefaultEventDuration = 2 * time.Hour

// prodID identifies this generator (RFC 5545 §3.7.3). The trailing language
// is that of the PRODID text itself, not of the events.
const prodID = "-//partnerbot//partnerbot feeds//EN"

// maxLineOctets is the longest physical line RFC 5545 §3.1 allows, not
// counting the CRLF.
const maxLineOctets = 75

// icsTime is the UTC DATE-TIME form (RFC 5545 §3.3.5, form #2).
const icsTime = "20060102T150405Z"

// Calendar is what WriteICS renders: a subscribable calendar of events.
type Calendar struct {
	// Name is the calendar's display name (X-WR-CALNAME and NAME).
	Name string
	// Events are the posts to render; those with a nil StartsAt are
	// skipped, since an event without a start cannot be placed. Order is
	// kept.
	Events []store.Post
	// Cities resolves a post's city slug to a name for LOCATION and gives
	// the home time zone for X-WR-TIMEZONE; it may be nil.
	Cities *store.Dataset
	// Lang is the language of titles, texts and city names.
	Lang store.Lang
	// Host makes UIDs globally unique: post-<id>@<Host>, e.g.
	// "partnerbot.kropyvnytskyi". Required.
	Host string
	// Now is the DTSTAMP of every event. It is passed in rather than read
	// from the clock so the output is reproducible.
	Now time.Time
	// URL, when set, is the base of each event's URL property: the post id
	// is appended verbatim, so include the trailing "/" or query key you
	// need, e.g. "https://example.org/posts/" or
	// "https://t.me/partnerbot?start=post-".
	URL string
	// Turnouts, when set, are the events' sign-up counts by post id (with
	// the capacity): each event listed gains X-PARTNERBOT-GOING (and, with
	// a capacity, X-PARTNERBOT-CAPACITY and X-PARTNERBOT-WAITING), and,
	// once someone is going or places are limited, its DESCRIPTION a last
	// line "👥 12" or "👥 12/40" — numbers, which read the same in every
	// language.
	Turnouts map[int64]store.Turnout
}

// WriteICS writes cal as an iCalendar (RFC 5545) stream to w: one VEVENT per
// post that has a start time.
//
// All times are written in UTC ("...Z"). That is the simplest correct time
// zone handling: an instant in UTC needs no VTIMEZONE, which would otherwise
// have to reproduce the tz database's rules for each zone, and every client
// converts it to the viewer's zone. X-WR-TIMEZONE (the home city's zone) is
// only a display hint for clients that use one.
//
// Text is escaped per §3.3.11, lines end in CRLF and are folded at 75 octets
// without splitting a UTF-8 character (§3.1). The output is built in memory
// and written with a single Write, so w never receives half a calendar from
// WriteICS itself.
func WriteICS(w io.Writer, cal Calendar) error {
	if err := checkHost(cal.Host); err != nil {
		return err
	}
	var b bytes.Buffer
	line := func(name, value string) { writeFolded(&b, name+":"+value) }

	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", prodID)
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	if cal.Name != "" {
		// X-WR-CALNAME is what most clients read; NAME (RFC 7986) is the
		// standard spelling of the same thing.
		line("X-WR-CALNAME", escapeText(cal.Name))
		line("NAME", escapeText(cal.Name))
	}
	line("X-WR-TIMEZONE", calendarZone(cal.Cities))

	stamp := cal.Now.UTC().Format(icsTime)
	n := 0
	for _, p := range cal.Events {
		if p.StartsAt == nil {
			continue
		}
		n++
		start := p.StartsAt.UTC()
		end := start.Add(DefaultEventDuration)
		if p.EndsAt != nil && p.EndsAt.After(*p.StartsAt) {
			end = p.EndsAt.UTC()
		}
		t := p.In(cal.Lang)

		line("BEGIN", "VEVENT")
		line("UID", postKey(p)+"@"+cal.Host)
		line("DTSTAMP", stamp)
		if !p.UpdatedAt.IsZero() {
			line("LAST-MODIFIED", p.UpdatedAt.UTC().Format(icsTime))
		}
		line("DTSTART", start.Format(icsTime))
		line("DTEND", end.Format(icsTime))
		line("SUMMARY", escapeText(t.Title))
		turnout, counted := cal.Turnouts[p.ID]
		desc := t.Text
		if counted && (turnout.Going > 0 || turnout.Capacity > 0) {
			going := "👥 " + strconv.Itoa(turnout.Going)
			if turnout.Capacity > 0 {
				going += "/" + strconv.Itoa(turnout.Capacity)
			}
			desc = strings.TrimSpace(desc + "\n\n" + going)
		}
		if desc != "" {
			line("DESCRIPTION", escapeText(desc))
		}
		if counted {
			line("X-PARTNERBOT-GOING", strconv.Itoa(turnout.Going))
			if turnout.Capacity > 0 {
				line("X-PARTNERBOT-CAPACITY", strconv.Itoa(turnout.Capacity))
				line("X-PARTNERBOT-WAITING", strconv.Itoa(turnout.Waiting))
			}
		}
		if loc := location(p.Place, cityName(cal.Cities, p.City, cal.Lang)); loc != "" {
			line("LOCATION", escapeText(loc))
		}
		if p.Kind != "" {
			line("CATEGORIES", escapeText(string(p.Kind)))
		}
		if cal.URL != "" {
			// URL is of type URI, not TEXT: commas and semicolons are
			// literal there, so only unsafe characters are dropped.
			line("URL", cleanValue(cal.URL+itoa(p.ID)))
		}
		line("END", "VEVENT")
	}
	if n == 0 {
		// RFC 5545 §3.6 requires at least one component in a VCALENDAR.
		// An inert UTC time zone keeps an empty calendar valid for strict
		// parsers; nothing refers to it.
		writeUTCZone(line)
	}
	line("END", "VCALENDAR")

	_, err := w.Write(b.Bytes())
	return err
}

// calendarZone is the X-WR-TIMEZONE value: the home city's zone, or UTC
// when the dataset does not say.
func calendarZone(d *store.Dataset) string {
	if d != nil && d.Home.TimeZone != "" {
		return cleanValue(d.Home.TimeZone)
	}
	return "UTC"
}

func writeUTCZone(line func(name, value string)) {
	line("BEGIN", "VTIMEZONE")
	line("TZID", "UTC")
	line("BEGIN", "STANDARD")
	line("DTSTART", "19700101T000000")
	line("TZOFFSETFROM", "+0000")
	line("TZOFFSETTO", "+0000")
	line("TZNAME", "UTC")
	line("END", "STANDARD")
	line("END", "VTIMEZONE")
}

// escapeText turns s into an RFC 5545 TEXT value (§3.3.11): backslash,
// semicolon and comma are backslash-escaped and every line break becomes
// "\n". Other control characters are dropped because TEXT may not contain
// them (TSAFE-CHAR excludes CONTROL, HTAB aside), and invalid UTF-8 is
// replaced since iCalendar is UTF-8 and folding must find rune boundaries.
func escapeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	// A CRLF is one line break, not two.
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case ';':
			b.WriteString(`\;`)
		case ',':
			b.WriteString(`\,`)
		case '\n', '\r':
			b.WriteString(`\n`)
		case '\t':
			b.WriteRune(r)
		default:
			if r < 0x20 || r == 0x7f {
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanValue makes a non-TEXT value safe for a content line: valid UTF-8
// and no control characters, which could otherwise end the line early and
// inject properties.
func cleanValue(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// writeFolded writes one content line, folded so that no physical line
// exceeds 75 octets (§3.1): continuation lines start with a single space,
// which counts towards their 75. The cut is moved back to the start of a
// UTF-8 character because clients that decode each physical line would
// otherwise see broken characters. s must be valid UTF-8.
func writeFolded(b *bytes.Buffer, s string) {
	limit := maxLineOctets
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLineOctets - 1 // room for the leading space
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
