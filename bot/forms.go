package bot

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/store"
)

// Limits on what an official may publish. A post must fit in one Telegram
// message together with its heading, so the text stays well under 4096.
const (
	MaxTitleLen = 200
	MaxTextLen  = 3000
	MaxPlaceLen = 200
)

// Date and time layouts officials type.
const (
	InputDate     = "2006-01-02"
	InputDateTime = "2006-01-02 15:04"
)

// FormError says which field of an official's input is wrong and why. The
// handler turns it into a localized message with the expected form.
type FormError struct {
	Field string // city, date, start, end, place, title, text, fields
	// Problem is a locale key suffix: form_problem_<Problem>.
	Problem string
	// Value is what the official typed, shortened, for the message.
	Value string
	// Limit is set for too_long problems.
	Limit int
}

func (e *FormError) Error() string {
	return fmt.Sprintf("field %s: %s (%q)", e.Field, e.Problem, e.Value)
}

// Form is the shape of one one-line command.
type Form struct {
	Kind   store.Kind
	Fields []string // names, in order; the last one takes the rest
}

// forms are the one-line publishing commands, by command name.
var forms = map[string]Form{
	"visit":     {store.KindVisit, []string{"city", "date", "title", "text"}},
	"agreement": {store.KindAgreement, []string{"city", "date", "title", "text"}},
	"event":     {store.KindEvent, []string{"city", "start", "place", "title", "text"}},
	"announce":  {store.KindAnnouncement, []string{"city", "text"}},
}

// SplitForm cuts a form's arguments into n fields: separated by "|", or one
// per line. The first line decides which: a form written one field per
// line has no "|" before its first line break. The last field takes
// everything left, so a text keeps its line breaks and may itself contain
// "|" in either form.
func SplitForm(args string, n int) ([]string, error) {
	var parts []string
	first, _, _ := strings.Cut(args, "\n")
	if strings.Contains(first, "|") {
		parts = strings.SplitN(args, "|", n)
	} else {
		parts = strings.SplitN(args, "\n", n)
	}
	for i := range parts {
		if i < len(parts)-1 {
			parts[i] = strings.TrimSpace(parts[i])
		} else {
			parts[i] = strings.Trim(parts[i], " \t\r\n")
		}
	}
	if len(parts) != n {
		return parts, &FormError{Field: "fields", Problem: "count", Value: fmt.Sprint(len(parts))}
	}
	for i, p := range parts {
		if p == "" {
			return parts, &FormError{Field: "", Problem: "empty", Value: fmt.Sprint(i)}
		}
	}
	return parts, nil
}

// ParseDate reads YYYY-MM-DD as midnight in loc.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(InputDate, strings.TrimSpace(s), loc)
	if err != nil {
		return time.Time{}, &FormError{Field: "date", Problem: "date", Value: short(s)}
	}
	return t, nil
}

// ParseDateTime reads "YYYY-MM-DD HH:MM" as a wall-clock time in loc. A time
// that does not exist there (the hour skipped when clocks go forward) is an
// error; a time that exists twice (when clocks go back) is the earlier one,
// so an event is never announced an hour late.
func ParseDateTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	t, err := time.ParseInLocation(InputDateTime, s, loc)
	if err != nil {
		return time.Time{}, &FormError{Field: "start", Problem: "datetime", Value: short(s)}
	}
	// ParseInLocation normalizes a skipped wall time to another one.
	want, _ := time.Parse(InputDateTime, s)
	if t.Hour() != want.Hour() || t.Minute() != want.Minute() || t.Day() != want.Day() {
		return time.Time{}, &FormError{Field: "start", Problem: "nonexistent", Value: short(s)}
	}
	if earlier := t.Add(-time.Hour); earlier.Format(InputDateTime) == s {
		return earlier, nil
	}
	return t, nil
}

// renameField makes a date error name the field it was typed for: the
// date parsers cannot know whether they read a start or an end.
func renameField(err error, field string) error {
	if fe, ok := asFormError(err); ok {
		c := *fe
		c.Field = field
		return &c
	}
	return err
}

// checkLen refuses a field longer than limit characters.
func checkLen(field, s string, limit int) error {
	if n := utf8.RuneCountInString(s); n > limit {
		return &FormError{Field: field, Problem: "too_long", Value: fmt.Sprint(n), Limit: limit}
	}
	return nil
}

func short(s string) string { return truncate(strings.TrimSpace(s), 40) }

// asFormError extracts a FormError.
func asFormError(err error) (*FormError, bool) {
	var fe *FormError
	ok := errors.As(err, &fe)
	return fe, ok
}

// parseForm turns a one-line command into a post, or the first error found;
// nothing is saved from a malformed form.
func (b *Bot) parseForm(name, args string, author int64, now time.Time) (store.Post, error) {
	f, ok := forms[name]
	if !ok {
		return store.Post{}, fmt.Errorf("no form %q", name)
	}
	parts, err := SplitForm(args, len(f.Fields))
	if fe, ok := asFormError(err); ok {
		if fe.Problem == "empty" {
			var i int
			fmt.Sscan(fe.Value, &i)
			fe.Field, fe.Value = f.Fields[i], ""
		}
		return store.Post{}, fe
	}
	p := store.Post{Kind: f.Kind, Author: author, PublishedAt: now, UpdatedAt: now, Date: now}
	for i, field := range f.Fields {
		v := parts[i]
		switch field {
		case "city":
			slug, ok := b.citySlug(v)
			if !ok {
				return p, &FormError{Field: "city", Problem: "unknown_city", Value: short(v)}
			}
			p.City = slug
		case "date":
			d, err := ParseDate(v, b.location(p.City))
			if err != nil {
				return p, err
			}
			p.Date = d
		case "start":
			t, err := ParseDateTime(v, b.location(p.City))
			if err != nil {
				return p, err
			}
			p.StartsAt, p.Date = &t, t
		case "place":
			if err := checkLen("place", v, MaxPlaceLen); err != nil {
				return p, err
			}
			p.Place = v
		case "title":
			if err := checkLen("title", v, MaxTitleLen); err != nil {
				return p, err
			}
			p.Title = v
		case "text":
			if err := checkLen("text", v, MaxTextLen); err != nil {
				return p, err
			}
			p.Text = v
		}
	}
	return p, nil
}

// citySlug resolves a partner name or "all".
func (b *Bot) citySlug(name string) (string, bool) {
	if strings.EqualFold(strings.TrimSpace(name), store.AllCities) {
		return store.AllCities, true
	}
	c, ok := b.data.FindPartner(name)
	return c.Slug, ok
}
