package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

func testPosts(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Post(t.Context(), 999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Post(999) error = %v, want ErrNotFound", err)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		starts := t0.Add(48 * time.Hour).In(time.FixedZone("CEST", 2*3600))
		ends := starts.Add(3 * time.Hour)
		want := store.Post{
			Kind:  store.KindEvent,
			City:  "lyon",
			Title: "Концерт",
			Text:  "Текст <b>з</b> розміткою & символами",
			Lang:  store.LangUK,
			Translations: map[store.Lang]store.PostText{
				store.LangEN: {Title: "Concert", Text: "Text"},
				store.LangDE: {Title: "Konzert", Text: "Text"},
			},
			Date:        t0.Truncate(24 * time.Hour),
			StartsAt:    &starts,
			EndsAt:      &ends,
			Place:       "Place Bellecour",
			Author:      123456789,
			PublishedAt: time.Now(),
			UpdatedAt:   time.Now().Add(time.Minute),
		}
		created := createPost(t, s, want)
		if created.ID == 0 {
			t.Fatal("CreatePost returned id 0")
		}
		want.ID = created.ID
		if !equalPost(created, want) {
			t.Errorf("CreatePost returned\n got %+v\nwant %+v", created, want)
		}
		got, err := s.Post(t.Context(), created.ID)
		if err != nil {
			t.Fatalf("Post(%d) = %v", created.ID, err)
		}
		if !equalPost(got, want) {
			t.Errorf("Post(%d):\n got %+v\nwant %+v", created.ID, got, want)
		}
		if en := got.In(store.LangEN); en.Title != "Concert" {
			t.Errorf("In(en).Title = %q, want %q", en.Title, "Concert")
		}
	})

	t.Run("IDsIncrease", func(t *testing.T) {
		s := newStore(t)
		var last int64
		for i := range 5 {
			p := createPost(t, s, post("p", store.KindVisit, "lyon", t0.Add(-time.Duration(i)*time.Hour)))
			if p.ID <= last {
				t.Fatalf("post %d got id %d, want > %d", i, p.ID, last)
			}
			last = p.ID
		}
	})

	t.Run("ExplicitID", func(t *testing.T) {
		s := newStore(t)
		p := post("explicit", store.KindVisit, "lyon", t0)
		p.ID = 1000
		if got := createPost(t, s, p); got.ID != 1000 {
			t.Fatalf("CreatePost with ID 1000 returned id %d", got.ID)
		}
		next := createPost(t, s, post("next", store.KindVisit, "lyon", t0))
		if next.ID <= 1000 {
			t.Errorf("id assigned after explicit 1000 = %d, want > 1000", next.ID)
		}
		got, err := s.Post(t.Context(), 1000)
		if err != nil || got.Title != "explicit" {
			t.Errorf("Post(1000) = %q, %v; want %q, nil", got.Title, err, "explicit")
		}
	})

	t.Run("LatestPosts", func(t *testing.T) { testLatestPosts(t, newStore) })
	t.Run("UpcomingEvents", func(t *testing.T) { testUpcomingEvents(t, newStore) })

	t.Run("EmptyListings", func(t *testing.T) {
		s := newStore(t)
		for _, city := range []string{"", "lyon", store.AllCities} {
			if got := latest(t, s, city, 10); len(got) != 0 {
				t.Errorf("LatestPosts(%q) on an empty store = %v, want none", city, got)
			}
			if got := upcoming(t, s, city, t0, 10); len(got) != 0 {
				t.Errorf("UpcomingEvents(%q) on an empty store = %v, want none", city, got)
			}
		}
	})

	t.Run("SeedPost", func(t *testing.T) {
		s := newStore(t)
		p := post("seeded", store.KindAgreement, "lyon", t0)
		p.SeedKey = "lyon-agreement-1990"
		if created := seed(t, s, p); !created {
			t.Fatal("first SeedPost: created = false, want true")
		}
		changed := p
		changed.Title = "changed"
		if created := seed(t, s, changed); created {
			t.Error("second SeedPost with the same key: created = true, want false")
		}
		got := latest(t, s, "", 10)
		if len(got) != 1 || got[0].Title != "seeded" || got[0].SeedKey != p.SeedKey || got[0].ID == 0 {
			t.Fatalf("LatestPosts after two seeds = %v, want one post %q with seed key %q and an id",
				titles(got), "seeded", p.SeedKey)
		}
		byID, err := s.Post(t.Context(), got[0].ID)
		if err != nil || !equalPost(byID, got[0]) {
			t.Errorf("Post(%d) = %+v, %v; want %+v", got[0].ID, byID, err, got[0])
		}

		other := post("other", store.KindAgreement, "lyon", t0.Add(time.Hour))
		other.SeedKey = "lyon-agreement-2000"
		if created := seed(t, s, other); !created {
			t.Error("SeedPost with a new key: created = false, want true")
		}
		if got := titles(latest(t, s, "lyon", 10)); !slices.Equal(got, []string{"other", "seeded"}) {
			t.Errorf("LatestPosts(lyon) = %v, want [other seeded]", got)
		}
	})

	t.Run("SeedPostConcurrent", func(t *testing.T) {
		s := newStore(t)
		p := post("seeded", store.KindVisit, store.AllCities, t0)
		p.SeedKey = "visit-1"
		const n = 8
		var wg sync.WaitGroup
		results := make(chan error, n)
		var mu sync.Mutex
		createdCount := 0
		for range n {
			wg.Go(func() {
				created, err := s.SeedPost(context.WithoutCancel(t.Context()), p)
				if created {
					mu.Lock()
					createdCount++
					mu.Unlock()
				}
				results <- err
			})
		}
		wg.Wait()
		close(results)
		for err := range results {
			if err != nil {
				t.Fatalf("SeedPost: %v", err)
			}
		}
		if createdCount != 1 {
			t.Errorf("%d concurrent SeedPost calls reported created %d times, want 1", n, createdCount)
		}
		if got := latest(t, s, "", 10); len(got) != 1 {
			t.Errorf("LatestPosts after concurrent seeds = %v, want one post", titles(got))
		}
	})
}

