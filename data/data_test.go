package data

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the binary embeds tzdata too
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/store"
)

// base is a small valid file; the malformed cases change one thing in it.
// Line numbers matter: the cases assert them.
const base = `{
  "home": {
    "slug": "home",
    "name": {"uk": "Дім", "en": "Home"},
    "timezone": "Europe/Kyiv"
  },
  "partners": [
    {
      "slug": "krefeld",
      "name": {"en": "Krefeld"},
      "timezone": "Europe/Berlin",
      "link": "https://www.krefeld.de"
    },
    {
      "slug": "venlo",
      "name": {"nl": "Venlo"},
      "timezone": "Europe/Amsterdam"
    }
  ],
  "posts": [
    {
      "key": "v1",
      "kind": "visit",
      "city": "krefeld",
      "date": "2025-10-30",
      "title": "Visit",
      "text": "Text",
      "translations": {"en": {"title": "Visit", "text": "Text"}}
    },
    {
      "key": "e1",
      "kind": "event",
      "city": "all",
      "date": "2025-10-01",
      "lang": "en",
      "title": "Event",
      "text": "Text",
      "starts_at": "2025-11-01 18:00",
      "ends_at": "2025-11-01 20:00",
      "place": "Town hall"
    }
  ]
}
`

// mod returns base with the first old replaced by new.
func mod(t testing.TB, old, new string) string {
	t.Helper()
	if !strings.Contains(base, old) {
		t.Fatalf("base has no %q", old)
	}
	return strings.Replace(base, old, new, 1)
}

// checkDataset asserts what every dataset Parse returns guarantees.
func checkDataset(t testing.TB, ds *store.Dataset) {
	t.Helper()
	if ds == nil {
		t.Fatal("nil dataset without an error")
	}
	if len(ds.Partners) == 0 {
		t.Fatal("no partners")
	}
	slugRE := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	slugs := map[string]bool{}
	for _, c := range append([]store.City{ds.Home}, ds.Partners...) {
		if !slugRE.MatchString(c.Slug) || c.Slug == store.AllCities || len(c.Slug) > store.MaxSlugLen {
			t.Errorf("bad slug %q", c.Slug)
		}
		if slugs[c.Slug] {
			t.Errorf("duplicate slug %q", c.Slug)
		}
		slugs[c.Slug] = true
		if c.Location == nil || c.Location.String() != c.TimeZone {
			t.Errorf("%s: location %v for time zone %q", c.Slug, c.Location, c.TimeZone)
		}
		if len(c.Name) == 0 {
			t.Errorf("%s: no name", c.Slug)
		}
		for _, text := range []store.Text{c.Name, c.Country, c.Description} {
			for l, s := range text {
				if !slices.Contains(store.Langs(), l) || strings.TrimSpace(s) == "" {
					t.Errorf("%s: bad text %q: %q", c.Slug, l, s)
				}
			}
		}
		for l, areas := range c.Areas {
			if !slices.Contains(store.Langs(), l) || len(areas) == 0 {
				t.Errorf("%s: bad areas %q: %q", c.Slug, l, areas)
			}
		}
		if c.Link != "" && !strings.HasPrefix(c.Link, "http://") && !strings.HasPrefix(c.Link, "https://") {
			t.Errorf("%s: bad link %q", c.Slug, c.Link)
		}
	}
	keys := map[string]bool{}
	for _, p := range ds.Posts {
		if p.SeedKey == "" || keys[p.SeedKey] {
			t.Errorf("empty or duplicate key %q", p.SeedKey)
		}
		keys[p.SeedKey] = true
		if !p.Kind.Valid() {
			t.Errorf("%s: bad kind %q", p.SeedKey, p.Kind)
		}
		loc := ds.Home.Location
		if p.City != store.AllCities {
			c, ok := ds.Partner(p.City)
			if !ok {
				t.Errorf("%s: unknown city %q", p.SeedKey, p.City)
				continue
			}
			loc = c.Location
		}
		if !slices.Contains(store.Langs(), p.Lang) {
			t.Errorf("%s: bad lang %q", p.SeedKey, p.Lang)
		}
		// Only an announcement may lack a title, as store.Post.Validate has it.
		untitled := func(title string) bool {
			return strings.TrimSpace(title) == "" && p.Kind != store.KindAnnouncement
		}
		if untitled(p.Title) || strings.TrimSpace(p.Text) == "" ||
			utf8.RuneCountInString(p.Title) > store.MaxTitleLen || utf8.RuneCountInString(p.Text) > store.MaxTextLen ||
			strings.Contains(p.Title, "\n") {
			t.Errorf("%s: bad title or text", p.SeedKey)
		}
		for l, tr := range p.Translations {
			if !slices.Contains(store.Langs(), l) || l == p.Lang || untitled(tr.Title) ||
				strings.TrimSpace(tr.Text) == "" || utf8.RuneCountInString(tr.Title) > store.MaxTitleLen ||
				utf8.RuneCountInString(tr.Text) > store.MaxTextLen {
				t.Errorf("%s: bad translation %q", p.SeedKey, l)
			}
		}
		if err := p.ValidateWithCities(func(slug string) bool { _, ok := ds.Partner(slug); return ok }); err != nil {
			t.Errorf("%s: %v", p.SeedKey, err)
		}
		if p.Date.IsZero() || p.Date.Location().String() != loc.String() {
			t.Errorf("%s: date %v not in %v", p.SeedKey, p.Date, loc)
		}
		if !p.PublishedAt.Equal(p.Date) {
			t.Errorf("%s: published %v, date %v", p.SeedKey, p.PublishedAt, p.Date)
		}
		if p.Kind == store.KindEvent {
			if p.StartsAt == nil || p.StartsAt.Location().String() != loc.String() {
				t.Errorf("%s: event without a start in %v", p.SeedKey, loc)
			} else if p.EndsAt != nil && !p.EndsAt.After(*p.StartsAt) {
				t.Errorf("%s: ends %v before it starts %v", p.SeedKey, p.EndsAt, p.StartsAt)
			}
		} else if p.StartsAt != nil || p.EndsAt != nil || p.Place != "" {
			t.Errorf("%s: a %s with a start, an end or a place", p.SeedKey, p.Kind)
		}
	}
}

