package store

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on what a post may hold, counted in characters (runes). A post must
// fit in one Telegram message (4096) together with its heading.
const (
	MaxTitleLen = 200
	MaxTextLen  = 3000
	MaxPlaceLen = 200
	// MaxSlugLen bounds a city slug, as the dataset does.
	MaxSlugLen = 32
)

// MaxTelegramID bounds user and chat ids in absolute value: Telegram
// documents them as having at most 52 significant bits.
const MaxTelegramID = 1<<52 - 1

// The years a stored time may fall in. The dataset's posts go back to the
// first partnerships of the 20th century; anything beyond is a typo or a
// corrupted record, and would overflow the backends' millisecond scores
// long before time.Time itself overflows.
const (
	MinYear = 1900
	MaxYear = 2999
)

// PlausibleTime reports whether t lies within MinYear..MaxYear. The zero
// time does not; callers decide where "unset" is allowed.
func PlausibleTime(t time.Time) bool {
	y := t.Year()
	return MinYear <= y && y <= MaxYear
}

// Problems a FieldError reports. They are stable codes, so callers can map
// them to their own (localized) messages.
const (
	ProblemRequired       = "required"
	ProblemTooLong        = "too_long"
	ProblemInvalid        = "invalid"
	ProblemUnknownKind    = "unknown_kind"
	ProblemUnknownLang    = "unknown_lang"
	ProblemUnknownCity    = "unknown_city"
	ProblemSameLang       = "same_lang"        // a translation in the post's own language
	ProblemEventOnly      = "event_only"       // starts_at, ends_at or place on a non-event
	ProblemEndBeforeStart = "end_before_start" // ends_at not after starts_at
	ProblemOutOfRange     = "out_of_range"     // a time outside MinYear..MaxYear
	ProblemMultiline      = "multiline"        // a line break where one line is shown
	ProblemTooMany        = "too_many"         // more photos than MaxPhotos
	ProblemControlChar    = "control_char"     // an invisible or broken character; Value names it
	ProblemNumber         = "number"           // not a whole number from 1 to Limit (an event's capacity)
)

// FieldError is one field of a post that the bot refuses. Each caller (the
// dataset loader, the officials' forms and wizard, import) renders its own
// message from it.
type FieldError struct {
	// Field is the field's JSON name: "title", "starts_at",
	// "translations.de.title".
	Field string
	// Problem is one of the Problem constants.
	Problem string
	// Value is what the field holds, shortened; for too_long, its length
	// in characters.
	Value string
	// Limit is the maximum length, for too_long.
	Limit int
}

func (e *FieldError) Error() string {
	switch e.Problem {
	case ProblemRequired:
		return e.Field + ": required"
	case ProblemTooLong:
		return fmt.Sprintf("%s: too long: %s characters, at most %d", e.Field, e.Value, e.Limit)
	case ProblemOutOfRange:
		return fmt.Sprintf("%s: %s is not between the years %d and %d", e.Field, e.Value, MinYear, MaxYear)
	case ProblemEndBeforeStart:
		return fmt.Sprintf("%s: %s is not after starts_at", e.Field, e.Value)
	case ProblemEventOnly:
		return fmt.Sprintf("%s: only events have one (%q)", e.Field, e.Value)
	case ProblemNumber:
		return fmt.Sprintf("%s: %s is not a whole number from 1 to %d", e.Field, e.Value, e.Limit)
	case ProblemSameLang:
		return fmt.Sprintf("%s: a translation into the post's own language %q", e.Field, e.Value)
	}
	return fmt.Sprintf("%s: %s %q", e.Field, strings.ReplaceAll(e.Problem, "_", " "), e.Value)
}

// slugRE is the dataset's slug syntax: lowercase words joined by single
// hyphens.
var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidSlug reports whether s is a city slug: lowercase latin letters and
// digits in words joined by single hyphens, at most MaxSlugLen long.
func ValidSlug(s string) bool { return len(s) <= MaxSlugLen && slugRE.MatchString(s) }

