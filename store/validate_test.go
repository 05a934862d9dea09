package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/data"
	"github.com/partnerbot/partnerbot/store"
)

var (
	day    = time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC)
	starts = day.Add(18 * time.Hour)
	ends   = starts.Add(2 * time.Hour)
)

func at(t time.Time) *time.Time { return &t }

func visit() store.Post {
	return store.Post{ID: 7, Kind: store.KindVisit, City: "lyon", Title: "Visit", Text: "Text", Lang: store.LangUK,
		Date: day, PublishedAt: day, UpdatedAt: day, Author: 42}
}

func event() store.Post {
	p := visit()
	p.Kind, p.StartsAt, p.EndsAt, p.Place = store.KindEvent, at(starts), at(ends), "Place Bellecour"
	return p
}

func TestPostValidateAccepts(t *testing.T) {
	tests := map[string]func(p *store.Post){
		"visit":                      func(p *store.Post) {},
		"agreement":                  func(p *store.Post) { p.Kind = store.KindAgreement },
		"announcement without title": func(p *store.Post) { p.Kind, p.Title = store.KindAnnouncement, "" },
		"announcement with title":    func(p *store.Post) { p.Kind = store.KindAnnouncement },
		"all cities":                 func(p *store.Post) { p.City = store.AllCities },
		"hyphenated city":            func(p *store.Post) { p.City = "bad-homburg-2" },
		"new post":                   func(p *store.Post) { p.ID = 0 },
		"no lang":                    func(p *store.Post) { p.Lang = "" },
		"dataset post":               func(p *store.Post) { p.Author = 0 },
		"draft without times":        func(p *store.Post) { p.Date, p.PublishedAt, p.UpdatedAt = time.Time{}, time.Time{}, time.Time{} },
		"old agreement":              func(p *store.Post) { p.Date = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC) },
		"limits exactly":             func(p *store.Post) { p.Title, p.Text = strings.Repeat("я", 200), strings.Repeat("я", 3000) },
		"multi-line text":            func(p *store.Post) { p.Text = "one\n\ntwo\tthree" },
		"translations": func(p *store.Post) {
			p.Translations = map[store.Lang]store.PostText{"en": {"T", "t"}, "de": {"T", "t"}}
		},
		"announcement translation":    func(p *store.Post) { *p = announcement("en", store.PostText{Text: "only text"}) },
		"event without end and place": func(p *store.Post) { *p = event(); p.EndsAt, p.Place = nil, "" },
		"event place at limit":        func(p *store.Post) { *p = event(); p.Place = strings.Repeat("p", 200) },
		"event":                       func(p *store.Post) { *p = event() },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			p := visit()
			change(&p)
			if err := p.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil for %+v", err, p)
			}
		})
	}
}

func announcement(l store.Lang, tr store.PostText) store.Post {
	p := visit()
	p.Kind, p.Title = store.KindAnnouncement, ""
	p.Translations = map[store.Lang]store.PostText{l: tr}
	return p
}

