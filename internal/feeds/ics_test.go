package feeds

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/partnerbot/partnerbot/store"
)

// render runs WriteICS, checks the physical line format every calendar must
// have, and parses the result with golang-ical.
func render(t *testing.T, cal Calendar) (string, *ics.Calendar) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteICS(&b, cal); err != nil {
		t.Fatalf("WriteICS: %v", err)
	}
	out := b.String()
	checkPhysicalLines(t, out)
	parsed, err := ics.ParseCalendar(strings.NewReader(out))
	if err != nil {
		t.Fatalf("golang-ical cannot parse the output: %v\n%s", err, out)
	}
	return out, parsed
}

// checkPhysicalLines checks RFC 5545 §3.1 on the raw bytes: CRLF after
// every line and nowhere else, no line over 75 octets, each line valid
// UTF-8 on its own (so no character was split by folding), continuation
// lines begin with a space, and the first line is not one.
func checkPhysicalLines(t *testing.T, out string) {
	t.Helper()
	if !strings.HasSuffix(out, "\r\n") {
		t.Errorf("output does not end with CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
	for i, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets (> 75): %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d is not valid UTF-8 on its own (split character): %q", i+1, l)
		}
		if l == "" {
			t.Errorf("line %d is empty", i+1)
		}
		if strings.HasPrefix(l, "\t") {
			t.Errorf("line %d is folded with a tab, want a space", i+1)
		}
	}
	if len(lines) > 0 && strings.HasPrefix(lines[0], " ") {
		t.Errorf("first line starts with a space")
	}
}

// prop returns the single value of a property of c, failing if it is
// missing or repeated.
func prop(t *testing.T, c *ics.ComponentBase, p ics.ComponentProperty) string {
	t.Helper()
	ps := c.GetProperties(p)
	if len(ps) != 1 {
		t.Fatalf("%s: got %d properties, want 1", p, len(ps))
	}
	return ps[0].Value
}

func calProp(c *ics.Calendar, p ics.Property) (string, bool) {
	for _, cp := range c.CalendarProperties {
		if cp.IANAToken == string(p) {
			return cp.Value, true
		}
	}
	return "", false
}

