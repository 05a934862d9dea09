package render_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/data"
	"github.com/partnerbot/partnerbot/store"
)

// newRenderer is the renderer the bot and the scheduler use, with the real
// locales and the bundled dataset.
func newRenderer(t *testing.T) *render.Renderer {
	t.Helper()
	tr, err := render.NewTranslator()
	if err != nil {
		t.Fatal(err)
	}
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	return render.New(tr, ds, nil)
}

// photoPost is an English post in Venlo with n photos.
func photoPost(id int64, n int) store.Post {
	day := time.Date(2026, 5, 14, 10, 0, 0, 0, time.UTC)
	p := store.Post{ID: id, Kind: store.KindAnnouncement, City: "venlo", Lang: store.LangEN,
		Title: "Delegation in Venlo", Text: "The delegation met the mayor & the council.",
		Date: day, PublishedAt: day, UpdatedAt: day}
	for i := range n {
		p.Photos = append(p.Photos, store.Photo{FileID: fmt.Sprintf("file-%d", i+1), UniqueID: fmt.Sprintf("uniq-%d", i+1)})
	}
	return p
}

// variant is one way of rendering a post as parts, with the HTML the whole
// post takes in it.
type variant struct {
	name     string
	parts    func(p store.Post, l store.Lang) []store.Part
	html     func(p store.Post, l store.Lang) string
	keyboard string // what the text part must carry
	link     bool   // whether the /p link belongs in it
}

func variants(r *render.Renderer) []variant {
	const kb = `{"inline_keyboard":[[{"text":"Open","callback_data":"open:42"}]]}`
	return []variant{
		{name: "post", keyboard: kb, link: true, html: r.PostHTML,
			parts: func(p store.Post, l store.Lang) []store.Part { return r.PostParts(p, l, kb) }},
		{name: "channel", keyboard: kb, html: r.ChannelHTML,
			parts: func(p store.Post, l store.Lang) []store.Part { return r.ChannelParts(p, l, kb) }},
		{name: "reminder", keyboard: kb, link: true, html: r.ReminderHTML,
			parts: func(p store.Post, l store.Lang) []store.Part { return r.ReminderParts(p, l, kb) }},
	}
}

// fit pads the post's text (prefix, then a's) so that the variant's HTML,
// as plain text, is exactly n characters long. An escaped prefix (&, <)
// makes the HTML longer than what the reader sees.
func fit(t *testing.T, v variant, p store.Post, n int, prefix string) store.Post {
	t.Helper()
	p.Text = prefix + "a"
	base := utf8.RuneCountInString(render.PlainText(v.html(p, store.LangEN)))
	if n < base {
		t.Fatalf("%s: the post is already %d characters, more than %d", v.name, base, n)
	}
	p.Text = prefix + strings.Repeat("a", n-base+1)
	if got := utf8.RuneCountInString(render.PlainText(v.html(p, store.LangEN))); got != n {
		t.Fatalf("%s: padded to %d plain characters, want %d", v.name, got, n)
	}
	return p
}

