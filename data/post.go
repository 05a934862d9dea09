package data

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/store"
)

// Layouts of the date and time fields.
const (
	DateLayout     = "2006-01-02"
	DateTimeLayout = "2006-01-02 15:04"
)

// maxKeyLen bounds a post's key, in characters.
const maxKeyLen = 100

var (
	dateRE     = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	dateTimeRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}$`)
)

// post converts a post and leaves the rules of posts to
// store.Post.ValidateWithCities. What is the loader's own: keys, and the
// file's date and time strings, read in the city's time zone.
func (p *parser) post(path string, rp *postJSON, ds *store.Dataset, keys map[string]string) (store.Post, error) {
	at := func(field string) string { return key(path, field) }
	out := store.Post{Kind: store.Kind(rp.Kind), City: rp.City, Lang: store.Lang(rp.Lang), Title: rp.Title,
		Text: rp.Text, Place: rp.Place, SeedKey: rp.Key}
	switch {
	case rp.Key == "":
		return out, p.fail(at("key"), `required: a unique name for the post that never changes, like "2025-10-visit-krefeld"`)
	case utf8.RuneCountInString(rp.Key) > maxKeyLen:
		return out, p.fail(at("key"), "too long: %d characters, at most %d", utf8.RuneCountInString(rp.Key), maxKeyLen)
	case strings.ContainsFunc(rp.Key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError }):
		return out, p.fail(at("key"), `invalid key %q; use letters, digits and hyphens without spaces, like "2025-10-visit-krefeld"`, rp.Key)
	case keys[rp.Key] != "":
		return out, p.fail(at("key"), "key %q is already used by %s; keys must be unique", rp.Key, keys[rp.Key])
	}
	keys[rp.Key] = path
	if out.Lang == "" {
		out.Lang = store.LangUK
	}
	// A city that is not a partner is refused below; until then the home
	// city's zone reads its times.
	loc := ds.Home.Location
	if c, ok := ds.Partner(rp.City); ok {
		loc = c.Location
	}
	if rp.Date == "" {
		return out, p.fail(at("date"), `required: the day of the visit or agreement, or the day it was published, like "2025-10-30"`)
	}
	var err error
	if out.Date, err = p.parseTime(at("date"), rp.Date, false, loc); err != nil {
		return out, err
	}
	out.PublishedAt, out.UpdatedAt = out.Date, out.Date
	if out.StartsAt, err = p.optionalTime(at("starts_at"), rp.StartsAt, loc); err != nil {
		return out, err
	}
	if out.EndsAt, err = p.optionalTime(at("ends_at"), rp.EndsAt, loc); err != nil {
		return out, err
	}
	langs, err := langKeys(p, at("translations"), rp.Translations)
	if err != nil {
		return out, err
	}
	for _, l := range langs {
		if out.Translations == nil {
			out.Translations = make(map[store.Lang]store.PostText)
		}
		out.Translations[store.Lang(l)] = store.PostText(rp.Translations[l])
	}
	err = out.ValidateWithCities(func(slug string) bool { _, ok := ds.Partner(slug); return ok })
	if fe := (*store.FieldError)(nil); errors.As(err, &fe) {
		return out, p.postErr(path, fe, rp, ds)
	} else if err != nil {
		return out, p.fail(path, "%v", err)
	}
	return out, nil
}

// postErr words a problem store.Post.Validate found for the person editing
// the file: the codes are store's, the hints the loader's.
func (p *parser) postErr(path string, fe *store.FieldError, rp *postJSON, ds *store.Dataset) error {
	field := fe.Field
	if field == "published_at" || field == "updated_at" {
		field = "date" // the loader sets both from date
	}
	cities := fmt.Sprintf(`a partner city's slug (%s) or "all"`, strings.Join(ds.PartnerSlugs(), ", "))
	var msg string
	switch {
	case fe.Problem == store.ProblemRequired:
		msg = map[string]string{
			"kind":      "required: one of " + list(store.Kinds()),
			"city":      "required: " + cities,
			"starts_at": `required for an event: when it starts, in the city's local time, like "2025-10-30 18:00"`,
		}[field]
		if msg == "" {
			msg = "must not be empty"
		}
	case field == "city" && rp.City == ds.Home.Slug:
		msg = fmt.Sprintf("%q is the home city; use %s", rp.City, cities)
	case field == "city":
		msg = fmt.Sprintf("unknown city %q; use %s", rp.City, cities) // Value is a length for too_long
	case fe.Problem == store.ProblemTooLong:
		msg = fmt.Sprintf("too long: %s characters, at most %d", fe.Value, fe.Limit)
	case fe.Problem == store.ProblemUnknownKind:
		msg = fmt.Sprintf("unknown kind %q; use one of %s", fe.Value, list(store.Kinds()))
	case fe.Problem == store.ProblemUnknownLang:
		msg = langMsg(fe.Value)
	case fe.Problem == store.ProblemSameLang:
		msg = fmt.Sprintf("the post itself is in %q (lang); a translation must be in another language", fe.Value)
	case fe.Problem == store.ProblemEventOnly:
		msg = fmt.Sprintf(`only events have %s; this post's kind is %q (leave %s out, or use kind "event")`,
			map[string]string{"starts_at": "a start time", "ends_at": "an end time", "place": "a place"}[field], rp.Kind, field)
	case fe.Problem == store.ProblemEndBeforeStart:
		msg = fmt.Sprintf("the event must end after it starts (starts_at is %s, ends_at is %s)", rp.StartsAt, rp.EndsAt)
	case fe.Problem == store.ProblemMultiline:
		msg = "must be one line, without line breaks"
	case fe.Problem == store.ProblemControlChar && fe.Value == "U+FFFD":
		msg = "contains the replacement character U+FFFD (a broken character or escape); remove it"
	case fe.Problem == store.ProblemControlChar:
		msg = fmt.Sprintf("contains the control character %s; remove it", fe.Value)
	case fe.Problem == store.ProblemOutOfRange:
		raw := map[string]string{"date": rp.Date, "starts_at": rp.StartsAt, "ends_at": rp.EndsAt}[field]
		msg = fmt.Sprintf("invalid date %q: the year must be between %d and %d", raw, store.MinYear, store.MaxYear)
	default: // a problem newer than this loader: store's own words
		msg = strings.TrimPrefix(fe.Error(), fe.Field+": ")
	}
	return p.fail(path+"."+field, "%s", msg)
}

// parseTime parses a date, or a date and time, in loc, refusing a local
// time that does not exist there (clocks moved forward).
func (p *parser) parseTime(path, s string, withTime bool, loc *time.Location) (time.Time, error) {
	layout, re, noun, form := DateLayout, dateRE, "date", `"YYYY-MM-DD", like "2025-10-30"`
	if withTime {
		layout, re, noun, form = DateTimeLayout, dateTimeRE, "date and time", `"YYYY-MM-DD HH:MM" (24-hour clock), like "2025-10-30 18:00"`
	}
	if !re.MatchString(s) {
		return time.Time{}, p.fail(path, "invalid %s %q; use the form %s", noun, s, form)
	}
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		msg := err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:] // "month out of range"
		}
		return time.Time{}, p.fail(path, "invalid %s %q: %s", noun, s, msg)
	}
	if withTime && t.Format(layout) != s {
		return time.Time{}, p.fail(path, "%q does not exist in the time zone %s (the clocks are put forward then)", s, loc)
	}
	return t, nil
}

func (p *parser) optionalTime(path, s string, loc *time.Location) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := p.parseTime(path, s, true, loc)
	return &t, err
}
