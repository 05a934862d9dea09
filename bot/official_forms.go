package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
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
	// An urgent announcement reaches residents even in their quiet hours.
	"urgent": {store.KindAnnouncement, []string{"city", "text"}},
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

func short(s string) string { return render.Truncate(strings.TrimSpace(s), 40) }

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
	p := store.Post{Kind: f.Kind, Author: author, PublishedAt: now, UpdatedAt: now, Date: now, Urgent: name == "urgent"}
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
			d, err := ParseDate(v, b.rd.Location(p.City))
			if err != nil {
				return p, err
			}
			p.Date = d
		case "start":
			t, err := ParseDateTime(v, b.rd.Location(p.City))
			if err != nil {
				return p, err
			}
			p.StartsAt, p.Date = &t, t
		case "place":
			p.Place = v
		case "title":
			p.Title = v
		case "text":
			p.Text = v
			if f.Kind == store.KindEvent {
				text, capacity, err := cutCapacity(v)
				if err != nil {
					return p, err
				}
				p.Text, p.Capacity = text, capacity
			}
		}
	}
	// What the official typed is now a post: the one set of post rules
	// (store.Post.Validate) decides, as for the dataset and import.
	return p, formError(p.ValidateWithCities(b.partner))
}

// partner reports whether slug is a partner city.
func (b *Bot) partner(slug string) bool {
	_, ok := b.data.Partner(slug)
	return ok
}

// formError turns a post rule's refusal into the form error shown to the
// official: the field by the name the form uses, the problem by the
// message key that explains it.
func formError(err error) error {
	var fe *store.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	field := map[string]string{"starts_at": "start", "ends_at": "end"}[fe.Field]
	if field == "" {
		field = fe.Field
	}
	problem := fe.Problem
	switch problem {
	case store.ProblemRequired:
		problem = "empty"
	case store.ProblemTooLong, store.ProblemEndBeforeStart, store.ProblemUnknownCity, store.ProblemOutOfRange,
		store.ProblemMultiline, store.ProblemControlChar, store.ProblemTooMany, store.ProblemNumber:
	default:
		problem = store.ProblemInvalid
	}
	return &FormError{Field: field, Problem: problem, Value: fe.Value, Limit: fe.Limit}
}

// citySlug resolves a partner name or "all".
func (b *Bot) citySlug(name string) (string, bool) {
	if strings.EqualFold(strings.TrimSpace(name), store.AllCities) {
		return store.AllCities, true
	}
	c, ok := b.data.FindPartner(name)
	return c.Slug, ok
}

// capacityKeyword starts the optional last field of /event: "| capacity
// 40". A keyword after a "|" cannot be mistaken for a place or a title,
// and a form without it reads as it always did.
const capacityKeyword = "capacity"

// cutCapacity takes an event's places off the end of its text: a last
// "|"-separated part "capacity <N>" (any case, in both forms of the
// command). A last part that starts with the keyword but holds no whole
// number from 1 to store.MaxCapacity is an error, so a typo never ends up
// in the text.
func cutCapacity(text string) (string, int, error) {
	i := strings.LastIndex(text, "|")
	if i < 0 {
		return text, 0, nil
	}
	last := strings.TrimSpace(text[i+1:])
	word, rest, _ := strings.Cut(last, " ")
	if !strings.EqualFold(word, capacityKeyword) {
		return text, 0, nil
	}
	n, err := ParseCapacity(rest)
	if err != nil {
		return text, 0, err
	}
	return strings.TrimRight(text[:i], " \t\r\n"), n, nil
}

// ParseCapacity reads an event's number of places: a whole number from 1
// to store.MaxCapacity.
func ParseCapacity(s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > store.MaxCapacity {
		return 0, &FormError{Field: "capacity", Problem: store.ProblemNumber, Value: short(s), Limit: store.MaxCapacity}
	}
	return n, nil
}