// The layouts a post takes as messages: text alone; one photo with the
// post as its caption while the caption fits (measured on what the reader
// sees, not on the HTML); one photo with a short caption and the text after
// it; an album, then the text. The keyboard only ever goes with the text,
// on the last part; the channel's version has no /p link.
func TestPartsLayouts(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	const (
		textOnly   = "text"
		caption    = "photo with the post as caption"
		photoTitle = "photo with its title, then the text"
		album      = "album, then the text"
	)
	rows := []struct {
		name   string
		photos int
		plain  int    // the post's plain length in the variant; 0: as written
		prefix string // what the padded text starts with
		want   string
	}{
		{name: "no photo", photos: 0, want: textOnly},
		{name: "no photo, long text", photos: 0, plain: 2000, want: textOnly},
		{name: "one photo, short text", photos: 1, want: caption},
		{name: "one photo, exactly 1024 characters", photos: 1, plain: render.MaxCaption, want: caption},
		{name: "one photo, 1024 characters of escaped text", photos: 1, plain: render.MaxCaption, prefix: strings.Repeat("<&>", 100), want: caption},
		{name: "one photo, 1025 characters", photos: 1, plain: render.MaxCaption + 1, want: photoTitle},
		{name: "one photo, long text", photos: 1, plain: 3000, want: photoTitle},
		{name: "two photos", photos: 2, want: album},
		{name: "three photos", photos: 3, want: album},
		{name: "three photos, long text", photos: 3, plain: 3000, want: album},
		{name: "ten photos", photos: store.MaxPhotos, want: album},
	}
	for _, v := range variants(r) {
		for _, tt := range rows {
			t.Run(v.name+"/"+tt.name, func(t *testing.T) {
				p := photoPost(42, tt.photos)
				if tt.plain > 0 {
					p = fit(t, v, p, tt.plain, tt.prefix)
				}
				html := v.html(p, store.LangEN)
				if tt.prefix != "" && utf8.RuneCountInString(html) <= render.MaxCaption {
					t.Fatalf("the HTML is %d characters: the row does not show that the limit applies to the plain text", utf8.RuneCountInString(html))
				}
				parts := v.parts(p, store.LangEN)
				ids := p.FileIDs()
				last := len(parts) - 1

				switch tt.want {
				case textOnly:
					if len(parts) != 1 || len(parts[0].Photos) != 0 || parts[0].Text != html {
						t.Fatalf("parts %+v, want one text part with the whole post", parts)
					}
				case caption:
					if len(parts) != 1 || !slices.Equal(parts[0].Photos, ids) || parts[0].Text != html {
						t.Fatalf("parts %+v, want the photo with the whole post as caption", parts)
					}
				case photoTitle:
					if len(parts) != 2 || !slices.Equal(parts[0].Photos, ids) || len(parts[1].Photos) != 0 {
						t.Fatalf("parts %+v, want the photo, then the text", parts)
					}
					if want := "<b>" + render.Esc(p.Title) + "</b>"; parts[0].Text != want {
						t.Errorf("photo caption %q, want the bold title %q", parts[0].Text, want)
					}
					if parts[1].Text != html {
						t.Errorf("text part %q, want the whole post %q", parts[1].Text, html)
					}
				case album:
					if len(parts) != 2 || !slices.Equal(parts[0].Photos, ids) || len(parts[1].Photos) != 0 {
						t.Fatalf("parts %+v, want the album of %d, then the text", parts, len(ids))
					}
					if parts[0].Text != "" {
						t.Errorf("album caption %q, want none: the text follows it", parts[0].Text)
					}
					if parts[1].Text != html {
						t.Errorf("text part %q, want the whole post %q", parts[1].Text, html)
					}
				}

				for i, pt := range parts {
					// The keyboard goes with the text, on the last part only.
					want := ""
					if i == last {
						want = v.keyboard
					}
					if pt.Keyboard != want {
						t.Errorf("part %d of %d has keyboard %q, want %q", i+1, len(parts), pt.Keyboard, want)
					}
					if len(pt.Photos) > 0 {
						if n := utf8.RuneCountInString(render.PlainText(pt.Text)); n > render.MaxCaption {
							t.Errorf("part %d: caption of %d characters, over Telegram's %d", i+1, n, render.MaxCaption)
						}
					}
					if len(pt.Photos) > store.MaxPhotos {
						t.Errorf("part %d: %d photos, more than an album takes", i+1, len(pt.Photos))
					}
				}

				text := parts[last].Text
				if !strings.Contains(text, "Delegation in Venlo") {
					t.Errorf("text part %q lacks the title", text)
				}
				if got := strings.Contains(text, "/p42"); got != v.link {
					t.Errorf("/p42 in the text part: %v, want %v:\n%s", got, v.link, text)
				}
				if !v.link && strings.Contains(strings.Join(partTexts(parts), "\n"), "/p") {
					t.Errorf("the channel's version has an open link: %q", partTexts(parts))
				}
				count := fmt.Sprintf("📷 %d photo(s)", tt.photos)
				if got := strings.Contains(text, count); got != (tt.photos > 0) {
					t.Errorf("%q in the text part: %v, want %v:\n%s", count, got, tt.photos > 0, text)
				}
				if strings.Contains(text, "🌐") {
					t.Errorf("original-language line for a reader of the original:\n%s", text)
				}
			})
		}
	}
}

func partTexts(ps []store.Part) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Text
	}
	return out
}