// Validate checks p on its own and returns the first problem found as a
// *FieldError. Whether p.City is one of the dataset's cities is beyond
// it; see ValidateWithCities. Unset times (a draft has no PublishedAt yet)
// and ID 0 (not stored yet) are allowed.
func (p Post) Validate() error {
	if p.ID < 0 {
		return &FieldError{Field: "id", Problem: ProblemInvalid, Value: fmt.Sprint(p.ID)}
	}
	switch {
	case p.Kind == "":
		return &FieldError{Field: "kind", Problem: ProblemRequired}
	case !p.Kind.Valid():
		return &FieldError{Field: "kind", Problem: ProblemUnknownKind, Value: short(string(p.Kind))}
	}
	switch n := utf8.RuneCountInString(p.City); {
	case p.City == "":
		return &FieldError{Field: "city", Problem: ProblemRequired}
	case n > MaxSlugLen:
		return &FieldError{Field: "city", Problem: ProblemTooLong, Value: fmt.Sprint(n), Limit: MaxSlugLen}
	case !slugRE.MatchString(p.City):
		return &FieldError{Field: "city", Problem: ProblemInvalid, Value: short(p.City)}
	}
	if p.Lang != "" && !slices.Contains(Langs(), p.Lang) {
		return &FieldError{Field: "lang", Problem: ProblemUnknownLang, Value: short(string(p.Lang))}
	}
	if err := p.checkTexts("", PostText{Title: p.Title, Text: p.Text}); err != nil {
		return err
	}
	for _, l := range sortedLangs(p.Translations) {
		path := "translations." + string(l)
		switch {
		case !slices.Contains(Langs(), l):
			return &FieldError{Field: path, Problem: ProblemUnknownLang, Value: short(string(l))}
		case l == p.Lang:
			return &FieldError{Field: path, Problem: ProblemSameLang, Value: string(l)}
		}
		if err := p.checkTexts(path+".", p.Translations[l]); err != nil {
			return err
		}
	}
	if err := p.checkEvent(); err != nil {
		return err
	}
	if err := p.checkPhotos(); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"date", p.Date}, {"published_at", p.PublishedAt}, {"updated_at", p.UpdatedAt}} {
		if err := checkTime(f.name, f.t); err != nil {
			return err
		}
	}
	if p.Author < 0 || p.Author > MaxTelegramID {
		return &FieldError{Field: "author", Problem: ProblemInvalid, Value: fmt.Sprint(p.Author)}
	}
	return p.checkWorkflow()
}

// checkWorkflow checks where the post stands: a known status, a plausible
// time (which a scheduled post must have), officials' ids, a reason that
// fits.
func (p Post) checkWorkflow() error {
	if !p.Status.Valid() {
		return &FieldError{Field: "status", Problem: ProblemInvalid, Value: short(string(p.Status))}
	}
	switch {
	case p.PublishAt != nil && !PlausibleTime(*p.PublishAt):
		return &FieldError{Field: "publish_at", Problem: ProblemOutOfRange, Value: p.PublishAt.Format(time.RFC3339)}
	case p.State() == StatusScheduled && p.PublishAt == nil:
		return &FieldError{Field: "publish_at", Problem: ProblemRequired}
	case p.Revision < 0:
		return &FieldError{Field: "revision", Problem: ProblemInvalid, Value: fmt.Sprint(p.Revision)}
	}
	for _, f := range []struct {
		name string
		id   int64
	}{{"scheduled_by", p.ScheduledBy}, {"reviewer", p.Reviewer}} {
		if f.id < 0 || f.id > MaxTelegramID {
			return &FieldError{Field: f.name, Problem: ProblemInvalid, Value: fmt.Sprint(f.id)}
		}
	}
	return checkString("reason", p.Reason, MaxReasonLen, false, multiline)
}

// checkTime refuses a time outside MinYear..MaxYear. The zero time is
// unset and passes: a draft has no PublishedAt yet.
func checkTime(field string, t time.Time) error {
	if !t.IsZero() && !PlausibleTime(t) {
		return &FieldError{Field: field, Problem: ProblemOutOfRange, Value: t.Format(time.RFC3339)}
	}
	return nil
}

// ValidateWithCities checks p like Validate, then that its city is
// AllCities or one known reports as a city posts may be about (the
// dataset's partners). The problem is unknown_city.
func (p Post) ValidateWithCities(known func(slug string) bool) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.City != AllCities && !known(p.City) {
		return &FieldError{Field: "city", Problem: ProblemUnknownCity, Value: short(p.City)}
	}
	return nil
}

// checkTexts checks a title and text; prefix is "" for the post itself or
// "translations.de." for a translation. Announcements are often a single
// message without a headline (/announce takes only a text), so only they
// may lack a title.
func (p Post) checkTexts(prefix string, t PostText) error {
	if err := checkString(prefix+"title", t.Title, MaxTitleLen, p.Kind != KindAnnouncement); err != nil {
		return err
	}
	return checkString(prefix+"text", t.Text, MaxTextLen, true, multiline)
}