func TestDefault(t *testing.T) {
	ds, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, ds)
	if ds.Home.Slug != "kropyvnytskyi" || ds.Home.TimeZone != "Europe/Kyiv" {
		t.Errorf("home = %s, %s", ds.Home.Slug, ds.Home.TimeZone)
	}
	if got := ds.PartnerSlugs(); !slices.Equal(got, []string{"krefeld", "venlo"}) {
		t.Errorf("partners = %v", got)
	}
	for _, c := range append([]store.City{ds.Home}, ds.Partners...) {
		for _, l := range store.Langs() {
			if c.Name[l] == "" || c.Country[l] == "" || c.Description[l] == "" {
				t.Errorf("%s: name, country or description missing in %s", c.Slug, l)
			}
		}
		if !strings.HasPrefix(c.Link, "https://") {
			t.Errorf("%s: link %q", c.Slug, c.Link)
		}
	}
	for _, c := range ds.Partners {
		for _, l := range store.Langs() {
			if len(c.Areas[l]) != len(c.Areas[store.LangUK]) || len(c.Areas[l]) == 0 {
				t.Errorf("%s: areas in %s: %q", c.Slug, l, c.Areas[l])
			}
		}
	}
	if len(ds.Posts) == 0 {
		t.Fatal("no posts")
	}
	for _, p := range ds.Posts {
		if _, ok := ds.Partner(p.City); !ok && p.City != store.AllCities {
			t.Errorf("%s: unknown city %q", p.SeedKey, p.City)
		}
		if p.Lang != store.LangUK {
			t.Errorf("%s: lang %q", p.SeedKey, p.Lang)
		}
		for _, l := range store.Langs() {
			pt := p.In(l)
			if pt.Title == "" || pt.Text == "" || (l != p.Lang && p.Translations[l].Title == "") {
				t.Errorf("%s: no text in %s", p.SeedKey, l)
			}
			if n := utf8.RuneCountInString(pt.Text); n > 900 {
				t.Errorf("%s: text in %s has %d characters", p.SeedKey, l, n)
			}
			if strings.ContainsAny(pt.Title+pt.Text, "<>") {
				t.Errorf("%s: markup in %s", p.SeedKey, l)
			}
		}
	}
	if ds.Posts[0].Date.Format(DateLayout) != "2025-10-30" {
		t.Errorf("date = %v", ds.Posts[0].Date)
	}

	// Every call returns its own copy.
	ds.Partners[0].Name[store.LangEN] = "changed"
	again, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if again.Partners[0].Name[store.LangEN] == "changed" {
		t.Error("Default shares data between calls")
	}
}