// The footer: "🌐 original in …" when the reader's language is missing
// (an empty translation is missing too), never when the post is written in
// it or translated into it; the photo count and the open link in the
// reader's language, the open link never in the channel.
func TestPartsFooter(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	withDE := func(p *store.Post) {
		p.Translations = map[store.Lang]store.PostText{store.LangDE: {Title: "Delegation in Venlo (de)", Text: "Die Delegation traf den Bürgermeister."}}
	}
	emptyDE := func(p *store.Post) { p.Translations = map[store.Lang]store.PostText{store.LangDE: {}} }
	rows := []struct {
		name     string
		photos   int
		edit     func(*store.Post)
		reader   store.Lang
		original string // the expected "🌐" line, "" for none
		count    string // the expected photo count, "" for none
		text     string // what the reader reads
	}{
		{name: "reader of the original", photos: 1, reader: store.LangEN,
			count: "📷 1 photo(s)", text: "The delegation met the mayor &amp; the council."},
		{name: "German reader, translated", photos: 2, edit: withDE, reader: store.LangDE,
			count: "📷 2 Foto(s)", text: "Die Delegation traf den Bürgermeister."},
		{name: "Dutch reader, not translated", photos: 3, edit: withDE, reader: store.LangNL,
			original: "🌐 Origineel in het Engels; nog niet in uw taal vertaald.", count: "📷 3 foto('s)",
			text: "The delegation met the mayor &amp; the council."},
		{name: "German reader, empty translation", photos: 0, edit: emptyDE, reader: store.LangDE,
			original: "🌐 Original auf Englisch; noch nicht in Ihre Sprache übersetzt.",
			text:     "The delegation met the mayor &amp; the council."},
		{name: "German reader, no translation, no photo", photos: 0, reader: store.LangDE,
			original: "🌐 Original auf Englisch; noch nicht in Ihre Sprache übersetzt.",
			text:     "The delegation met the mayor &amp; the council."},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			p := photoPost(42, tt.photos)
			if tt.edit != nil {
				tt.edit(&p)
			}
			for _, v := range variants(r) {
				parts := v.parts(p, tt.reader)
				text := parts[len(parts)-1].Text
				if !strings.Contains(text, tt.text) {
					t.Errorf("%s: lacks %q:\n%s", v.name, tt.text, text)
				}
				if tt.original != "" && !strings.Contains(text, tt.original) {
					t.Errorf("%s: lacks %q:\n%s", v.name, tt.original, text)
				}
				if tt.original == "" && strings.Contains(text, "🌐") {
					t.Errorf("%s: says the reader's language is missing although it is there:\n%s", v.name, text)
				}
				if tt.count != "" && !strings.Contains(text, tt.count) {
					t.Errorf("%s: lacks the photo count %q:\n%s", v.name, tt.count, text)
				}
				if tt.count == "" && strings.Contains(text, "📷") {
					t.Errorf("%s: photo count for a post without photos:\n%s", v.name, text)
				}
				// The footer ends the post: count and link on one line.
				line := strings.TrimPrefix(tt.count+" · /p42", " · ")
				switch {
				case v.link && !strings.HasSuffix(text, line):
					t.Errorf("%s: does not end with %q:\n%s", v.name, line, text)
				case !v.link && strings.Contains(text, "/p42"):
					t.Errorf("%s: the channel's version has the open link:\n%s", v.name, text)
				case !v.link && tt.count != "" && !strings.HasSuffix(text, tt.count):
					t.Errorf("%s: does not end with %q:\n%s", v.name, tt.count, text)
				}
			}
		})
	}
}

// A German subscriber's digest shows each post in German where it is
// translated (and says so where it is not), with its photo count and the
// link that opens it with its photos.
func TestDigestPhotosAndLanguage(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	translated := photoPost(7, 2)
	translated.Translations = map[store.Lang]store.PostText{store.LangDE: {Title: "Delegation in Venlo empfangen", Text: "Die Delegation traf den Bürgermeister."}}
	untranslated := photoPost(8, 0)
	untranslated.Title, untranslated.Text = "Choir concert", "The choir sings in the town hall."
	untranslated.PublishedAt = untranslated.PublishedAt.Add(-time.Hour)

	sub := store.NewSubscriber(2001, "private", store.LangDE, time.Now())
	sub.Cities = []string{"venlo"}
	msgs := r.DigestMessages(sub, []store.Post{untranslated, translated})
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want one: %q", len(msgs), msgs)
	}
	got := msgs[0]
	for _, want := range []string{
		"Neues aus unseren Partnerstädten",
		"<b>Delegation in Venlo empfangen</b>", "Die Delegation traf den Bürgermeister.", "📷 2 Foto(s) · /p7",
		"<b>Choir concert</b>", "🌐 Original auf Englisch", "/p8",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("digest lacks %q:\n%s", want, got)
		}
	}
	for _, unwanted := range []string{"The delegation met the mayor", "Delegation in Venlo</b>", "📷 0", "photo(s)"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("digest has %q:\n%s", unwanted, got)
		}
	}
	// The translated post is not marked as missing German; the other one
	// is, once.
	if n := strings.Count(got, "🌐"); n != 1 {
		t.Errorf("%d original-language lines, want one (for the untranslated post):\n%s", n, got)
	}
	// Newest first, and the untranslated post has no photo count.
	_, rest, _ := strings.Cut(got, "/p7")
	if !strings.Contains(rest, "Choir concert") || strings.Contains(rest, "📷") {
		t.Errorf("after the newest post comes %q, want the older one without photos", rest)
	}
}