func TestICSTextRoundTrip(t *testing.T) {
	long := strings.Repeat("Партнерство 🇺🇦🤝🇩🇪 — Kropyvnytskyi, Krefeld; Wiesbaden\\Kassel. ", 6)
	for _, tc := range []struct {
		name       string
		title      string
		text       string
		place      string
		city       string
		lang       store.Lang
		wantTitle  string
		wantText   string
		wantPlace  string
		wantFolded bool
	}{
		{
			name:      "specials",
			title:     `Концерт, ч.1; "Весна" \ 2025`,
			text:      "Рядок 1\nРядок 2, ще; і \\ ще",
			place:     "Зала №1; поверх 2",
			city:      "krefeld",
			wantTitle: `Концерт, ч.1; "Весна" \ 2025`,
			wantText:  "Рядок 1\nРядок 2, ще; і \\ ще",
			wantPlace: "Зала №1; поверх 2, Крефельд",
		},
		{
			// A literal backslash followed by n must not become a newline.
			name:      "backslash n is not a newline",
			title:     `C:\new\table`,
			text:      `\n \; \, \\`,
			wantTitle: `C:\new\table`,
			wantText:  `\n \; \, \\`,
		},
		{
			name:       "long text with cyrillic and emoji is folded",
			title:      long,
			text:       long + "\n\n" + long,
			place:      long,
			city:       "kropyvnytskyi",
			wantTitle:  long,
			wantText:   long + "\n\n" + long,
			wantPlace:  strings.TrimSpace(long) + ", Кропивницький",
			wantFolded: true,
		},
		{
			// Every fold position relative to multi-byte characters: 4-byte
			// emoji after 0..3 ASCII bytes.
			name:       "emoji at every offset",
			title:      "a" + strings.Repeat("😀", 40),
			text:       "ab" + strings.Repeat("😀", 40) + "abc" + strings.Repeat("ї", 60),
			wantTitle:  "a" + strings.Repeat("😀", 40),
			wantText:   "ab" + strings.Repeat("😀", 40) + "abc" + strings.Repeat("ї", 60),
			wantFolded: true,
		},
		{
			name:      "CRLF and CR become one line break",
			title:     "t",
			text:      "a\r\nb\rc\n",
			wantTitle: "t",
			wantText:  "a\nb\nc\n",
		},
		{
			name:      "control characters are dropped, tab kept",
			title:     "a\x00b\x1bc\x7fd",
			text:      "x\ty",
			wantTitle: "abcd",
			wantText:  "x\ty",
		},
		{
			name:      "invalid UTF-8 is replaced",
			title:     "a\xffb",
			text:      "t",
			wantTitle: "a\uFFFDb",
			wantText:  "t",
		},
		{
			name:      "all cities has no city in LOCATION",
			title:     "t",
			place:     "Онлайн",
			city:      store.AllCities,
			wantTitle: "t",
			wantPlace: "Онлайн",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lang := tc.lang
			if lang == "" {
				lang = store.LangUK
			}
			start := time.Date(2025, 7, 15, 16, 0, 0, 0, time.UTC)
			p := store.Post{
				ID: 7, Kind: store.KindEvent, City: tc.city, Lang: store.LangUK,
				Title: tc.title, Text: tc.text, Place: tc.place, StartsAt: &start,
			}
			out, cal := render(t, Calendar{
				Name: "Партнери; міста, події", Events: []store.Post{p}, Cities: testDataset(),
				Lang: lang, Host: testHost, Now: start,
			})
			if folded := strings.Contains(out, "\r\n "); folded != tc.wantFolded {
				t.Errorf("folded = %v, want %v", folded, tc.wantFolded)
			}
			evs := cal.Events()
			if len(evs) != 1 {
				t.Fatalf("got %d events, want 1", len(evs))
			}
			e := &evs[0].ComponentBase
			if got := prop(t, e, ics.ComponentPropertySummary); got != tc.wantTitle {
				t.Errorf("SUMMARY = %q, want %q", got, tc.wantTitle)
			}
			if tc.wantText == "" {
				if e.GetProperty(ics.ComponentPropertyDescription) != nil {
					t.Errorf("DESCRIPTION present for an empty text")
				}
			} else if got := prop(t, e, ics.ComponentPropertyDescription); got != tc.wantText {
				t.Errorf("DESCRIPTION = %q, want %q", got, tc.wantText)
			}
			if tc.wantPlace == "" {
				if e.GetProperty(ics.ComponentPropertyLocation) != nil {
					t.Errorf("LOCATION present without place or city")
				}
			} else if got := prop(t, e, ics.ComponentPropertyLocation); got != tc.wantPlace {
				t.Errorf("LOCATION = %q, want %q", got, tc.wantPlace)
			}
			if got, _ := calProp(cal, ics.PropertyXWRCalName); got != "Партнери; міста, події" {
				t.Errorf("X-WR-CALNAME = %q", got)
			}
		})
	}
}

func TestICSFoldBoundaries(t *testing.T) {
	// Every alignment of 2-, 3- and 4-byte characters against the cut
	// points, on lines from well under to well over two physical lines,
	// must fold to ≤ 75 octets and unfold to the input.
	for prefix := 0; prefix < 4; prefix++ {
		for _, r := range []string{"ї", "€", "😀"} {
			for count := 1; count <= 80; count++ {
				line := "SUMMARY:" + strings.Repeat("x", prefix) + strings.Repeat(r, count)
				var b bytes.Buffer
				writeFolded(&b, line)
				out := b.String()
				checkPhysicalLines(t, out)
				if unfolded := strings.ReplaceAll(strings.TrimSuffix(out, "\r\n"), "\r\n ", ""); unfolded != line {
					t.Fatalf("unfolded %q, want %q", unfolded, line)
				}
			}
		}
	}
}

