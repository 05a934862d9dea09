package data

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/store"
)

// TestPostErrors checks how each problem store.Post.Validate reports, and
// each the loader finds itself, reads in the file's terms: the post's path,
// the line and column, and a hint. base's posts[0] is a visit to krefeld,
// posts[1] an event for all.
func TestPostErrors(t *testing.T) {
	tests := []struct{ name, old, new, want string }{
		// The loader's own: keys and the file's date strings.
		{"key missing", `"key": "v1",`, ``,
			`posts[0].key: required: a unique name for the post that never changes, like "2025-10-visit-krefeld" (line 21, column 5)`},
		{"key too long", `"key": "v1"`, `"key": "` + strings.Repeat("k", 101) + `"`,
			`posts[0].key: too long: 101 characters, at most 100 (line 22, column 14)`},
		{"key tab", `"key": "v1"`, `"key": "v\t1"`,
			`posts[0].key: invalid key "v\t1"; use letters, digits and hyphens without spaces, like "2025-10-visit-krefeld" (line 22, column 14)`},
		{"date missing", `"date": "2025-10-30",`, ``,
			`posts[0].date: required: the day of the visit or agreement, or the day it was published, like "2025-10-30" (line 21, column 5)`},
		{"date in the clock change", `"2025-11-01 18:00"`, `"2025-03-30 03:00"`,
			`posts[1].starts_at: "2025-03-30 03:00" does not exist in the time zone Europe/Kyiv (the clocks are put forward then) (line 38, column 20)`},
		{"date in the partner's zone", `"kind": "visit",`, `"kind": "event", "starts_at": "2025-03-30 02:30",`,
			`posts[0].starts_at: "2025-03-30 02:30" does not exist in the time zone Europe/Berlin (the clocks are put forward then) (line 23, column 37)`},
		{"end format", `"2025-11-01 20:00"`, `"2025-11-01 8:00"`,
			`posts[1].ends_at: invalid date and time "2025-11-01 8:00"; use the form "YYYY-MM-DD HH:MM" (24-hour clock), like "2025-10-30 18:00" (line 39, column 18)`},
		{"translation language", `{"en": {"title"`, `{"ua": {"title"`,
			`posts[0].translations.ua: unknown language "ua" (Ukrainian is "uk"); use one of uk, en, de, nl (line 28, column 30)`},

		// store.Post.Validate's problems, in the loader's words.
		{"kind required", `"kind": "visit",`, ``,
			`posts[0].kind: required: one of visit, agreement, event, announcement (line 21, column 5)`},
		{"kind unknown", `"kind": "visit"`, `"kind": "Visit"`,
			`posts[0].kind: unknown kind "Visit"; use one of visit, agreement, event, announcement (line 23, column 15)`},
		{"city required", `"city": "krefeld",`, ``,
			`posts[0].city: required: a partner city's slug (krefeld, venlo) or "all" (line 21, column 5)`},
		{"city unknown", `"city": "krefeld"`, `"city": "berlin"`,
			`posts[0].city: unknown city "berlin"; use a partner city's slug (krefeld, venlo) or "all" (line 24, column 15)`},
		{"city not a slug", `"city": "krefeld"`, `"city": "Krefeld"`,
			`posts[0].city: unknown city "Krefeld"; use a partner city's slug (krefeld, venlo) or "all" (line 24, column 15)`},
		{"city too long", `"city": "krefeld"`, `"city": "` + strings.Repeat("k", 33) + `"`,
			`posts[0].city: unknown city "` + strings.Repeat("k", 33) + `"; use a partner city's slug (krefeld, venlo) or "all" (line 24, column 15)`},
		{"city home", `"city": "krefeld"`, `"city": "home"`,
			`posts[0].city: "home" is the home city; use a partner city's slug (krefeld, venlo) or "all" (line 24, column 15)`},
		{"lang unknown", `"lang": "en"`, `"lang": "deu"`,
			`posts[1].lang: unknown language "deu" (German is "de"); use one of uk, en, de, nl (line 35, column 15)`},
		{"title required", `"title": "Visit",`, `"title": "",`,
			`posts[0].title: must not be empty (line 26, column 16)`},
		{"title too long", `"title": "Visit",`, `"title": "` + strings.Repeat("я", 201) + `",`,
			`posts[0].title: too long: 201 characters, at most 200 (line 26, column 16)`},
		{"text blank", `"text": "Text",`, `"text": " \n ",`,
			`posts[0].text: must not be empty (line 27, column 15)`},
		{"translation title too long", `{"title": "Visit", "text": "Text"}`, `{"title": "` + strings.Repeat("t", 201) + `", "text": "Text"}`,
			`posts[0].translations.en.title: too long: 201 characters, at most 200 (line 28, column 40)`},
		{"translation in the post's language", `"lang": "en"`, `"lang": "en", "translations": {"de": {"title": "T", "text": "T"}, "en": {"title": "T", "text": "T"}}`,
			`posts[1].translations.en: the post itself is in "en" (lang); a translation must be in another language (line 35, column 79)`},
		{"event without start", `"starts_at": "2025-11-01 18:00",`, ``,
			`posts[1].starts_at: required for an event: when it starts, in the city's local time, like "2025-10-30 18:00" (line 30, column 5)`},
		{"event ends before it starts", `"2025-11-01 20:00"`, `"2025-11-01 17:59"`,
			`posts[1].ends_at: the event must end after it starts (starts_at is 2025-11-01 18:00, ends_at is 2025-11-01 17:59) (line 39, column 18)`},
		{"event starts too late", `"2025-11-01 18:00"`, `"3025-11-01 18:00"`,
			`posts[1].starts_at: invalid date "3025-11-01 18:00": the year must be between 1900 and 2999 (line 38, column 20)`},
		{"date too early", `"2025-10-30"`, `"1899-12-31"`,
			`posts[0].date: invalid date "1899-12-31": the year must be between 1900 and 2999 (line 25, column 15)`},
		{"place too long", `"Town hall"`, `"` + strings.Repeat("p", 201) + `"`,
			`posts[1].place: too long: 201 characters, at most 200 (line 40, column 16)`},
		{"start on a visit", `"kind": "visit",`, `"kind": "visit", "starts_at": "2025-11-01 18:00",`,
			`posts[0].starts_at: only events have a start time; this post's kind is "visit" (leave starts_at out, or use kind "event") (line 23, column 37)`},
		{"end on an agreement", `"kind": "visit",`, `"kind": "agreement", "ends_at": "2025-11-01 18:00",`,
			`posts[0].ends_at: only events have an end time; this post's kind is "agreement" (leave ends_at out, or use kind "event") (line 23, column 39)`},
		{"place on a visit", `"kind": "visit",`, `"kind": "visit", "place": "Town hall",`,
			`posts[0].place: only events have a place; this post's kind is "visit" (leave place out, or use kind "event") (line 23, column 33)`},

		// What Validate lets through and the dataset has always refused.
		{"title line break", `"title": "Visit",`, `"title": "Vi\nsit",`,
			`posts[0].title: must be one line, without line breaks (line 26, column 16)`},
		{"text control character", `"text": "Text",`, `"text": "Te\u001bxt",`,
			`posts[0].text: contains the control character U+001B; remove it (line 27, column 15)`},
		{"translation title line break", `{"title": "Visit", "text": "Text"}`, `{"title": "Vi\nsit", "text": "Text"}`,
			`posts[0].translations.en.title: must be one line, without line breaks (line 28, column 40)`},
		{"place broken escape", `"Town hall"`, `"Town \ud800hall"`,
			`posts[1].place: contains the replacement character U+FFFD (a broken character or escape); remove it (line 40, column 16)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := parseErr(t, mod(t, tt.old, tt.new))
			if got := strings.TrimPrefix(e.Error(), `data file "x.json": `); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestPostAccepted covers what store.Post.Validate allows and the loader
// therefore must not refuse.
func TestPostAccepted(t *testing.T) {
	tests := []struct{ name, old, new string }{
		{"announcement without a title", `"kind": "visit",
      "city": "krefeld",
      "date": "2025-10-30",
      "title": "Visit",`, `"kind": "announcement",
      "city": "krefeld",
      "date": "2025-10-30",`},
		{"text with line breaks and tabs", `"text": "Text",`, `"text": "Line\n\tline",`},
		{"event without an end", `"ends_at": "2025-11-01 20:00",`, ``},
		{"event without a place", `"2025-11-01 20:00",
      "place": "Town hall"`, `"2025-11-01 20:00"`},
		{"lang left out", `"lang": "en",`, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := Parse("x.json", []byte(mod(t, tt.old, tt.new)))
			if err != nil {
				t.Fatal(err)
			}
			checkDataset(t, ds)
		})
	}

	ds, err := Parse("x.json", []byte(mod(t, `"lang": "en",`, ``)))
	if err != nil {
		t.Fatal(err)
	}
	if ds.Posts[1].Lang != store.LangUK {
		t.Errorf("lang left out = %q, want uk", ds.Posts[1].Lang)
	}
}