// checkEvent checks the fields only events have: a start, an optional end
// after it, an optional place.
func (p Post) checkEvent() error {
	if p.Kind != KindEvent {
		switch {
		case p.StartsAt != nil:
			return &FieldError{Field: "starts_at", Problem: ProblemEventOnly, Value: p.StartsAt.Format(time.RFC3339)}
		case p.EndsAt != nil:
			return &FieldError{Field: "ends_at", Problem: ProblemEventOnly, Value: p.EndsAt.Format(time.RFC3339)}
		case p.Place != "":
			return &FieldError{Field: "place", Problem: ProblemEventOnly, Value: short(p.Place)}
		case p.Capacity != 0:
			return &FieldError{Field: "capacity", Problem: ProblemEventOnly, Value: fmt.Sprint(p.Capacity)}
		}
		return nil
	}
	if p.Capacity < 0 || p.Capacity > MaxCapacity {
		return &FieldError{Field: "capacity", Problem: ProblemNumber, Value: fmt.Sprint(p.Capacity), Limit: MaxCapacity}
	}
	switch {
	case p.StartsAt == nil || p.StartsAt.IsZero():
		return &FieldError{Field: "starts_at", Problem: ProblemRequired}
	case !PlausibleTime(*p.StartsAt):
		return &FieldError{Field: "starts_at", Problem: ProblemOutOfRange, Value: p.StartsAt.Format(time.RFC3339)}
	}
	if p.EndsAt != nil {
		switch {
		case !PlausibleTime(*p.EndsAt):
			return &FieldError{Field: "ends_at", Problem: ProblemOutOfRange, Value: p.EndsAt.Format(time.RFC3339)}
		case !p.EndsAt.After(*p.StartsAt):
			return &FieldError{Field: "ends_at", Problem: ProblemEndBeforeStart, Value: p.EndsAt.Format(time.RFC3339)}
		}
	}
	return checkString("place", p.Place, MaxPlaceLen, false)
}

// multiline marks a field whose line breaks (and tabs) are kept: a text.
// Titles and places are shown on one line.
const multiline = true

// checkPhotos allows what Telegram sends as one album, each photo named by
// a file id.
func (p Post) checkPhotos() error {
	if n := len(p.Photos); n > MaxPhotos {
		return &FieldError{Field: "photos", Problem: ProblemTooMany, Value: fmt.Sprint(n), Limit: MaxPhotos}
	}
	for i, ph := range p.Photos {
		if ph.FileID == "" || len(ph.FileID) > 256 {
			return &FieldError{Field: fmt.Sprintf("photos[%d].file_id", i), Problem: ProblemInvalid, Value: short(ph.FileID)}
		}
	}
	return nil
}

// checkString refuses broken UTF-8, a blank required value, one longer
// than limit characters, a line break in a one-line field and characters
// that are invisible or broken. Blank counts as missing: residents would
// see an empty headline.
func checkString(field, s string, limit int, required bool, lines ...bool) error {
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		return &FieldError{Field: field, Problem: ProblemInvalid, Value: short(strings.ToValidUTF8(s, "\uFFFD"))}
	case required && strings.TrimSpace(s) == "":
		return &FieldError{Field: field, Problem: ProblemRequired}
	case n > limit:
		return &FieldError{Field: field, Problem: ProblemTooLong, Value: fmt.Sprint(n), Limit: limit}
	}
	keepLines := len(lines) > 0 && lines[0]
	for _, r := range s {
		switch {
		case keepLines && (r == '\n' || r == '\t'):
		case r == '\n':
			return &FieldError{Field: field, Problem: ProblemMultiline}
		case unicode.IsControl(r) || r == utf8.RuneError:
			return &FieldError{Field: field, Problem: ProblemControlChar, Value: fmt.Sprintf("%U", r)}
		}
	}
	return nil
}

// sortedLangs returns m's keys, supported languages in their order first,
// so the first problem reported does not depend on map order.
func sortedLangs(m map[Lang]PostText) []Lang {
	keys := make([]Lang, 0, len(m))
	for l := range m {
		keys = append(keys, l)
	}
	rank := func(l Lang) int {
		if i := slices.Index(Langs(), l); i >= 0 {
			return i
		}
		return len(Langs())
	}
	slices.SortFunc(keys, func(a, b Lang) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return strings.Compare(string(a), string(b))
	})
	return keys
}

// short shortens a value for an error message.
func short(s string) string {
	const limit = 40
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return string([]rune(s)[:limit-1]) + "…"
}