func TestICSTimes(t *testing.T) {
	ber := berlin(t)
	for _, tc := range []struct {
		name      string
		start     time.Time
		end       *time.Time
		wantStart string
		wantEnd   string
	}{
		{
			name:      "summer CEST is UTC+2",
			start:     time.Date(2025, 7, 15, 18, 0, 0, 0, ber),
			wantStart: "20250715T160000Z",
			wantEnd:   "20250715T180000Z", // default two hours
		},
		{
			name:      "winter CET is UTC+1",
			start:     time.Date(2025, 1, 15, 18, 0, 0, 0, ber),
			wantStart: "20250115T170000Z",
			wantEnd:   "20250115T190000Z",
		},
		{
			name:      "explicit end",
			start:     time.Date(2025, 12, 6, 18, 0, 0, 0, ber),
			end:       ptr(time.Date(2025, 12, 6, 21, 30, 0, 0, ber)),
			wantStart: "20251206T170000Z",
			wantEnd:   "20251206T203000Z",
		},
		{
			// Over the spring-forward night: 01:00 CET to 04:00 CEST is
			// two real hours.
			name:      "end across DST change",
			start:     time.Date(2025, 3, 30, 1, 0, 0, 0, ber),
			end:       ptr(time.Date(2025, 3, 30, 4, 0, 0, 0, ber)),
			wantStart: "20250330T000000Z",
			wantEnd:   "20250330T020000Z",
		},
		{
			name:      "end before start gets the default",
			start:     time.Date(2025, 7, 15, 18, 0, 0, 0, ber),
			end:       ptr(time.Date(2025, 7, 15, 17, 0, 0, 0, ber)),
			wantStart: "20250715T160000Z",
			wantEnd:   "20250715T180000Z",
		},
		{
			name:      "end equal to start gets the default",
			start:     time.Date(2025, 7, 15, 18, 0, 0, 0, ber),
			end:       ptr(time.Date(2025, 7, 15, 18, 0, 0, 0, ber)),
			wantStart: "20250715T160000Z",
			wantEnd:   "20250715T180000Z",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2025, 6, 1, 12, 0, 0, 0, ber)
			upd := time.Date(2025, 5, 31, 23, 30, 0, 0, ber)
			p := store.Post{ID: 1, Kind: store.KindEvent, Title: "t", StartsAt: &tc.start, EndsAt: tc.end, UpdatedAt: upd}
			out, cal := render(t, Calendar{Events: []store.Post{p}, Host: testHost, Now: now})
			e := &cal.Events()[0].ComponentBase
			if got := prop(t, e, ics.ComponentPropertyDtStart); got != tc.wantStart {
				t.Errorf("DTSTART = %s, want %s", got, tc.wantStart)
			}
			if got := prop(t, e, ics.ComponentPropertyDtEnd); got != tc.wantEnd {
				t.Errorf("DTEND = %s, want %s", got, tc.wantEnd)
			}
			if got := prop(t, e, ics.ComponentPropertyDtstamp); got != "20250601T100000Z" {
				t.Errorf("DTSTAMP = %s, want Now in UTC", got)
			}
			if got := prop(t, e, ics.ComponentPropertyLastModified); got != "20250531T213000Z" {
				t.Errorf("LAST-MODIFIED = %s, want UpdatedAt in UTC", got)
			}
			// The parser must read the same instant back.
			got, err := e.GetStartAt()
			if err != nil || !got.Equal(tc.start) {
				t.Errorf("parsed start = %v, %v; want %v", got, err, tc.start)
			}
			if strings.Contains(out, "TZID") || strings.Contains(out, "VTIMEZONE") {
				t.Errorf("UTC output should need no TZID or VTIMEZONE:\n%s", out)
			}
		})
	}
}

func TestICSEventFields(t *testing.T) {
	start := time.Date(2025, 9, 1, 10, 0, 0, 0, time.UTC)
	post := store.Post{
		ID: 42, Kind: store.KindEvent, City: "krefeld", Lang: store.LangUK,
		Title: "Зустріч", Text: "Текст", Place: "Ратуша", StartsAt: &start,
		Translations: map[store.Lang]store.PostText{store.LangEN: {Title: "Meeting", Text: "Text"}},
	}
	for _, tc := range []struct {
		name                         string
		lang                         store.Lang
		url                          string
		wantTitle, wantText, wantLoc string
		wantURL                      string
	}{
		{"own language", store.LangUK, "", "Зустріч", "Текст", "Ратуша, Крефельд", ""},
		{"translation", store.LangEN, "https://example.org/posts/", "Meeting", "Text", "Ратуша, Krefeld", "https://example.org/posts/42"},
		{"no translation falls back", store.LangDE, "https://t.me/partnerbot?start=post-", "Зустріч", "Текст", "Ратуша, Krefeld", "https://t.me/partnerbot?start=post-42"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cal := render(t, Calendar{Events: []store.Post{post}, Cities: testDataset(), Lang: tc.lang, Host: testHost, Now: start, URL: tc.url})
			e := &cal.Events()[0].ComponentBase
			for p, want := range map[ics.ComponentProperty]string{
				ics.ComponentPropertySummary:     tc.wantTitle,
				ics.ComponentPropertyDescription: tc.wantText,
				ics.ComponentPropertyLocation:    tc.wantLoc,
				ics.ComponentPropertyCategories:  "event",
				ics.ComponentPropertyUniqueId:    "post-42@" + testHost,
			} {
				if got := prop(t, e, p); got != want {
					t.Errorf("%s = %q, want %q", p, got, want)
				}
			}
			if tc.wantURL == "" {
				if e.GetProperty(ics.ComponentPropertyUrl) != nil {
					t.Errorf("URL present without a base")
				}
			} else if got := prop(t, e, ics.ComponentPropertyUrl); got != tc.wantURL {
				t.Errorf("URL = %q, want %q", got, tc.wantURL)
			}
		})
	}
}

