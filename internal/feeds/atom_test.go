package feeds

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"

	"github.com/partnerbot/partnerbot/store"
)

// renderAtom runs WriteAtom and parses the result twice with gofeed: once
// through format detection (it must be recognised as Atom 1.0) and once
// with the Atom parser for the Atom-specific fields.
func renderAtom(t *testing.T, f Feed) (string, *atom.Feed) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteAtom(&b, f); err != nil {
		t.Fatalf("WriteAtom: %v", err)
	}
	out := b.String()
	generic, err := gofeed.NewParser().ParseString(out)
	if err != nil {
		t.Fatalf("gofeed cannot parse the output: %v\n%s", err, out)
	}
	if generic.FeedType != "atom" || generic.FeedVersion != "1.0" {
		t.Fatalf("detected as %s %s, want atom 1.0", generic.FeedType, generic.FeedVersion)
	}
	parsed, err := (&atom.Parser{}).Parse(strings.NewReader(out))
	if err != nil {
		t.Fatalf("gofeed/atom cannot parse the output: %v\n%s", err, out)
	}
	checkAtomRequired(t, out)
	return out, parsed
}

// checkAtomRequired checks, with encoding/xml's decoder, the RFC 4287
// cardinalities a lenient parser does not enforce: the Atom namespace,
// exactly one id, title and updated on the feed and on every entry, and a
// feed author.
func checkAtomRequired(t *testing.T, out string) {
	t.Helper()
	type Elem struct {
		XMLName xml.Name
		ID      []string `xml:"id"`
		Title   []string `xml:"title"`
		Updated []string `xml:"updated"`
		Author  []struct {
			Name string `xml:"name"`
		} `xml:"author"`
		Content []string `xml:"content"`
	}
	var doc struct {
		XMLName xml.Name // encoding/xml sets only the outer struct's
		Elem
		Entries []Elem `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not well-formed XML: %v", err)
	}
	if doc.XMLName.Space != "http://www.w3.org/2005/Atom" || doc.XMLName.Local != "feed" {
		t.Errorf("root is %v, want Atom feed", doc.XMLName)
	}
	if len(doc.ID) != 1 || len(doc.Title) != 1 || len(doc.Updated) != 1 {
		t.Errorf("feed has %d id, %d title, %d updated; want one each", len(doc.ID), len(doc.Title), len(doc.Updated))
	}
	if len(doc.Author) != 1 || doc.Author[0].Name == "" {
		t.Errorf("feed author = %v, want one with a name", doc.Author)
	}
	for i, e := range doc.Entries {
		if len(e.ID) != 1 || len(e.Title) != 1 || len(e.Updated) != 1 || len(e.Content) != 1 {
			t.Errorf("entry %d has %d id, %d title, %d updated, %d content; want one each", i, len(e.ID), len(e.Title), len(e.Updated), len(e.Content))
		}
	}
	updates := doc.Updated
	for _, e := range doc.Entries {
		updates = append(updates, e.Updated...)
	}
	for _, u := range updates {
		if _, err := time.Parse(time.RFC3339, u); err != nil {
			t.Errorf("updated %q is not RFC 3339: %v", u, err)
		}
	}
}

func TestAtomFeed(t *testing.T) {
	ber := berlin(t)
	pub := time.Date(2025, 3, 1, 9, 0, 0, 0, ber)
	upd := time.Date(2025, 3, 2, 10, 30, 0, 0, ber)
	posts := []store.Post{
		{
			ID: 42, Kind: store.KindAgreement, City: "krefeld", Lang: store.LangUK,
			Title: "Угода", Text: "Підписано угоду.",
			Translations: map[store.Lang]store.PostText{store.LangEN: {Title: "Agreement", Text: "An agreement was signed."}},
			PublishedAt:  pub, UpdatedAt: upd,
		},
		{ID: 7, Kind: store.KindAnnouncement, City: store.AllCities, Lang: store.LangUK, Title: "Оголошення", Text: "Для всіх.", PublishedAt: pub, UpdatedAt: pub},
		// /announce takes only a text: the entry's title is its first line.
		{ID: 8, Kind: store.KindAnnouncement, City: "krefeld", Lang: store.LangEN, Text: "Office closed on Friday\nWe reopen on Monday.", PublishedAt: pub, UpdatedAt: pub},
	}
	_, f := renderAtom(t, Feed{
		Title: "Partner cities", ID: "tag:" + testHost + ",2025:feed-en", SelfURL: "https://example.org/feed.atom?lang=en&x=1",
		Posts: posts, Cities: testDataset(), Lang: store.LangEN, Author: "Kropyvnytskyi City Council", Host: testHost,
		Updated: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	if f.ID != "tag:"+testHost+",2025:feed-en" || f.Title != "Partner cities" || f.Language != "en" {
		t.Errorf("feed id/title/lang = %q %q %q", f.ID, f.Title, f.Language)
	}
	if len(f.Authors) != 1 || f.Authors[0].Name != "Kropyvnytskyi City Council" {
		t.Errorf("authors = %v", f.Authors)
	}
	if len(f.Links) != 1 || f.Links[0].Rel != "self" || f.Links[0].Href != "https://example.org/feed.atom?lang=en&x=1" {
		t.Errorf("links = %+v, want one rel=self", f.Links)
	}
	if f.UpdatedParsed == nil || !f.UpdatedParsed.Equal(upd) {
		t.Errorf("feed updated = %v, want the latest post update %v", f.UpdatedParsed, upd)
	}
	if len(f.Entries) != 3 {
		t.Fatalf("got %d entries, want 3", len(f.Entries))
	}
	e := f.Entries[0]
	if e.ID != "tag:"+testHost+",2025:post-42" || e.Title != "Agreement" || e.Content.Value != "An agreement was signed." || e.Content.Type != "text" {
		t.Errorf("entry 0 = %q %q %+v", e.ID, e.Title, e.Content)
	}
	if e.UpdatedParsed == nil || !e.UpdatedParsed.Equal(upd) || e.Updated != "2025-03-02T09:30:00Z" {
		t.Errorf("entry updated = %q, want UTC %v", e.Updated, upd)
	}
	if e.PublishedParsed == nil || !e.PublishedParsed.Equal(pub) {
		t.Errorf("entry published = %q, want %v", e.Published, pub)
	}
	if len(e.Categories) != 2 || e.Categories[0].Term != "agreement" || e.Categories[0].Scheme != "" ||
		e.Categories[1].Term != "krefeld" || e.Categories[1].Label != "Krefeld" || e.Categories[1].Scheme != "tag:"+testHost+",2025:city" {
		t.Errorf("categories = %+v", e.Categories)
	}
	// The second post has no English text: it falls back to Ukrainian and
	// is about all cities, so it has only the kind category.
	e = f.Entries[1]
	if e.ID != "tag:"+testHost+",2025:post-7" || e.Title != "Оголошення" || len(e.Categories) != 1 || e.Categories[0].Term != "announcement" {
		t.Errorf("entry 1 = %q %q %+v", e.ID, e.Title, e.Categories)
	}
	// An untitled announcement is titled by its first line, as in /news;
	// its content is the whole text.
	e = f.Entries[2]
	if e.ID != "tag:"+testHost+",2025:post-8" || e.Title != "Office closed on Friday" ||
		e.Content.Value != "Office closed on Friday\nWe reopen on Monday." {
		t.Errorf("entry 2 = %q title %q content %q, want the first line as its title", e.ID, e.Title, e.Content.Value)
	}
}

func TestAtomEntryLanguage(t *testing.T) {
	p := store.Post{ID: 1, Lang: store.LangUK, Title: "Угода", Text: "т", UpdatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		Translations: map[store.Lang]store.PostText{store.LangEN: {Title: "Agreement", Text: "t"}}}
	for _, tc := range []struct {
		lang     store.Lang
		wantAttr string // xml:lang on the entry; "" when it is the feed's
	}{
		{store.LangEN, ""},
		{store.LangUK, ""},
		{store.LangDE, `<entry xml:lang="uk">`},
	} {
		var b bytes.Buffer
		if err := WriteAtom(&b, Feed{ID: "urn:x", Host: testHost, Lang: tc.lang, Posts: []store.Post{p}}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if tc.wantAttr == "" && !strings.Contains(out, "<entry>") || tc.wantAttr != "" && !strings.Contains(out, tc.wantAttr) {
			t.Errorf("lang %s: want entry tag %q in\n%s", tc.lang, tc.wantAttr, out)
		}
	}
}

func TestAtomIDStableAcrossEdits(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	orig := store.Post{ID: 42, Kind: store.KindEvent, Lang: store.LangUK, Title: "Концерт", Text: "a", PublishedAt: t0, UpdatedAt: t0}
	edited := orig
	edited.Title, edited.Text, edited.Kind, edited.UpdatedAt = "Концерт (перенесено)", "b", store.KindAnnouncement, t0.Add(time.Hour)

	for _, tc := range []struct {
		name  string
		posts []store.Post
		lang  store.Lang
	}{
		{"original", []store.Post{orig}, store.LangUK},
		{"title edited", []store.Post{edited}, store.LangUK},
		{"other posts around it", []store.Post{{ID: 1, Title: "x", UpdatedAt: t0}, edited, {ID: 43, Title: "y", UpdatedAt: t0}}, store.LangUK},
		{"other language", []store.Post{edited}, store.LangEN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, f := renderAtom(t, Feed{ID: "urn:x", Host: testHost, Lang: tc.lang, Posts: tc.posts, Author: "a"})
			var found bool
			for _, e := range f.Entries {
				if e.ID == "tag:"+testHost+",2025:post-42" {
					found = true
					if e.Title != tc.posts[len(tc.posts)/2].Title {
						t.Errorf("title %q, want the current one", e.Title)
					}
				}
			}
			if !found {
				t.Errorf("no entry with the stable id of post 42")
			}
			seen := map[string]bool{}
			for _, e := range f.Entries {
				if seen[e.ID] {
					t.Errorf("duplicate entry id %s", e.ID)
				}
				seen[e.ID] = true
			}
		})
	}
}

func TestAtomContentEscaping(t *testing.T) {
	for _, tc := range []struct {
		name, title, text string
	}{
		{"script and entity", `<b>Bold</b> & "quotes"`, `<script>alert("x")</script>&amp; &lt; ]]> <![CDATA[x]]>`},
		{"cyrillic and emoji", "Кропивницький 🇺🇦 & Krefeld 🇩🇪", "Рядок 1\nРядок 2 — «лапки» ' \" 🤝"},
		{"entity-looking text stays text", "&copy; &#65;", "&nbsp;&#x41;&unknown; & ;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := store.Post{ID: 1, Kind: store.KindEvent, Lang: store.LangUK, Title: tc.title, Text: tc.text, UpdatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
			out, f := renderAtom(t, Feed{Title: tc.title, ID: "urn:x", Host: testHost, Lang: store.LangUK, Posts: []store.Post{p}})
			if strings.Contains(out, "<script>") || strings.Contains(out, "<b>") {
				t.Errorf("markup not escaped:\n%s", out)
			}
			if f.Title != tc.title {
				t.Errorf("feed title = %q, want %q", f.Title, tc.title)
			}
			e := f.Entries[0]
			if e.Title != tc.title {
				t.Errorf("entry title = %q, want %q", e.Title, tc.title)
			}
			if e.Content == nil || e.Content.Type != "text" || e.Content.Value != tc.text {
				t.Errorf("content = %+v, want text %q", e.Content, tc.text)
			}
		})
	}
}

func TestAtomUpdated(t *testing.T) {
	t1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	t2 := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	t3 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name        string
		updated     time.Time
		posts       []store.Post
		wantFeed    time.Time
		wantEntries []time.Time
	}{
		{"empty feed uses Updated", t2, nil, t2, nil},
		{"latest post wins", t1, []store.Post{{ID: 1, UpdatedAt: t2}, {ID: 2, UpdatedAt: t3}}, t3, []time.Time{t2, t3}},
		{"Updated later than posts wins", t3, []store.Post{{ID: 1, UpdatedAt: t1}}, t3, []time.Time{t1}},
		{"no Updated: latest post", time.Time{}, []store.Post{{ID: 1, UpdatedAt: t2}}, t2, []time.Time{t2}},
		{"entry falls back to PublishedAt then Date", t1, []store.Post{{ID: 1, PublishedAt: t2}, {ID: 2, Date: t3}}, t3, []time.Time{t2, t3}},
		{"entry without any time takes the feed's", t2, []store.Post{{ID: 1}}, t2, []time.Time{t2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, f := renderAtom(t, Feed{ID: "urn:x", Host: testHost, Posts: tc.posts, Updated: tc.updated, Title: "t"})
			if f.UpdatedParsed == nil || !f.UpdatedParsed.Equal(tc.wantFeed) {
				t.Errorf("feed updated = %v, want %v", f.UpdatedParsed, tc.wantFeed)
			}
			if len(f.Entries) != len(tc.wantEntries) {
				t.Fatalf("got %d entries, want %d", len(f.Entries), len(tc.wantEntries))
			}
			for i, e := range f.Entries {
				if e.UpdatedParsed == nil || !e.UpdatedParsed.Equal(tc.wantEntries[i]) {
					t.Errorf("entry %d updated = %v, want %v", i, e.UpdatedParsed, tc.wantEntries[i])
				}
			}
		})
	}
}

func TestAtomErrors(t *testing.T) {
	t1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		w    interface{ Write([]byte) (int, error) }
		f    Feed
		want error
	}{
		{"no host", &bytes.Buffer{}, Feed{ID: "urn:x", Updated: t1}, ErrHost},
		{"host with comma would break tags", &bytes.Buffer{}, Feed{ID: "urn:x", Host: "a,2025:b", Updated: t1}, ErrHost},
		{"no id", &bytes.Buffer{}, Feed{Host: testHost, Updated: t1}, ErrFeedID},
		{"no time at all", &bytes.Buffer{}, Feed{ID: "urn:x", Host: testHost, Posts: []store.Post{{ID: 1}}}, ErrFeedUpdated},
		{"writer error", failWriter{}, Feed{ID: "urn:x", Host: testHost, Updated: t1}, errWrite},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := WriteAtom(tc.w, tc.f); !errors.Is(err, tc.want) {
				t.Errorf("WriteAtom = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAtomAuthorFallback(t *testing.T) {
	t1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ author, title, want string }{
		{"Council", "Feed", "Council"},
		{"", "Feed", "Feed"},
	} {
		_, f := renderAtom(t, Feed{ID: "urn:x", Host: testHost, Updated: t1, Author: tc.author, Title: tc.title})
		if len(f.Authors) != 1 || f.Authors[0].Name != tc.want {
			t.Errorf("author %q title %q: authors %+v, want %q", tc.author, tc.title, f.Authors, tc.want)
		}
	}
}