// testLatestPosts checks ordering, limits and the city filter on one
// fixture. Posts are created out of publication order so ordering by id
// would fail.
func testLatestPosts(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	h := time.Hour
	for _, p := range []store.Post{
		post("a1", store.KindVisit, "lyon", t0.Add(1*h)),
		post("b2", store.KindAgreement, "krakow", t0.Add(2*h)),
		post("all3", store.KindAnnouncement, store.AllCities, t0.Add(3*h)),
		post("a4", store.KindVisit, "lyon", t0.Add(4*h)),
		post("a4tie", store.KindEvent, "lyon", t0.Add(4*h)), // same time, higher id: first
		post("c0", store.KindVisit, "porto", t0),
		post("a-old", store.KindVisit, "lyon", t0.Add(30*time.Minute)), // created after newer ones
		post("all4tie", store.KindVisit, store.AllCities, t0.Add(4*h)), // ties a4 and a4tie, highest id
	} {
		createPost(t, s, p)
	}
	tests := []struct {
		city  string
		limit int
		want  []string
	}{
		{"", 10, []string{"all4tie", "a4tie", "a4", "all3", "b2", "a1", "a-old", "c0"}},
		{"", 3, []string{"all4tie", "a4tie", "a4"}},
		{"", 1, []string{"all4tie"}},
		{"lyon", 10, []string{"all4tie", "a4tie", "a4", "all3", "a1", "a-old"}},
		{"lyon", 2, []string{"all4tie", "a4tie"}},
		{"lyon", 4, []string{"all4tie", "a4tie", "a4", "all3"}},
		{"krakow", 10, []string{"all4tie", "all3", "b2"}},
		{"krakow", 2, []string{"all4tie", "all3"}},
		{"porto", 10, []string{"all4tie", "all3", "c0"}},
		{store.AllCities, 10, []string{"all4tie", "all3"}},
		{"nowhere", 10, []string{"all4tie", "all3"}},
		{"lyon", math.MaxInt, []string{"all4tie", "a4tie", "a4", "all3", "a1", "a-old"}},
		{"", 0, nil},
		{"lyon", -1, nil},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("city=%q/limit=%d", tc.city, tc.limit), func(t *testing.T) {
			got := titles(latest(t, s, tc.city, tc.limit))
			if !slices.Equal(got, tc.want) {
				t.Errorf("LatestPosts(%q, %d) = %v, want %v", tc.city, tc.limit, got, tc.want)
			}
		})
	}
}

