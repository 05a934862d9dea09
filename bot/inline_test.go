package bot

import (
	"testing"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

func TestInlinePageOf(t *testing.T) {
	tests := []struct {
		offset   string
		n        int
		from, to int
		next     string
		name     string
	}{
		{"", 0, 0, 0, "", "nothing found"},
		{"", 3, 0, 3, "", "one page"},
		{"", 50, 0, 50, "", "exactly one full page"},
		{"", 60, 0, 50, "50", "first of two"},
		{"50", 60, 50, 60, "", "second of two"},
		{"50", 120, 50, 100, "100", "middle page"},
		{"70", 60, 60, 60, "", "past the end (the list shrank)"},
		{"-5", 60, 0, 50, "50", "negative"},
		{"abc", 60, 0, 50, "50", "unparsable"},
		{"99999999999999999999", 60, 0, 50, "50", "overflow"},
	}
	for _, tt := range tests {
		from, to, next := inlinePageOf(tt.offset, tt.n)
		if from != tt.from || to != tt.to || next != tt.next {
			t.Errorf("%s: inlinePageOf(%q, %d) = %d, %d, %q; want %d, %d, %q",
				tt.name, tt.offset, tt.n, from, to, next, tt.from, tt.to, tt.next)
		}
	}
}

func TestInlineMatching(t *testing.T) {
	krefeld := store.City{Slug: "krefeld", Name: store.Text{store.LangUK: "Крефельд", store.LangEN: "Krefeld"}}
	d := &store.Dataset{Partners: []store.City{krefeld}}
	for q, want := range map[string]bool{"": true, "kref": true, "krefeld": true, "крефельд": true, "feld": true, "venlo": false} {
		if got := cityMatches(krefeld, q); got != want {
			t.Errorf("cityMatches(krefeld, %q) = %v, want %v", q, got, want)
		}
	}
	p := store.Post{City: "krefeld", Lang: store.LangEN, Title: "Jazz night", Text: "In the park", Place: "Stadtpark",
		Translations: map[store.Lang]store.PostText{store.LangDE: {Title: "Jazznacht", Text: "Im Garten"}}}
	tests := []struct {
		q    string
		l    store.Lang
		want bool
	}{
		{"jazznacht", store.LangDE, true}, // the reader's language
		{"park", store.LangDE, true},      // the original
		{"garten", store.LangDE, true},
		{"garten", store.LangNL, false}, // another reader's language
		{"stadtpark", store.LangNL, true},
		{"крефельд", store.LangEN, true}, // the post's city, by any name
		{"venlo", store.LangEN, false},
	}
	for _, tt := range tests {
		if got := postMatches(d, p, tt.q, tt.l); got != tt.want {
			t.Errorf("postMatches(%q, %s) = %v, want %v", tt.q, tt.l, got, tt.want)
		}
	}
	all := store.Post{City: store.AllCities, Lang: store.LangEN, Title: "News"}
	if postMatches(d, all, "krefeld", store.LangEN) {
		t.Error("a post for all cities matched a city's name it does not contain")
	}
}

// Every inline card's keys exist in every locale.
func TestInlineKeysExist(t *testing.T) {
	for _, l := range store.Langs() {
		keys, err := render.LocaleKeys(l)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"inline_open", "btn_subscribe", "partner_since"} {
			if _, ok := keys[k]; !ok {
				t.Errorf("locale %s lacks %s", l, k)
			}
		}
	}
}

// Inline queries come as fast as someone types and are answered, not
// replied to in a chat: they must stay outside the inbound limits.
func TestInlineQueriesCostNothing(t *testing.T) {
	var b Bot
	if b.costs(&Request{Kind: KindInline, UserID: 1}) {
		t.Error("inline queries count against the inbound limits")
	}
}