func TestParseBase(t *testing.T) {
	ds, err := Parse("base.json", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, ds)
	v, e := ds.Posts[0], ds.Posts[1]
	if v.SeedKey != "v1" || v.Lang != store.LangUK || v.City != "krefeld" || v.Kind != store.KindVisit {
		t.Errorf("visit = %+v", v)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if want := time.Date(2025, 10, 30, 0, 0, 0, 0, berlin); !v.Date.Equal(want) || !v.PublishedAt.Equal(want) {
		t.Errorf("visit date = %v, published %v, want %v", v.Date, v.PublishedAt, want)
	}
	if v.Translations[store.LangEN] != (store.PostText{Title: "Visit", Text: "Text"}) {
		t.Errorf("translations = %v", v.Translations)
	}
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	if e.StartsAt == nil || !e.StartsAt.Equal(time.Date(2025, 11, 1, 18, 0, 0, 0, kyiv)) ||
		e.EndsAt == nil || !e.EndsAt.Equal(time.Date(2025, 11, 1, 20, 0, 0, 0, kyiv)) {
		t.Errorf("event = %v – %v", e.StartsAt, e.EndsAt)
	}
	if e.Lang != store.LangEN || e.Place != "Town hall" || e.City != store.AllCities {
		t.Errorf("event = %+v", e)
	}

	// A byte order mark, as some Windows editors write, is fine.
	if _, err := Parse("bom.json", append([]byte("\uFEFF"), base...)); err != nil {
		t.Errorf("with BOM: %v", err)
	}
	// null is the same as leaving the field out.
	if _, err := Parse("null.json", []byte(mod(t, `"place": "Town hall"`, `"place": null`))); err != nil {
		t.Errorf("null place: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string // substrings of the error, besides the file name
	}{
		{"empty", "", []string{"empty"}},
		{"blank", " \n\t\n", []string{"empty"}},
		{"top-level list", "[]", []string{"line 1, column 1", "one JSON object", "not a list"}},
		{"top-level string", `"x"`, []string{"line 1, column 1", "one JSON object"}},
		{"trailing comma", mod(t, `"timezone": "Europe/Amsterdam"`, `"timezone": "Europe/Amsterdam",`),
			[]string{"line 18, column 5", "invalid character '}'"}},
		{"missing comma", mod(t, `"slug": "venlo",`, `"slug": "venlo"`),
			[]string{"line 16, column 7", "invalid character"}},
		{"single quotes", mod(t, `"slug": "venlo"`, `'slug': "venlo"`),
			[]string{"line 15, column 7", "invalid character '\\''"}},
		{"trailing data", base + "{}\n", []string{"line 44, column 1", "after top-level value"}},
		{"truncated", base[:strings.Index(base, `"posts"`)], []string{"line 19, column 5", "unexpected end of JSON input"}},
		{"invalid utf-8", mod(t, `"Town hall"`, "\"Town \xffhall\""), []string{"line 40, column 22", "UTF-8"}},
		{"unknown field", mod(t, `"link": "https://www.krefeld.de"`, `"link": "https://www.krefeld.de", "color": "red"`),
			[]string{"partners[0]", `unknown field "color"`, "line 12, column 41", "known fields are: slug, flag"}},
		{"unknown top-level field", mod(t, `"home": {`, `"hom": {}, "home": {`),
			[]string{"line 2, column 3", `unknown field "hom" at the top level`}},
		{"field case", mod(t, `"slug": "venlo"`, `"Slug": "venlo"`),
			[]string{"partners[1]", `unknown field "Slug"`, "line 15", "case-sensitive"}},
		{"unknown post field", mod(t, `"place": "Town hall"`, `"place": "Town hall", "author": "me"`),
			[]string{"posts[1]", `unknown field "author"`, "line 40"}},
		{"duplicate field", mod(t, `"slug": "venlo",`, `"slug": "venlo", "slug": "venlo2",`),
			[]string{"partners[1].slug", `duplicate field "slug"`, "line 15, column 24"}},
		{"duplicate language", mod(t, `{"nl": "Venlo"}`, `{"nl": "Venlo", "nl": "Venlo"}`),
			[]string{"partners[1].name.nl", `duplicate key "nl"`, "line 16"}},
		{"number for string", mod(t, `"timezone": "Europe/Amsterdam"`, `"timezone": "Europe/Amsterdam", "partner_since": 2023`),
			[]string{"partners[1].partner_since", "must be a string, not a number", `double quotes`, "line 17"}},
		{"string for object", mod(t, `"name": {"nl": "Venlo"}`, `"name": "Venlo"`),
			[]string{"partners[1].name", "must be an object of texts by language", "not a string", "line 16"}},
		{"object for list", mod(t, `"partners": [`, `"partners": {"x": [`) + "}",
			[]string{"partners", "must be a list of city objects", "line 7"}},
		{"home null", mod(t, `"home": {`, `"home": null, "x": {`), []string{`unknown field "x"`}},
		{"no home", `{"partners": []}`, []string{"home: required", "line 1, column 1"}},
		{"no partners", `{"home": {"slug": "h", "name": {"uk": "H"}, "timezone": "Europe/Kyiv"}, "partners": []}`,
			[]string{"partners: required: at least one partner city", "line 1"}},
		{"slug missing", mod(t, `"slug": "venlo",`, ``), []string{"partners[1].slug: required", "line 14"}},
		{"slug uppercase", mod(t, `"slug": "venlo"`, `"slug": "Venlo"`), []string{"partners[1].slug", `invalid slug "Venlo"`, "line 15"}},
		{"slug space", mod(t, `"slug": "venlo"`, `"slug": "ven lo"`), []string{"partners[1].slug", `invalid slug`}},
		{"slug too long", mod(t, `"slug": "venlo"`, `"slug": "`+strings.Repeat("v", 33)+`"`), []string{"partners[1].slug", "too long"}},
		{"slug all", mod(t, `"slug": "venlo"`, `"slug": "all"`), []string{"partners[1].slug", "reserved"}},
		{"slug duplicate", mod(t, `"slug": "venlo"`, `"slug": "krefeld"`), []string{"partners[1].slug", "already used by partners[0]"}},
		{"slug of home", mod(t, `"slug": "venlo"`, `"slug": "home"`), []string{"partners[1].slug", "already used by home"}},
		{"name missing", mod(t, `"name": {"nl": "Venlo"},`, ``), []string{"partners[1].name: required", "line 14"}},
		{"name empty object", mod(t, `"name": {"nl": "Venlo"}`, `"name": {}`), []string{"partners[1].name: required"}},
		{"name unknown language", mod(t, `{"nl": "Venlo"}`, `{"ua": "Венло"}`),
			[]string{"partners[1].name.ua", `unknown language "ua"`, `Ukrainian is "uk"`, "uk, en, de, nl", "line 16"}},
		{"name regional language", mod(t, `{"nl": "Venlo"}`, `{"nl-NL": "Venlo"}`), []string{"partners[1].name.nl-NL", `unknown language "nl-NL"`}},
		{"name odd key", mod(t, `{"nl": "Venlo"}`, `{"n l": "Venlo"}`), []string{`partners[1].name["n l"]`, `unknown language "n l"`}},
		{"name blank", mod(t, `{"nl": "Venlo"}`, `{"nl": " "}`), []string{"partners[1].name.nl: must not be empty"}},
		{"name line break", mod(t, `{"nl": "Venlo"}`, `{"nl": "Ven\nlo"}`), []string{"partners[1].name.nl", "one line"}},
		{"timezone missing", mod(t, `,
      "timezone": "Europe/Amsterdam"`, ``), []string{"partners[1].timezone: required", "line 14"}},
		{"timezone unknown", mod(t, `"Europe/Amsterdam"`, `"Europe/Krefeld"`),
			[]string{`partners[1].timezone: unknown time zone "Europe/Krefeld"`, "line 17, column 19"}},
		{"timezone Local", mod(t, `"Europe/Amsterdam"`, `"Local"`), []string{"partners[1].timezone", `invalid time zone "Local"`}},
		{"timezone path", mod(t, `"Europe/Amsterdam"`, `"../etc/passwd"`), []string{"partners[1].timezone", "invalid time zone"}},
		{"timezone offset", mod(t, `"Europe/Amsterdam"`, `"+01:00"`), []string{"partners[1].timezone", "invalid time zone"}},
		{"link without scheme", mod(t, `"https://www.krefeld.de"`, `"www.krefeld.de"`),
			[]string{"partners[0].link", `invalid link "www.krefeld.de"`, "line 12"}},
		{"link ftp", mod(t, `"https://www.krefeld.de"`, `"ftp://krefeld.de"`), []string{"partners[0].link", "invalid link"}},
		{"link space", mod(t, `"https://www.krefeld.de"`, `"https://www.krefeld.de/a b"`), []string{"partners[0].link", "invalid link"}},
		{"flag with space", mod(t, `"slug": "venlo",`, `"slug": "venlo", "flag": "🇳🇱 NL",`), []string{"partners[1].flag", "without spaces"}},
		{"areas blank", mod(t, `"slug": "venlo",`, `"slug": "venlo", "areas": {"uk": ["освіта", ""]},`),
			[]string{"partners[1].areas.uk[1]: must not be empty", "line 15"}},
		{"areas language", mod(t, `"slug": "venlo",`, `"slug": "venlo", "areas": {"fr": ["x"]},`),
			[]string{"partners[1].areas.fr", `unknown language "fr"`}},
		{"areas not a list", mod(t, `"slug": "venlo",`, `"slug": "venlo", "areas": {"uk": "освіта"},`),
			[]string{"partners[1].areas.uk", "must be a list of strings"}},
		{"country language", mod(t, `"slug": "venlo",`, `"slug": "venlo", "country": {"NL": "Nederland"},`),
			[]string{"partners[1].country.NL", `unknown language "NL"`}},
		{"description too long", mod(t, `"slug": "venlo",`, `"slug": "venlo", "description": {"en": "`+strings.Repeat("x", 1001)+`"},`),
			[]string{"partners[1].description.en", "too long: 1001 characters, at most 1000"}},
		{"key missing", mod(t, `"key": "v1",`, ``), []string{"posts[0].key: required", "line 21"}},
		{"key with space", mod(t, `"key": "v1"`, `"key": "v 1"`), []string{"posts[0].key", `invalid key "v 1"`}},
		{"key duplicate", mod(t, `"key": "e1"`, `"key": "v1"`), []string{"posts[1].key", `"v1" is already used by posts[0]`, "line 31"}},
		{"kind missing", mod(t, `"kind": "visit",`, ``), []string{"posts[0].kind: required", "visit, agreement, event, announcement"}},
		{"kind unknown", mod(t, `"kind": "visit"`, `"kind": "meeting"`),
			[]string{"posts[0].kind", `unknown kind "meeting"`, "line 23"}},
		{"city missing", mod(t, `"city": "krefeld",`, ``), []string{"posts[0].city: required", "krefeld, venlo"}},
		{"city unknown", mod(t, `"city": "krefeld"`, `"city": "berlin"`),
			[]string{"posts[0].city", `unknown city "berlin"`, `krefeld, venlo) or "all"`, "line 24"}},
		{"city home", mod(t, `"city": "krefeld"`, `"city": "home"`), []string{"posts[0].city", "is the home city"}},
		{"date missing", mod(t, `"date": "2025-10-30",`, ``), []string{"posts[0].date: required"}},
		{"date format", mod(t, `"2025-10-30"`, `"30.10.2025"`),
			[]string{"posts[0].date", `invalid date "30.10.2025"`, "YYYY-MM-DD", "line 25"}},
		{"date short month", mod(t, `"2025-10-30"`, `"2025-1-30"`), []string{"posts[0].date", "invalid date"}},
		{"date with time", mod(t, `"2025-10-30"`, `"2025-10-30 10:00"`), []string{"posts[0].date", "invalid date"}},
		{"date day", mod(t, `"2025-10-30"`, `"2025-02-30"`), []string{"posts[0].date", "day out of range"}},
		{"date month", mod(t, `"2025-10-30"`, `"2025-13-01"`), []string{"posts[0].date", "month out of range"}},
		{"date year", mod(t, `"2025-10-30"`, `"0025-10-30"`), []string{"posts[0].date", "between 1900 and 2999"}},
		{"lang unknown", mod(t, `"lang": "en"`, `"lang": "english"`), []string{"posts[1].lang", `unknown language "english"`}},
		{"title missing", mod(t, `"title": "Visit",`, ``), []string{"posts[0].title: must not be empty", "line 21"}},
		{"title blank", mod(t, `"title": "Visit",`, `"title": "  ",`), []string{"posts[0].title: must not be empty", "line 26"}},
		{"title too long", mod(t, `"title": "Visit",`, `"title": "`+strings.Repeat("я", 201)+`",`),
			[]string{"posts[0].title", "too long: 201 characters, at most 200"}},
		{"title line break", mod(t, `"title": "Visit",`, `"title": "Vi\nsit",`), []string{"posts[0].title", "one line"}},
		{"title control", mod(t, `"title": "Visit",`, `"title": "Vi\u0007sit",`), []string{"posts[0].title", "control character U+0007"}},
		{"text missing", mod(t, `"text": "Text",`, ``), []string{"posts[0].text: must not be empty"}},
		{"text too long", mod(t, `"text": "Text",`, `"text": "`+strings.Repeat("ї", 3001)+`",`),
			[]string{"posts[0].text", "too long: 3001 characters, at most 3000"}},
		{"translation language", mod(t, `{"en": {"title"`, `{"xx": {"title"`), []string{"posts[0].translations.xx", `unknown language "xx"`, "line 28"}},
		{"translation same language", mod(t, `{"en": {"title"`, `{"uk": {"title"`), []string{"posts[0].translations.uk", "another language"}},
		{"translation title", mod(t, `{"title": "Visit", "text": "Text"}`, `{"title": "", "text": "Text"}`),
			[]string{"posts[0].translations.en.title: must not be empty"}},
		{"translation text", mod(t, `{"title": "Visit", "text": "Text"}`, `{"title": "Visit"}`),
			[]string{"posts[0].translations.en.text: must not be empty"}},
		{"translation string", mod(t, `{"en": {"title": "Visit", "text": "Text"}}`, `{"en": "Visit"}`),
			[]string{"posts[0].translations.en", "must be an object like"}},
		{"translation unknown field", mod(t, `{"title": "Visit", "text": "Text"}`, `{"title": "Visit", "text": "Text", "lang": "en"}`),
			[]string{"posts[0].translations.en", `unknown field "lang"`}},
		{"event without start", mod(t, `"starts_at": "2025-11-01 18:00",`, ``),
			[]string{"posts[1].starts_at: required for an event", "line 30"}},
		{"start format", mod(t, `"2025-11-01 18:00"`, `"2025-11-01T18:00"`),
			[]string{"posts[1].starts_at", "YYYY-MM-DD HH:MM", "line 38"}},
		{"start seconds", mod(t, `"2025-11-01 18:00"`, `"2025-11-01 18:00:00"`), []string{"posts[1].starts_at", "YYYY-MM-DD HH:MM"}},
		{"start hour", mod(t, `"2025-11-01 18:00"`, `"2025-11-01 25:00"`), []string{"posts[1].starts_at", "hour out of range"}},
		{"start in clock change", mod(t, `"2025-11-01 18:00"`, `"2025-03-30 03:30"`),
			[]string{"posts[1].starts_at", "does not exist in the time zone Europe/Kyiv"}},
		{"end before start", mod(t, `"2025-11-01 20:00"`, `"2025-11-01 17:00"`), []string{"posts[1].ends_at", "must end after it starts", "line 39"}},
		{"end at start", mod(t, `"2025-11-01 20:00"`, `"2025-11-01 18:00"`), []string{"posts[1].ends_at", "must end after it starts"}},
		{"end format", mod(t, `"2025-11-01 20:00"`, `"20:00"`), []string{"posts[1].ends_at", "YYYY-MM-DD HH:MM"}},
		{"visit with start", mod(t, `"kind": "visit",`, `"kind": "visit", "starts_at": "2025-11-01 18:00",`),
			[]string{"posts[0].starts_at", "only events", `"visit"`, "line 23"}},
		{"visit with end", mod(t, `"kind": "visit",`, `"kind": "visit", "ends_at": "2025-11-01 18:00",`),
			[]string{"posts[0].ends_at", "only events"}},
		{"place line break", mod(t, `"Town hall"`, `"Town\nhall"`), []string{"posts[1].place", "one line"}},
		{"posts not a list", mod(t, `"posts": [`, `"posts": 1, "x": [`), []string{"posts", "must be a list of post objects", "not a number", "line 20"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := Parse("bad.json", []byte(tt.file))
			if err == nil {
				t.Fatalf("no error; dataset %+v", ds)
			}
			if ds != nil {
				t.Error("dataset with an error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, `data file "bad.json": `) {
				t.Errorf("error does not start with the file name: %s", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not mention %q:\n%s", w, msg)
				}
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "bad.json" {
				t.Errorf("error is not an *Error for bad.json: %#v", err)
			}
			if strings.Count(msg, "\n") > 0 {
				t.Errorf("error spans lines: %q", msg)
			}
		})
	}
}

func TestErrorFields(t *testing.T) {
	_, err := Parse("x.json", []byte(mod(t, `"Europe/Amsterdam"`, `"Europe/Krefeld"`)))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%T: %v", err, err)
	}
	if e.Path != "partners[1].timezone" || e.Line != 17 || e.Column != 19 {
		t.Errorf("path %q, line %d, column %d", e.Path, e.Line, e.Column)
	}
	want := `data file "x.json": partners[1].timezone: unknown time zone "Europe/Krefeld"; use an IANA time zone name, like "Europe/Berlin" (line 17, column 19)`
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}

	_, err = Parse("x.json", []byte("{\n  \"home\": {\n  }\n  }\n}"))
	if want := `data file "x.json": line 5, column 1: invalid character '}' after top-level value`; err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if !errors.As(err, &e) || e.Path != "" || e.Line != 5 || e.Column != 1 {
		t.Errorf("syntax error = %#v", e)
	}

	// Columns count characters, not bytes.
	_, err = Parse("x.json", []byte(`{"home": {"slug": "дім"}}`))
	if !errors.As(err, &e) || e.Path != "home.slug" || e.Column != 19 {
		t.Errorf("error = %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, ds)

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(mod(t, `"kind": "visit"`, `"kind": "meeting"`)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), `data file "`+bad+`": posts[0].kind: unknown kind "meeting"`) {
		t.Errorf("Load(bad) = %v", err)
	}

	missing := filepath.Join(dir, "missing.json")
	_, err = Load(missing)
	if err == nil || !errors.Is(err, fs.ErrNotExist) ||
		err.Error() != `data file "`+missing+`": cannot read the file: no such file or directory` {
		t.Errorf("Load(missing) = %v", err)
	}

	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("Load(dir) = %v", err)
	}

	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Load(big) = %v", err)
	}
}

// TestFormatExample keeps the example in FORMAT.md valid.
func TestFormatExample(t *testing.T) {
	b, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "## Example")
	if ok {
		_, after, ok = strings.Cut(after, "```json\n")
	}
	example, _, ok2 := strings.Cut(after, "```")
	if !ok || !ok2 {
		t.Fatal("FORMAT.md has no example")
	}
	ds, err := Parse("FORMAT.md example", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, ds)
	if len(ds.Posts) != 2 || ds.Posts[1].StartsAt == nil {
		t.Errorf("posts = %+v", ds.Posts)
	}
}