func TestPostValidateRefuses(t *testing.T) {
	long := func(n int) string { return strings.Repeat("ж", n) }
	tests := []struct {
		name    string
		change  func(p *store.Post)
		field   string
		problem string
		value   string
		limit   int
	}{
		{"negative id", func(p *store.Post) { p.ID = -1 }, "id", "invalid", "-1", 0},
		{"no kind", func(p *store.Post) { p.Kind = "" }, "kind", "required", "", 0},
		{"unknown kind", func(p *store.Post) { p.Kind = "gossip" }, "kind", "unknown_kind", "gossip", 0},
		{"no city", func(p *store.Post) { p.City = "" }, "city", "required", "", 0},
		{"city upper case", func(p *store.Post) { p.City = "Lyon" }, "city", "invalid", "Lyon", 0},
		{"city with space", func(p *store.Post) { p.City = "bad homburg" }, "city", "invalid", "bad homburg", 0},
		{"city double hyphen", func(p *store.Post) { p.City = "a--b" }, "city", "invalid", "a--b", 0},
		{"city too long", func(p *store.Post) { p.City = strings.Repeat("a", 33) }, "city", "too_long", "33", 32},
		{"unknown lang", func(p *store.Post) { p.Lang = "ua" }, "lang", "unknown_lang", "ua", 0},
		{"no title", func(p *store.Post) { p.Title = "" }, "title", "required", "", 0},
		{"blank title", func(p *store.Post) { p.Title = " \n " }, "title", "required", "", 0},
		{"event without title", func(p *store.Post) { *p = event(); p.Title = "" }, "title", "required", "", 0},
		{"title too long", func(p *store.Post) { p.Title = long(201) }, "title", "too_long", "201", 200},
		{"announcement title too long", func(p *store.Post) { p.Kind, p.Title = store.KindAnnouncement, long(201) }, "title", "too_long", "201", 200},
		{"broken UTF-8", func(p *store.Post) { p.Title = "a\xffb" }, "title", "invalid", "a\uFFFDb", 0},
		{"no text", func(p *store.Post) { p.Text = "" }, "text", "required", "", 0},
		{"announcement without text", func(p *store.Post) { p.Kind, p.Text = store.KindAnnouncement, "" }, "text", "required", "", 0},
		{"text too long", func(p *store.Post) { p.Text = long(3001) }, "text", "too_long", "3001", 3000},
		{"translation in unknown lang", func(p *store.Post) { p.Translations = map[store.Lang]store.PostText{"fr": {"T", "t"}} },
			"translations.fr", "unknown_lang", "fr", 0},
		{"translation in own lang", func(p *store.Post) { p.Translations = map[store.Lang]store.PostText{"uk": {"T", "t"}} },
			"translations.uk", "same_lang", "uk", 0},
		{"translation without title", func(p *store.Post) { p.Translations = map[store.Lang]store.PostText{"de": {Text: "t"}} },
			"translations.de.title", "required", "", 0},
		{"translation without text", func(p *store.Post) { *p = announcement("nl", store.PostText{Title: "T"}) },
			"translations.nl.text", "required", "", 0},
		{"translation title too long", func(p *store.Post) {
			p.Translations = map[store.Lang]store.PostText{"en": {"T", "t"}, "de": {long(201), "t"}}
		}, "translations.de.title", "too_long", "201", 200},
		{"translation text too long", func(p *store.Post) { p.Translations = map[store.Lang]store.PostText{"en": {"T", long(3001)}} },
			"translations.en.text", "too_long", "3001", 3000},
		{"first problem in language order", func(p *store.Post) {
			p.Translations = map[store.Lang]store.PostText{"nl": {}, "en": {}, "de": {}, "zz": {}}
		}, "translations.en.title", "required", "", 0},
		{"event without start", func(p *store.Post) { *p = event(); p.StartsAt = nil }, "starts_at", "required", "", 0},
		{"event with zero start", func(p *store.Post) { *p = event(); p.StartsAt = at(time.Time{}) }, "starts_at", "required", "", 0},
		{"event start year 3000", func(p *store.Post) { *p = event(); p.StartsAt = at(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)) },
			"starts_at", "out_of_range", "3000-01-01T00:00:00Z", 0},
		{"end before start", func(p *store.Post) { *p = event(); p.EndsAt = at(starts.Add(-time.Minute)) },
			"ends_at", "end_before_start", "2030-05-01T17:59:00Z", 0},
		{"end at start", func(p *store.Post) { *p = event(); p.EndsAt = at(starts) }, "ends_at", "end_before_start", "2030-05-01T18:00:00Z", 0},
		{"end year 1000", func(p *store.Post) { *p = event(); p.EndsAt = at(time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)) },
			"ends_at", "out_of_range", "1000-01-01T00:00:00Z", 0},
		{"place too long", func(p *store.Post) { *p = event(); p.Place = long(201) }, "place", "too_long", "201", 200},
		{"visit with start", func(p *store.Post) { p.StartsAt = at(starts) }, "starts_at", "event_only", "2030-05-01T18:00:00Z", 0},
		{"agreement with end", func(p *store.Post) { p.Kind, p.EndsAt = store.KindAgreement, at(ends) }, "ends_at", "event_only", "2030-05-01T20:00:00Z", 0},
		{"announcement with place", func(p *store.Post) { p.Kind, p.Place = store.KindAnnouncement, "Hall" }, "place", "event_only", "Hall", 0},
		{"date year 1899", func(p *store.Post) { p.Date = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC) },
			"date", "out_of_range", "1899-12-31T00:00:00Z", 0},
		{"published year 9999", func(p *store.Post) { p.PublishedAt = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) },
			"published_at", "out_of_range", "9999-01-01T00:00:00Z", 0},
		{"updated year 1", func(p *store.Post) { p.UpdatedAt = time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC) },
			"updated_at", "out_of_range", "0001-01-01T00:00:01Z", 0},
		{"negative author", func(p *store.Post) { p.Author = -5 }, "author", "invalid", "-5", 0},
		{"author beyond Telegram ids", func(p *store.Post) { p.Author = 1 << 52 }, "author", "invalid", "4503599627370496", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := visit()
			tc.change(&p)
			err := p.Validate()
			var fe *store.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v, want a *FieldError", err)
			}
			want := store.FieldError{Field: tc.field, Problem: tc.problem, Value: tc.value, Limit: tc.limit}
			if *fe != want {
				t.Errorf("Validate() = %+v, want %+v", *fe, want)
			}
			if msg := fe.Error(); !strings.HasPrefix(msg, tc.field+": ") {
				t.Errorf("Error() = %q, want it to start with the field", msg)
			}
		})
	}
}

