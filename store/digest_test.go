package store_test

import (
	"fmt"
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
		{"scheduled, not published yet", withState(post(store.KindVisit, "krefeld", t0.Add(-time.Hour)), store.StatusScheduled), false},
		{"waiting for approval", withState(post(store.KindVisit, "krefeld", t0.Add(-time.Hour)), store.StatusPending), false},
		{"rejected", withState(post(store.KindVisit, "krefeld", t0.Add(-time.Hour)), store.StatusRejected), false},
		{"published through the workflow", withState(post(store.KindVisit, "krefeld", t0.Add(-time.Hour)), store.StatusPublished), true},
	}
	for _, tt := range tests {
		if got := sub.InDigest(tt.p, since, until); got != tt.want {
			t.Errorf("%s: InDigest = %t, want %t", tt.name, got, tt.want)
		}
	}
}

func withState(p store.Post, s store.PostStatus) store.Post { p.Status = s; return p }

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

func TestListedCities(t *testing.T) {
	tests := map[string][]string{
		"":              nil,
		store.AllCities: {store.AllCities},
		"krefeld":       {"krefeld", store.AllCities},
	}
	for city, want := range tests {
		got := store.ListedCities(city)
		if fmt.Sprint(got) != fmt.Sprint(want) || (got == nil) != (want == nil) {
			t.Errorf("ListedCities(%q) = %#v, want %#v", city, got, want)
		}
	}
}

func TestIsDatedEvent(t *testing.T) {
	at := t0
	tests := []struct {
		p    store.Post
		want bool
	}{
		{store.Post{Kind: store.KindEvent, StartsAt: &at}, true},
		{store.Post{Kind: store.KindEvent}, false},
		{store.Post{Kind: store.KindVisit, StartsAt: &at}, false},
	}
	for _, tt := range tests {
		if got := tt.p.IsDatedEvent(); got != tt.want {
			t.Errorf("IsDatedEvent(%s, start %v) = %t, want %t", tt.p.Kind, tt.p.StartsAt != nil, got, tt.want)
		}
	}
}

func TestGetsDigest(t *testing.T) {
	base := store.NewSubscriber(1, "private", store.LangEN, t0)
	base.Cities = []string{"venlo"}
	tests := []struct {
		name string
		edit func(*store.Subscriber)
		freq store.Frequency
		want bool
	}{
		{"daily subscriber, daily run", func(*store.Subscriber) {}, store.FreqDaily, true},
		{"daily subscriber, weekly run", func(*store.Subscriber) {}, store.FreqWeekly, false},
		{"digests off", func(s *store.Subscriber) { s.Frequency = store.FreqOff }, store.FreqDaily, false},
		{"no city followed", func(s *store.Subscriber) { s.Cities = nil }, store.FreqDaily, false},
		{"blocked the bot", func(s *store.Subscriber) { s.Active = false }, store.FreqDaily, false},
	}
	for _, tt := range tests {
		s := base
		tt.edit(&s)
		if got := s.GetsDigest(tt.freq); got != tt.want {
			t.Errorf("%s: GetsDigest = %t, want %t", tt.name, got, tt.want)
		}
	}
}

func TestSubscriberStatsCount(t *testing.T) {
	var st store.SubscriberStats
	a := store.NewSubscriber(1, "private", store.LangEN, t0)
	a.Cities = []string{"venlo", "venlo", "krefeld"} // a city listed twice counts once
	b := store.NewSubscriber(2, "group", store.LangDE, t0)
	b.Cities, b.Active, b.Frequency = []string{"venlo"}, false, store.FreqWeekly
	st.Count(a)
	st.Count(b)
	if st.Total != 2 || st.Active != 1 || st.Inactive != 1 {
		t.Errorf("totals %+v", st)
	}
	if st.PerCity["venlo"] != 1 || st.PerCity["krefeld"] != 1 {
		t.Errorf("PerCity %v: want active chats only, each city once", st.PerCity)
	}
	if st.PerLang[store.LangEN] != 1 || st.PerLang[store.LangDE] != 1 || st.PerFreq[store.FreqWeekly] != 1 || st.PerFreq[store.FreqDaily] != 1 {
		t.Errorf("PerLang %v, PerFreq %v: want every record", st.PerLang, st.PerFreq)
	}
}

// An announcement's translation has a text and no title; it is shown.
func TestInShowsUntitledTranslations(t *testing.T) {
	p := store.Post{Kind: store.KindAnnouncement, Lang: store.LangUK, Text: "Офіс зачинено",
		Translations: map[store.Lang]store.PostText{store.LangEN: {Text: "The office is closed"}}}
	if got := p.In(store.LangEN).Text; got != "The office is closed" {
		t.Errorf("In(en).Text = %q, want the English translation", got)
	}
	if got := p.In(store.LangDE).Text; got != "Офіс зачинено" {
		t.Errorf("In(de).Text = %q, want the original", got)
	}
}