func TestICSTurnouts(t *testing.T) {
	start := time.Date(2025, 9, 1, 10, 0, 0, 0, time.UTC)
	ev := func(id int64, text string) store.Post {
		return store.Post{ID: id, Kind: store.KindEvent, City: "krefeld", Title: "E", Text: text, StartsAt: &start}
	}
	_, cal := render(t, Calendar{Events: []store.Post{ev(1, "Text"), ev(2, ""), ev(3, "Quiet"), ev(4, "Not counted")},
		Cities: testDataset(), Lang: store.LangEN, Host: testHost, Now: start,
		Turnouts: map[int64]store.Turnout{1: {Going: 40, Waiting: 2, Capacity: 40}, 2: {Going: 5}, 3: {}}})
	for i, tc := range []struct {
		desc                     string
		going, capacity, waiting string
	}{
		{"Text\n\n👥 40/40", "40", "40", "2"},
		{"👥 5", "5", "", ""},
		{"Quiet", "0", "", ""},
		{"Not counted", "", "", ""},
	} {
		e := &cal.Events()[i].ComponentBase
		got := map[string]string{}
		for _, p := range e.Properties {
			got[p.IANAToken] = p.Value
		}
		if d := strings.ReplaceAll(got["DESCRIPTION"], `\n`, "\n"); d != tc.desc {
			t.Errorf("event %d: DESCRIPTION %q, want %q", i+1, d, tc.desc)
		}
		if got["X-PARTNERBOT-GOING"] != tc.going || got["X-PARTNERBOT-CAPACITY"] != tc.capacity || got["X-PARTNERBOT-WAITING"] != tc.waiting {
			t.Errorf("event %d: X- properties %v, want going %q capacity %q waiting %q", i+1, got, tc.going, tc.capacity, tc.waiting)
		}
	}
}

func TestICSStableUID(t *testing.T) {
	ber := berlin(t)
	start := time.Date(2025, 7, 15, 18, 0, 0, 0, ber)
	moved := time.Date(2025, 7, 16, 19, 0, 0, 0, ber)
	orig := store.Post{ID: 42, Kind: store.KindEvent, Title: "Концерт", StartsAt: &start, UpdatedAt: start.Add(-time.Hour)}
	edited := orig
	edited.Title, edited.Text, edited.Place, edited.StartsAt = "Концерт (перенесено)", "новий текст", "інша зала", &moved
	edited.UpdatedAt = start

	uid := func(cal Calendar) []string {
		_, parsed := render(t, cal)
		var out []string
		for _, e := range parsed.Events() {
			out = append(out, e.Id())
		}
		return out
	}
	base := Calendar{Host: testHost, Now: start}
	withPosts := func(ps ...store.Post) Calendar { c := base; c.Events = ps; return c }

	a := uid(withPosts(orig))
	b := uid(withPosts(edited))
	c := uid(withPosts(store.Post{ID: 1, Title: "x", StartsAt: &start}, edited))
	later := base
	later.Now = base.Now.Add(24 * time.Hour)
	later.Lang = store.LangEN
	later.Events = []store.Post{orig}
	d := uid(later)

	want := "post-42@" + testHost
	if a[0] != want || b[0] != want || c[1] != want || d[0] != want {
		t.Errorf("UIDs = %v %v %v %v, want %s for every rendering of post 42", a, b, c, d, want)
	}
	if c[0] == c[1] {
		t.Errorf("different posts share UID %s", c[0])
	}
}

func TestICSSkipsPostsWithoutStart(t *testing.T) {
	start := time.Date(2025, 7, 15, 16, 0, 0, 0, time.UTC)
	_, cal := render(t, Calendar{Host: testHost, Now: start, Events: []store.Post{
		{ID: 1, Kind: store.KindVisit, Title: "visit"},
		{ID: 2, Kind: store.KindEvent, Title: "event", StartsAt: &start},
		{ID: 3, Kind: store.KindAnnouncement, Title: "announcement"},
	}})
	evs := cal.Events()
	if len(evs) != 1 || evs[0].Id() != "post-2@"+testHost {
		t.Fatalf("got %d events, want only post 2", len(evs))
	}
	for _, c := range cal.Components {
		if _, ok := c.(*ics.VTimezone); ok {
			t.Errorf("VTIMEZONE written although there are events")
		}
	}
}