func TestFieldErrorShortensValue(t *testing.T) {
	p := visit()
	p.Kind = store.Kind(strings.Repeat("x", 100))
	var fe *store.FieldError
	if !errors.As(p.Validate(), &fe) || len([]rune(fe.Value)) != 40 || !strings.HasSuffix(fe.Value, "…") {
		t.Errorf("Validate() = %+v, want the value shortened to 40 characters", fe)
	}
}

func TestValidateWithCities(t *testing.T) {
	known := func(slug string) bool { return slug == "lyon" }
	p := visit()
	if err := p.ValidateWithCities(known); err != nil {
		t.Errorf("ValidateWithCities(lyon) = %v", err)
	}
	p.City = store.AllCities
	if err := p.ValidateWithCities(known); err != nil {
		t.Errorf("ValidateWithCities(all) = %v", err)
	}
	p.City = "porto"
	var fe *store.FieldError
	if err := p.ValidateWithCities(known); !errors.As(err, &fe) || fe.Field != "city" || fe.Problem != store.ProblemUnknownCity || fe.Value != "porto" {
		t.Errorf("ValidateWithCities(porto) = %v, want city unknown_city", err)
	}
	p.Title = ""
	if err := p.ValidateWithCities(known); !errors.As(err, &fe) || fe.Field != "title" {
		t.Errorf("ValidateWithCities of a post without title = %v, want Validate's error first", err)
	}
}

// Every post of the shipped dataset must pass, or the loader could not
// call Validate, and a dump of a freshly seeded bot could not be imported.
func TestDatasetPostsAreValid(t *testing.T) {
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Posts) == 0 {
		t.Fatal("the dataset has no posts to check")
	}
	for _, p := range ds.Posts {
		if err := p.ValidateWithCities(func(slug string) bool { _, ok := ds.Partner(slug); return ok }); err != nil {
			t.Errorf("dataset post %q: %v", p.SeedKey, err)
		}
	}
}

func TestPlausibleTime(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want bool
	}{
		{time.Time{}, false},
		{time.Date(1899, 12, 31, 23, 59, 59, 0, time.UTC), false},
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2999, 12, 31, 23, 59, 59, 0, time.UTC), true},
		{time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		if got := store.PlausibleTime(tc.t); got != tc.want {
			t.Errorf("PlausibleTime(%v) = %t, want %t", tc.t, got, tc.want)
		}
	}
}
