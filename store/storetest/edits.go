package storetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// testPostEdits checks UpdatePost and DeletePost: every listing and count
// must follow the post, and nothing may linger.
func testPostEdits(t *testing.T, newStore func(t *testing.T) store.Store) {
	h := time.Hour
	withStart := func(p store.Post, start time.Time) store.Post {
		p.StartsAt = &start
		return p
	}

	t.Run("UpdateMovesIndexes", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		other := createPost(t, s, withStart(post("other", store.KindEvent, "lyon", t0.Add(2*h)), t0.Add(5*h)))
		p := createPost(t, s, withStart(post("v1", store.KindEvent, "lyon", t0.Add(h)), t0.Add(3*h)))
		wantCounts(t, s, t0, map[store.Kind]int{store.KindEvent: 2})

		// Another city, later publication, earlier start.
		p.City, p.Title = "krakow", "v2"
		p.PublishedAt = t0.Add(4 * h)
		start := t0.Add(2 * h)
		p.StartsAt = &start
		if err := s.UpdatePost(ctx, p); err != nil {
			t.Fatalf("UpdatePost(%d) = %v", p.ID, err)
		}
		if got, err := s.Post(ctx, p.ID); err != nil || !equalPost(got, p) {
			t.Errorf("Post(%d) after update = %+v, %v; want %+v", p.ID, got, err, p)
		}
		wantTitles(t, "LatestPosts(lyon)", latest(t, s, "lyon", 10), "other")
		wantTitles(t, "LatestPosts(krakow)", latest(t, s, "krakow", 10), "v2")
		wantTitles(t, "LatestPosts()", latest(t, s, "", 10), "v2", "other")
		wantTitles(t, "UpcomingEvents(lyon)", upcoming(t, s, "lyon", t0, 10), "other")
		wantTitles(t, "UpcomingEvents(krakow)", upcoming(t, s, "krakow", t0, 10), "v2")
		wantTitles(t, "UpcomingEvents()", upcoming(t, s, "", t0, 10), "v2", "other")
		wantCounts(t, s, t0.Add(3*h), map[store.Kind]int{store.KindEvent: 1})

		// An event becomes a visit for all cities, published earlier.
		p.Kind, p.City, p.Title, p.StartsAt = store.KindVisit, store.AllCities, "v3", nil
		p.PublishedAt = t0
		if err := s.UpdatePost(ctx, p); err != nil {
			t.Fatalf("UpdatePost(%d) = %v", p.ID, err)
		}
		wantTitles(t, "LatestPosts(krakow)", latest(t, s, "krakow", 10), "v3")
		wantTitles(t, "LatestPosts(lyon)", latest(t, s, "lyon", 10), "other", "v3")
		wantTitles(t, "LatestPosts(all)", latest(t, s, store.AllCities, 10), "v3")
		wantTitles(t, "UpcomingEvents()", upcoming(t, s, "", t0, 10), "other")
		wantTitles(t, "UpcomingEvents(krakow)", upcoming(t, s, "krakow", t0, 10))
		wantCounts(t, s, t0, map[store.Kind]int{store.KindEvent: 1, store.KindVisit: 1})
		wantCounts(t, s, t0.Add(time.Millisecond), map[store.Kind]int{store.KindEvent: 1})

		if got, err := s.Post(ctx, other.ID); err != nil || !equalPost(got, other) {
			t.Errorf("Post(%d), not updated, = %+v, %v; want %+v", other.ID, got, err, other)
		}
		// Ids assigned after updates still increase.
		if next := createPost(t, s, post("next", store.KindVisit, "lyon", t0)); next.ID <= p.ID {
			t.Errorf("id after updates = %d, want > %d", next.ID, p.ID)
		}
	})

	t.Run("UpdateNotFound", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		p := post("ghost", store.KindVisit, "lyon", t0)
		p.ID = 999
		if err := s.UpdatePost(ctx, p); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdatePost(999) on an empty store = %v, want ErrNotFound", err)
		}
		p.ID = 0
		if err := s.UpdatePost(ctx, p); err == nil {
			t.Error("UpdatePost with id 0 succeeded, want an error")
		}
		if _, err := s.Post(ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Post(999) after a failed update = %v, want ErrNotFound", err)
		}
		wantTitles(t, "LatestPosts()", latest(t, s, "", 10))
		wantCounts(t, s, t0.Add(-h), nil)
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		keep := createPost(t, s, post("keep", store.KindVisit, "lyon", t0))
		ev := createPost(t, s, withStart(post("event", store.KindEvent, "lyon", t0.Add(h)), t0.Add(2*h)))
		all := createPost(t, s, withStart(post("all", store.KindEvent, store.AllCities, t0.Add(2*h)), t0.Add(3*h)))

		for _, id := range []int64{ev.ID, all.ID} {
			if err := s.DeletePost(ctx, id); err != nil {
				t.Fatalf("DeletePost(%d) = %v", id, err)
			}
			if _, err := s.Post(ctx, id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Post(%d) after delete = %v, want ErrNotFound", id, err)
			}
		}
		for _, city := range []string{"", "lyon", "krakow", store.AllCities} {
			want := []string{"keep"}
			if city == "krakow" || city == store.AllCities {
				want = nil
			}
			wantTitles(t, "LatestPosts("+city+")", latest(t, s, city, 10), want...)
			wantTitles(t, "UpcomingEvents("+city+")", upcoming(t, s, city, t0.Add(-h), 10))
		}
		wantCounts(t, s, t0, map[store.Kind]int{store.KindVisit: 1})

		if err := s.DeletePost(ctx, ev.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second DeletePost(%d) = %v, want ErrNotFound", ev.ID, err)
		}
		if err := s.DeletePost(ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeletePost(999) = %v, want ErrNotFound", err)
		}
		if err := s.UpdatePost(ctx, ev); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdatePost of deleted post %d = %v, want ErrNotFound", ev.ID, err)
		}
		if got, err := s.Post(ctx, keep.ID); err != nil || !equalPost(got, keep) {
			t.Errorf("Post(%d), not deleted, = %+v, %v; want %+v", keep.ID, got, err, keep)
		}
		// Ids of deleted posts are not handed out again.
		if next := createPost(t, s, post("next", store.KindVisit, "lyon", t0)); next.ID <= all.ID {
			t.Errorf("id after deletes = %d, want > %d", next.ID, all.ID)
		}
	})

	t.Run("SeededPostEditAndDelete", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		p := post("seeded", store.KindAgreement, "lyon", t0)
		p.SeedKey = "lyon-agreement-1990"
		if !seed(t, s, p) {
			t.Fatal("SeedPost: created = false, want true")
		}
		got := latest(t, s, "", 10)
		if len(got) != 1 {
			t.Fatalf("LatestPosts after seeding = %v, want one post", titles(got))
		}
		edited := got[0]
		edited.Title = "edited"
		if err := s.UpdatePost(ctx, edited); err != nil {
			t.Fatalf("UpdatePost(seeded) = %v", err)
		}
		if seed(t, s, p) {
			t.Error("SeedPost after an edit: created = true, want false")
		}
		wantTitles(t, "LatestPosts() after edit and reseed", latest(t, s, "", 10), "edited")

		if err := s.DeletePost(ctx, edited.ID); err != nil {
			t.Fatalf("DeletePost(seeded) = %v", err)
		}
		if seed(t, s, p) {
			t.Error("SeedPost after delete: created = true, want false (a deleted dataset post stays deleted)")
		}
		if _, err := s.Post(ctx, edited.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Post(%d) after delete and reseed = %v, want ErrNotFound", edited.ID, err)
		}
		wantTitles(t, "LatestPosts() after delete and reseed", latest(t, s, "", 10))
		wantCounts(t, s, t0.Add(-h), nil)

		// Other seed keys are unaffected.
		q := post("fresh", store.KindVisit, "lyon", t0)
		q.SeedKey = "lyon-visit-2000"
		if !seed(t, s, q) {
			t.Error("SeedPost with a new key after a delete: created = false, want true")
		}
	})

	t.Run("ConcurrentUpdateDelete", func(t *testing.T) {
		// Whichever of concurrent updates and a delete land last, the
		// listings must agree with what Post returns.
		s := newStore(t)
		p := createPost(t, s, withStart(post("p", store.KindEvent, "c0", t0), t0.Add(h)))
		cities := []string{"c0", "c1", "c2", "c3", "c4", "c5"}
		var wg sync.WaitGroup
		errs := make(chan error, len(cities)+1)
		ctx := context.WithoutCancel(t.Context())
		for i, c := range cities {
			wg.Go(func() {
				q := p
				q.City = c
				q.PublishedAt = t0.Add(time.Duration(i) * time.Minute)
				if err := s.UpdatePost(ctx, q); err != nil && !errors.Is(err, store.ErrNotFound) {
					errs <- err
				}
			})
		}
		wg.Go(func() {
			if err := s.DeletePost(ctx, p.ID); err != nil {
				errs <- err
			}
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent update/delete: %v", err)
		}
		if _, err := s.Post(t.Context(), p.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Post(%d) after delete = %v, want ErrNotFound (updates must not recreate it)", p.ID, err)
		}
		for _, c := range append(cities, "") {
			wantTitles(t, "LatestPosts("+c+")", latest(t, s, c, 10))
			wantTitles(t, "UpcomingEvents("+c+")", upcoming(t, s, c, t0, 10))
		}
		wantCounts(t, s, t0.Add(-h), nil)
	})
}