// testUpcomingEvents checks the start-time filter, ordering, limits and the
// city filter on one fixture, including posts that must never be listed.
func testUpcomingEvents(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	h := time.Hour
	withStart := func(p store.Post, start time.Time) store.Post {
		p.StartsAt = &start
		return p
	}
	for _, p := range []store.Post{
		withStart(post("a+1", store.KindEvent, "lyon", t0), t0.Add(1*h)),
		withStart(post("b+2", store.KindEvent, "krakow", t0), t0.Add(2*h)),
		withStart(post("all+3", store.KindEvent, store.AllCities, t0), t0.Add(3*h)),
		withStart(post("a-1", store.KindEvent, "lyon", t0), t0.Add(-1*h)),
		withStart(post("a+1tie", store.KindEvent, "lyon", t0), t0.Add(1*h)), // higher id: after a+1
		withStart(post("visit", store.KindVisit, "lyon", t0), t0.Add(1*h)),  // not an event
		post("no-start", store.KindEvent, "lyon", t0),                       // no StartsAt
		withStart(post("a+0", store.KindEvent, "lyon", t0), t0),             // starts exactly at from
		withStart(post("c+5", store.KindEvent, "porto", t0.Add(-48*h)), t0.Add(5*h)),
		withStart(post("all+1tie", store.KindEvent, store.AllCities, t0), t0.Add(1*h)), // highest id: last of the +1h
	} {
		createPost(t, s, p)
	}
	tests := []struct {
		city  string
		from  time.Time
		limit int
		want  []string
	}{
		{"", t0, 10, []string{"a+0", "a+1", "a+1tie", "all+1tie", "b+2", "all+3", "c+5"}},
		{"", t0, 2, []string{"a+0", "a+1"}},
		{"", t0.Add(-2 * h), 10, []string{"a-1", "a+0", "a+1", "a+1tie", "all+1tie", "b+2", "all+3", "c+5"}},
		{"", t0.Add(time.Millisecond), 10, []string{"a+1", "a+1tie", "all+1tie", "b+2", "all+3", "c+5"}},
		{"", t0.Add(500 * time.Microsecond), 3, []string{"a+1", "a+1tie", "all+1tie"}},
		{"", t0.Add(-500 * time.Microsecond), 1, []string{"a+0"}},
		{"", t0.Add(90 * time.Minute), 10, []string{"b+2", "all+3", "c+5"}},
		{"", t0.Add(6 * h), 10, nil},
		{"lyon", t0, 10, []string{"a+0", "a+1", "a+1tie", "all+1tie", "all+3"}},
		{"lyon", t0, 3, []string{"a+0", "a+1", "a+1tie"}},
		{"lyon", t0.Add(2 * h), 10, []string{"all+3"}},
		{"krakow", t0, 10, []string{"all+1tie", "b+2", "all+3"}},
		{"krakow", t0, 2, []string{"all+1tie", "b+2"}},
		{"porto", t0, 1, []string{"all+1tie"}},
		{store.AllCities, t0, 10, []string{"all+1tie", "all+3"}},
		{"nowhere", t0, 10, []string{"all+1tie", "all+3"}},
		{"krakow", t0, math.MaxInt, []string{"all+1tie", "b+2", "all+3"}},
		{"", t0, 0, nil},
	}
	for _, tc := range tests {
		from := "t0"
		if d := tc.from.Sub(t0); d > 0 {
			from += "+" + d.String()
		} else if d < 0 {
			from += d.String()
		}
		t.Run(fmt.Sprintf("city=%q/from=%s/limit=%d", tc.city, from, tc.limit), func(t *testing.T) {
			got := titles(upcoming(t, s, tc.city, tc.from, tc.limit))
			if !slices.Equal(got, tc.want) {
				t.Errorf("UpcomingEvents(%q, %s, %d) = %v, want %v", tc.city, from, tc.limit, got, tc.want)
			}
		})
	}
}
