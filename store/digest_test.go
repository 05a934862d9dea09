package store_test

import (
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

var t0 = time.Date(2030, 5, 1, 9, 0, 0, 0, time.UTC)

func TestDigestSince(t *testing.T) {
	tests := []struct {
		name   string
		freq   store.Frequency
		last   time.Time
		hadOne bool
		want   time.Time
	}{
		{"daily, first digest", store.FreqDaily, time.Time{}, false, t0.Add(-24 * time.Hour)},
		{"weekly, first digest", store.FreqWeekly, time.Time{}, false, t0.Add(-7 * 24 * time.Hour)},
		{"after the last digest", store.FreqDaily, t0.Add(-3 * time.Hour), true, t0.Add(-3 * time.Hour)},
		{"off previews as daily", store.FreqOff, time.Time{}, false, t0.Add(-24 * time.Hour)},
	}
	for _, tt := range tests {
		if got := store.DigestSince(tt.freq, tt.last, tt.hadOne, t0); !got.Equal(tt.want) {
			t.Errorf("%s: DigestSince = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestInDigest(t *testing.T) {
	sub := store.NewSubscriber(1, "private", store.LangEN, t0)
	sub.Cities = []string{"krefeld"}
	sub.Kinds = []store.Kind{store.KindVisit, store.KindEvent, store.KindAnnouncement}
	since, until := t0.Add(-24*time.Hour), t0
	post := func(kind store.Kind, city string, pub time.Time) store.Post {
		return store.Post{ID: 1, Kind: kind, City: city, PublishedAt: pub}
	}
	tests := []struct {
		name string
		p    store.Post
		want bool
	}{
		{"visit in the window", post(store.KindVisit, "krefeld", t0.Add(-time.Hour)), true},
		{"post for all cities", post(store.KindEvent, store.AllCities, t0.Add(-time.Hour)), true},
		{"other city", post(store.KindVisit, "venlo", t0.Add(-time.Hour)), false},
		{"kind not followed", post(store.KindAgreement, "krefeld", t0.Add(-time.Hour)), false},
		{"announcements are pushed, not digested", post(store.KindAnnouncement, "krefeld", t0.Add(-time.Hour)), false},
		{"exactly at since: in the previous digest", post(store.KindVisit, "krefeld", since), false},
		{"exactly at the slot: in this digest", post(store.KindVisit, "krefeld", until), true},
		{"after the slot: in the next one", post(store.KindVisit, "krefeld", until.Add(time.Millisecond)), false},
	}
	for _, tt := range tests {
		if got := sub.InDigest(tt.p, since, until); got != tt.want {
			t.Errorf("%s: InDigest = %t, want %t", tt.name, got, tt.want)
		}
	}
}

func TestBoundaryPostInExactlyOneDigest(t *testing.T) {
	sub := store.NewSubscriber(1, "private", store.LangEN, t0)
	sub.Cities = []string{"krefeld"}
	p := store.Post{ID: 9, Kind: store.KindVisit, City: "krefeld", PublishedAt: t0}
	first := store.SelectDigest(sub, []store.Post{p}, t0.Add(-24*time.Hour), t0)
	second := store.SelectDigest(sub, []store.Post{p}, store.DigestSince(store.FreqDaily, t0, true, t0.Add(24*time.Hour)), t0.Add(24*time.Hour))
	if len(first)+len(second) != 1 {
		t.Errorf("post at the boundary: %d in the first digest, %d in the second; want exactly one in all", len(first), len(second))
	}
}

func TestSelectDigestOnceEach(t *testing.T) {
	sub := store.NewSubscriber(1, "private", store.LangEN, t0)
	sub.Cities = []string{"krefeld", "venlo"}
	a := store.Post{ID: 1, Kind: store.KindVisit, City: store.AllCities, PublishedAt: t0.Add(-time.Hour)}
	b := store.Post{ID: 2, Kind: store.KindVisit, City: "venlo", PublishedAt: t0.Add(-time.Hour)}
	got := store.SelectDigest(sub, []store.Post{a, b, a, b}, t0.Add(-24*time.Hour), t0)
	if len(got) != 2 {
		t.Errorf("SelectDigest of duplicated candidates = %d posts, want 2", len(got))
	}
}

func TestDisplayTitle(t *testing.T) {
	tests := []struct {
		name string
		p    store.Post
		want string
	}{
		{"title", store.Post{Title: "Visit", Text: "Body"}, "Visit"},
		{"announcement without title: first line", store.Post{Kind: store.KindAnnouncement, Text: "Office closed\nOn Friday"}, "Office closed"},
		{"long first line is shortened", store.Post{Text: string(make([]rune, 0)) + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…"},
		{"translated title", store.Post{Title: "Візит", Lang: store.LangUK, Translations: map[store.Lang]store.PostText{store.LangDE: {Title: "Besuch", Text: "x"}}}, "Besuch"},
	}
	for _, tt := range tests {
		if got := tt.p.DisplayTitle(store.LangDE); got != tt.want {
			t.Errorf("%s: DisplayTitle = %q, want %q", tt.name, got, tt.want)
		}
	}
}