func TestICSEmptyCalendar(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cal     Calendar
		zone    string
		calName string
	}{
		{"no events, no dataset", Calendar{Host: testHost}, "UTC", ""},
		{"no events with dataset", Calendar{Name: "Події", Host: testHost, Cities: testDataset(), Lang: store.LangUK, Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, "Europe/Kyiv", "Події"},
		{"only posts without start", Calendar{Host: testHost, Events: []store.Post{{ID: 1, Title: "x"}}}, "UTC", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, cal := render(t, tc.cal)
			if !strings.HasPrefix(out, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(out, "END:VCALENDAR\r\n") {
				t.Errorf("not a VCALENDAR:\n%s", out)
			}
			if n := len(cal.Events()); n != 0 {
				t.Errorf("got %d events, want 0", n)
			}
			// RFC 5545 §3.6: at least one component.
			if len(cal.Components) == 0 {
				t.Errorf("empty calendar has no component")
			}
			for p, want := range map[ics.Property]string{
				ics.PropertyVersion:     "2.0",
				ics.PropertyCalscale:    "GREGORIAN",
				ics.PropertyMethod:      "PUBLISH",
				ics.PropertyXWRTimezone: tc.zone,
				ics.PropertyProductId:   prodID,
			} {
				if got, ok := calProp(cal, p); !ok || got != want {
					t.Errorf("%s = %q (present %v), want %q", p, got, ok, want)
				}
			}
			got, ok := calProp(cal, ics.PropertyXWRCalName)
			if ok != (tc.calName != "") || got != tc.calName {
				t.Errorf("X-WR-CALNAME = %q (present %v), want %q", got, ok, tc.calName)
			}
		})
	}
}

func TestICSErrors(t *testing.T) {
	start := time.Date(2025, 7, 15, 16, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		w    interface{ Write([]byte) (int, error) }
		cal  Calendar
		want error
	}{
		{"no host", &bytes.Buffer{}, Calendar{}, ErrHost},
		{"host that would break the UID", &bytes.Buffer{}, Calendar{Host: "a\r\nX:1"}, ErrHost},
		{"writer error", failWriter{}, Calendar{Host: testHost, Events: []store.Post{{ID: 1, StartsAt: &start}}}, errWrite},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := WriteICS(tc.w, tc.cal); !errors.Is(err, tc.want) {
				t.Errorf("WriteICS = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestICSURLCannotInjectLines(t *testing.T) {
	start := time.Date(2025, 7, 15, 16, 0, 0, 0, time.UTC)
	out, cal := render(t, Calendar{Host: testHost, Now: start, URL: "https://x/\r\nATTACH:evil?id=",
		Events: []store.Post{{ID: 5, Title: "t", StartsAt: &start}}})
	if strings.Contains(out, "\r\nATTACH") {
		t.Errorf("URL injected a property:\n%s", out)
	}
	if got := prop(t, &cal.Events()[0].ComponentBase, ics.ComponentPropertyUrl); got != "https://x/ATTACH:evil?id=5" {
		t.Errorf("URL = %q", got)
	}
}

// TestICSEscapeRaw checks the escaped form on the wire, which a lenient
// parser's round trip cannot: golang-ical reads an unescaped comma back as a
// comma, but strict clients treat it as a list separator.
func TestICSEscapeRaw(t *testing.T) {
	for _, tc := range []struct{ title, want string }{
		{"a,b", `SUMMARY:a\,b`},
		{"a;b", `SUMMARY:a\;b`},
		{`a\b`, `SUMMARY:a\\b`},
		{"a\nb", `SUMMARY:a\nb`},
		{"a\r\nb", `SUMMARY:a\nb`},
		{`\n`, `SUMMARY:\\n`},
		{`"Весна": 1`, `SUMMARY:"Весна": 1`}, // quotes and colons need no escape in TEXT
		{"Київ, 🇺🇦; \\", `SUMMARY:Київ\, 🇺🇦\; \\`},
	} {
		start := time.Date(2025, 7, 15, 16, 0, 0, 0, time.UTC)
		out, _ := render(t, Calendar{Host: testHost, Now: start, Events: []store.Post{{ID: 1, Title: tc.title, StartsAt: &start}}})
		unfolded := strings.ReplaceAll(out, "\r\n ", "")
		if !strings.Contains(unfolded, "\r\n"+tc.want+"\r\n") {
			t.Errorf("title %q: no line %q in\n%s", tc.title, tc.want, unfolded)
		}
	}
}