// testCountPosts checks the since boundary and the per-kind split.
func testCountPosts(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	h := time.Hour
	for _, p := range []store.Post{
		post("v-2", store.KindVisit, "lyon", t0.Add(-2*h)),
		post("v0", store.KindVisit, "krakow", t0),
		post("v1", store.KindVisit, store.AllCities, t0.Add(h)),
		post("a0", store.KindAgreement, "lyon", t0),
		post("e3", store.KindEvent, "porto", t0.Add(3*h)), // no StartsAt: counted all the same
		post("n-1", store.KindAnnouncement, store.AllCities, t0.Add(-h)),
	} {
		createPost(t, s, p)
	}
	sp := post("seeded", store.KindAgreement, "lyon", t0.Add(2*h))
	sp.SeedKey = "seed-1"
	seed(t, s, sp)

	tests := []struct {
		name  string
		since time.Time
		want  map[store.Kind]int
	}{
		{"everything", t0.Add(-24 * h), map[store.Kind]int{
			store.KindVisit: 3, store.KindAgreement: 2, store.KindEvent: 1, store.KindAnnouncement: 1}},
		{"exactly t0", t0, map[store.Kind]int{store.KindVisit: 2, store.KindAgreement: 2, store.KindEvent: 1}},
		{"t0-500µs", t0.Add(-500 * time.Microsecond), map[store.Kind]int{
			store.KindVisit: 2, store.KindAgreement: 2, store.KindEvent: 1}},
		{"t0+500µs", t0.Add(500 * time.Microsecond), map[store.Kind]int{
			store.KindVisit: 1, store.KindAgreement: 1, store.KindEvent: 1}},
		{"t0+2h", t0.Add(2 * h), map[store.Kind]int{store.KindAgreement: 1, store.KindEvent: 1}},
		{"future", t0.Add(24 * h), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantCounts(t, s, tc.since, tc.want) })
	}
}

// wantCounts checks CountPosts(since) against want; kinds missing from
// either map count as zero.
func wantCounts(t *testing.T, s store.Store, since time.Time, want map[store.Kind]int) {
	t.Helper()
	got, err := s.CountPosts(t.Context(), since)
	if err != nil {
		t.Fatalf("CountPosts(%v) = %v", since, err)
	}
	if !equalCounts(got, want) {
		t.Errorf("CountPosts(%v) = %v, want %v", since, got, want)
	}
}

// equalCounts compares count maps, a missing key being zero.
func equalCounts[K comparable](a, b map[K]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

func wantTitles(t *testing.T, what string, posts []store.Post, want ...string) {
	t.Helper()
	if got := titles(posts); !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
