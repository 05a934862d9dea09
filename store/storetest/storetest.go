// Package storetest is the contract every store.Store implementation must
// pass. An implementation's tests call Run with a constructor; the suite
// uses only the store.Store interface, so one suite keeps all backends
// interchangeable.
//
// Behaviour the interface leaves open and the suite pins down:
//   - limit <= 0 returns no posts (and no error); a huge limit is fine;
//   - posts with equal PublishedAt are listed highest id first, events with
//     equal StartsAt lowest id first;
//   - a post for AllCities is listed for every city, even unknown ones;
//   - CreatePost keeps a non-zero p.ID, and ids assigned afterwards are
//     higher than it;
//   - SetActive sets UpdatedAt to now and keeps Cities; InactiveSince is
//     set by the first SetActive(false), kept by later ones and cleared by
//     SetActive(true) (store.SetActivity);
//   - an inactive subscriber keeps its Cities in the record but is in no
//     CitySubscribers list;
//   - UpdatePost and DeletePost of a missing post are ErrNotFound and store
//     nothing; ids are not reused after a delete; a deleted dataset post is
//     not recreated by SeedPost with the same SeedKey;
//   - CountPosts counts by PublishedAt (events too); kinds missing from its
//     map count as zero;
//   - Officials lists grants in ascending user id order;
//   - UserByUsername ignores case and a leading @; a username belongs to the
//     user who saved it last, and is forgotten once that user saves another
//     (or none);
//   - DeleteDraft of a missing draft is no error; a draft is ErrNotFound once
//     its TTL passed;
//   - AuditLog lists entries in reverse order of AppendAudit; limit <= 0
//     returns none;
//   - a post whose Status is not published is in no listing residents
//     read (LatestPosts, UpcomingEvents, EventsStartingBetween, CountPosts),
//     only in PostsByStatus, and in DuePosts when Post.DueAt says so; a
//     post stored without a status is published;
//   - TransitionPost changes a post only from the status it names, once
//     per cause, and an edit keeps where the stored post stands;
//   - SubscriberStats counts PerCity over active chats only (a city listed
//     twice in one record counts once), PerLang and PerFreq over every
//     record; missing map keys count as zero.
//
// Times are compared with Equal, after a round trip through the store, so
// backends may drop the monotonic clock reading and the location. Times are
// whole milliseconds where ordering matters, since backends may index them
// at that precision.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Run runs the contract suite against the stores newStore returns. Each
// subtest calls newStore once and expects an empty store; newStore should
// register its own cleanup (Close, flushing) with t.Cleanup. Subtests do not
// run in parallel, so stores may share a backend that newStore empties.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Ping", func(t *testing.T) {
		s := newStore(t)
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping() = %v, want nil", err)
		}
	})
	t.Run("Subscribers", func(t *testing.T) { testSubscribers(t, newStore) })
	t.Run("Posts", func(t *testing.T) { testPosts(t, newStore) })
	t.Run("PostEdits", func(t *testing.T) { testPostEdits(t, newStore) })
	t.Run("CountPosts", func(t *testing.T) { testCountPosts(t, newStore) })
	t.Run("Officials", func(t *testing.T) { testOfficials(t, newStore) })
	t.Run("Users", func(t *testing.T) { testUsers(t, newStore) })
	t.Run("Drafts", func(t *testing.T) { testDrafts(t, newStore) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, newStore) })
	t.Run("SubscriberStats", func(t *testing.T) { testSubscriberStats(t, newStore) })
	t.Run("Publishing", func(t *testing.T) { testPublishing(t, newStore) })
	t.Run("Memos", func(t *testing.T) { testMemos(t, newStore) })
	t.Run("EnqueueEach", func(t *testing.T) { testEnqueueEach(t, newStore) })
	t.Run("Forget", func(t *testing.T) { testForget(t, newStore) })
	t.Run("ChannelRef", func(t *testing.T) { testChannelRef(t, newStore) })
	t.Run("Media", func(t *testing.T) { testMedia(t, newStore) })
	t.Run("Retention", func(t *testing.T) { testRetention(t, newStore) })
	t.Run("Privacy", func(t *testing.T) { testPrivacy(t, newStore) })
	t.Run("Workflow", func(t *testing.T) { testWorkflow(t, newStore) })
	t.Run("RSVPs", func(t *testing.T) { testRSVPs(t, newStore) })
	t.Run("Office", func(t *testing.T) { testOffice(t, newStore) })
	runDelivery(t, newStore)
	runZones(t, newStore)
}

// t0 is the base of the fixtures' times: whole seconds, in the future so
// nothing depends on the wall clock.
var t0 = time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)

func testSubscribers(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("ByID", func(t *testing.T) {
		s := newStore(t)
		for _, id := range []int64{-100, 5, 9} {
			saveSub(t, s, store.NewSubscriber(id, "private", store.LangDE, t0))
		}
		got, err := s.SubscribersByID(t.Context(), []int64{9, 404, -100, 5})
		if err != nil {
			t.Fatalf("SubscribersByID = %v", err)
		}
		var ids []int64
		for _, sub := range got {
			ids = append(ids, sub.ChatID)
			if sub.Lang != store.LangDE {
				t.Errorf("chat %d: record not decoded: %+v", sub.ChatID, sub)
			}
		}
		if !slices.Equal(ids, []int64{9, -100, 5}) {
			t.Errorf("SubscribersByID = %v, want [9 -100 5] (order asked, unknown left out)", ids)
		}
		if got, err := s.SubscribersByID(t.Context(), nil); err != nil || len(got) != 0 {
			t.Errorf("SubscribersByID(nil) = %v, %v", got, err)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		if _, err := s.Subscriber(ctx, 42); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Subscriber(42) error = %v, want ErrNotFound", err)
		}
		if _, err := s.DeleteSubscriber(ctx, 42); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteSubscriber(42) error = %v, want ErrNotFound", err)
		}
		if err := s.SetActive(ctx, 42, true, t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetActive(42) error = %v, want ErrNotFound", err)
		}
		// SetActive must not have created a record.
		if _, err := s.Subscriber(ctx, 42); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Subscriber(42) after SetActive error = %v, want ErrNotFound", err)
		}
		if ids := citySubs(t, s, "paris"); len(ids) != 0 {
			t.Errorf("CitySubscribers(paris) on an empty store = %v, want none", ids)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		kyiv := time.FixedZone("EEST", 3*3600)
		want := store.Subscriber{
			ChatID:     -1001234567890,
			ChatType:   "supergroup",
			Lang:       store.LangDE,
			LangChosen: true,
			Cities:     []string{"lyon", "krakow"},
			Kinds:      []store.Kind{store.KindEvent, store.KindVisit},
			Frequency:  store.FreqWeekly,
			Active:     true,
			CreatedAt:  time.Date(2024, 2, 29, 23, 59, 58, 123456789, kyiv),
			UpdatedAt:  time.Now(), // carries a monotonic reading
		}
		saveSub(t, s, want)
		if got := getSub(t, s, want.ChatID); !equalSub(got, want) {
			t.Fatalf("Subscriber() after save:\n got %+v\nwant %+v", got, want)
		}

		// Saving again replaces the whole record.
		want2 := store.NewSubscriber(want.ChatID, "group", store.LangUK, t0)
		want2.Cities = []string{"krakow"}
		saveSub(t, s, want2)
		if got := getSub(t, s, want2.ChatID); !equalSub(got, want2) {
			t.Fatalf("Subscriber() after second save:\n got %+v\nwant %+v", got, want2)
		}

		// Other chats are not affected.
		if _, err := s.Subscriber(ctx, 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Subscriber(1) error = %v, want ErrNotFound", err)
		}
	})

	t.Run("NoCities", func(t *testing.T) {
		s := newStore(t)
		want := store.NewSubscriber(5, "private", store.LangEN, t0)
		saveSub(t, s, want)
		if got := getSub(t, s, 5); !equalSub(got, want) {
			t.Fatalf("Subscriber(5):\n got %+v\nwant %+v", got, want)
		}
	})

	t.Run("InactiveKeepsCities", func(t *testing.T) {
		s := newStore(t)
		sub := store.NewSubscriber(5, "private", store.LangEN, t0)
		sub.Cities = []string{"lyon"}
		sub.Active = false
		saveSub(t, s, sub)
		if got := getSub(t, s, 5); !slices.Equal(got.Cities, []string{"lyon"}) || got.Active {
			t.Errorf("Subscriber(5) = Cities %v Active %t, want Cities [lyon] Active false", got.Cities, got.Active)
		}
		if got := citySubs(t, s, "lyon"); len(got) != 0 {
			t.Errorf("CitySubscribers(lyon) = %v, want none: the chat is inactive", got)
		}
	})

	t.Run("CityMembership", func(t *testing.T) { testCityMembership(t, newStore) })

	t.Run("SetActive", func(t *testing.T) {
		s := newStore(t)
		sub := store.NewSubscriber(9, "private", store.LangUK, t0)
		sub.Cities = []string{"lyon", "krakow"}
		saveSub(t, s, sub)
		other := store.NewSubscriber(3, "private", store.LangUK, t0)
		other.Cities = []string{"lyon"}
		saveSub(t, s, other)

		off := t0.Add(time.Hour)
		for range 2 { // twice: deactivating an inactive chat is harmless
			if err := s.SetActive(t.Context(), 9, false, off); err != nil {
				t.Fatalf("SetActive(9, false) = %v", err)
			}
		}
		got := getSub(t, s, 9)
		if got.Active || !got.UpdatedAt.Equal(off) || !slices.Equal(got.Cities, sub.Cities) {
			t.Errorf("after SetActive(false): Active %t UpdatedAt %v Cities %v; want false %v %v",
				got.Active, got.UpdatedAt, got.Cities, off, sub.Cities)
		}
		if !got.CreatedAt.Equal(sub.CreatedAt) || got.Lang != sub.Lang {
			t.Errorf("SetActive changed other fields: got %+v, saved %+v", got, sub)
		}
		wantSubs(t, s, "lyon", 3)
		wantSubs(t, s, "krakow")

		on := off.Add(time.Hour)
		if err := s.SetActive(t.Context(), 9, true, on); err != nil {
			t.Fatalf("SetActive(9, true) = %v", err)
		}
		got = getSub(t, s, 9)
		if !got.Active || !got.UpdatedAt.Equal(on) {
			t.Errorf("after SetActive(true): Active %t UpdatedAt %v; want true %v", got.Active, got.UpdatedAt, on)
		}
		wantSubs(t, s, "lyon", 3, 9)
		wantSubs(t, s, "krakow", 9)
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		sub := store.NewSubscriber(9, "private", store.LangUK, t0)
		sub.Cities = []string{"lyon", "krakow"}
		saveSub(t, s, sub)
		other := store.NewSubscriber(3, "private", store.LangUK, t0)
		other.Cities = []string{"lyon"}
		saveSub(t, s, other)

		old, err := s.DeleteSubscriber(ctx, 9)
		if err != nil {
			t.Fatalf("DeleteSubscriber(9) = %v", err)
		}
		if !equalSub(old, sub) {
			t.Errorf("DeleteSubscriber(9) returned\n got %+v\nwant %+v", old, sub)
		}
		if _, err := s.Subscriber(ctx, 9); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Subscriber(9) after delete error = %v, want ErrNotFound", err)
		}
		wantSubs(t, s, "lyon", 3)
		wantSubs(t, s, "krakow")
		if _, err := s.DeleteSubscriber(ctx, 9); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second DeleteSubscriber(9) error = %v, want ErrNotFound", err)
		}

		// An inactive chat can be deleted too, and comes back as saved.
		other.Active = false
		saveSub(t, s, other)
		old, err = s.DeleteSubscriber(ctx, 3)
		if err != nil || !equalSub(old, other) {
			t.Errorf("DeleteSubscriber(3) = %+v, %v; want %+v, nil", old, err, other)
		}
		wantSubs(t, s, "lyon")

		// A deleted chat can start over.
		saveSub(t, s, sub)
		wantSubs(t, s, "krakow", 9)
	})

	t.Run("CitySubscribersAscending", func(t *testing.T) {
		s := newStore(t)
		ids := []int64{5, -100, 3, 1_000_000_000_000, -1001234567890, 0, 777000}
		for _, id := range ids {
			sub := store.NewSubscriber(id, "private", store.LangUK, t0)
			sub.Cities = []string{"lyon"}
			saveSub(t, s, sub)
		}
		want := slices.Sorted(slices.Values(ids))
		wantSubs(t, s, "lyon", want...)
	})

	t.Run("ConcurrentSaves", func(t *testing.T) {
		// Whatever order concurrent saves of one chat land in, the city
		// lists must agree with the record that won.
		s := newStore(t)
		cities := []string{"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"}
		var wg sync.WaitGroup
		errs := make(chan error, len(cities))
		for i, c := range cities {
			wg.Go(func() {
				sub := store.NewSubscriber(11, "private", store.LangUK, t0)
				sub.Cities = []string{c, cities[(i+1)%len(cities)]}
				sub.Active = i%3 != 0
				errs <- s.SaveSubscriber(context.WithoutCancel(t.Context()), sub)
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("SaveSubscriber: %v", err)
			}
		}
		final := getSub(t, s, 11)
		for _, c := range cities {
			if final.Active && final.Follows(c) {
				wantSubs(t, s, c, 11)
			} else {
				wantSubs(t, s, c)
			}
		}
	})
}

// testCityMembership saves one chat through a sequence of states and checks
// after each step that exactly the cities it follows while active list it.
// Chat 1 follows every city throughout and must stay listed.
func testCityMembership(t *testing.T, newStore func(t *testing.T) store.Store) {
	type step struct {
		cities []string
		active bool
	}
	all := []string{"lyon", "krakow", "porto"}
	tests := []struct {
		name  string
		steps []step
	}{
		{"add", []step{{[]string{"lyon"}, true}}},
		{"add more", []step{{[]string{"lyon"}, true}, {[]string{"lyon", "krakow"}, true}}},
		{"remove one", []step{{[]string{"lyon", "krakow"}, true}, {[]string{"krakow"}, true}}},
		{"change", []step{{[]string{"lyon"}, true}, {[]string{"porto"}, true}}},
		{"clear", []step{{[]string{"lyon", "porto"}, true}, {nil, true}}},
		{"inactive save", []step{{[]string{"lyon"}, true}, {[]string{"lyon"}, false}}},
		{"inactive change then active", []step{
			{[]string{"lyon"}, true}, {[]string{"krakow"}, false}, {[]string{"krakow"}, true},
		}},
		{"created inactive", []step{{[]string{"porto"}, false}, {[]string{"porto"}, true}}},
		{"duplicate city", []step{{[]string{"lyon", "lyon"}, true}, {nil, true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			keeper := store.NewSubscriber(1, "private", store.LangUK, t0)
			keeper.Cities = all
			saveSub(t, s, keeper)
			for i, st := range tc.steps {
				sub := store.NewSubscriber(2, "group", store.LangEN, t0)
				sub.Cities = st.cities
				sub.Active = st.active
				saveSub(t, s, sub)
				for _, c := range all {
					want := []int64{1}
					if st.active && slices.Contains(st.cities, c) {
						want = append(want, 2)
					}
					if got := citySubs(t, s, c); !slices.Equal(got, want) {
						t.Errorf("step %d (cities %v active %t): CitySubscribers(%s) = %v, want %v",
							i, st.cities, st.active, c, got, want)
					}
				}
			}
		})
	}
}

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

// post returns a post fixture published at pub.
func post(title string, kind store.Kind, city string, pub time.Time) store.Post {
	return store.Post{
		Kind: kind, City: city, Title: title, Text: title + " text", Lang: store.LangUK,
		Date: pub.Truncate(24 * time.Hour), PublishedAt: pub, UpdatedAt: pub,
	}
}

func saveSub(t *testing.T, s store.Store, sub store.Subscriber) {
	t.Helper()
	if err := s.SaveSubscriber(t.Context(), sub); err != nil {
		t.Fatalf("SaveSubscriber(%d) = %v", sub.ChatID, err)
	}
}

func getSub(t *testing.T, s store.Store, chatID int64) store.Subscriber {
	t.Helper()
	sub, err := s.Subscriber(t.Context(), chatID)
	if err != nil {
		t.Fatalf("Subscriber(%d) = %v", chatID, err)
	}
	return sub
}

func citySubs(t *testing.T, s store.Store, city string) []int64 {
	t.Helper()
	ids, err := s.CitySubscribers(t.Context(), city)
	if err != nil {
		t.Fatalf("CitySubscribers(%q) = %v", city, err)
	}
	return ids
}

// wantSubs checks that CitySubscribers(city) is exactly want (ascending).
func wantSubs(t *testing.T, s store.Store, city string, want ...int64) {
	t.Helper()
	if got := citySubs(t, s, city); !slices.Equal(got, want) {
		t.Errorf("CitySubscribers(%q) = %v, want %v", city, got, want)
	}
}

func createPost(t *testing.T, s store.Store, p store.Post) store.Post {
	t.Helper()
	created, err := s.CreatePost(t.Context(), p)
	if err != nil {
		t.Fatalf("CreatePost(%q) = %v", p.Title, err)
	}
	return created
}

func seed(t *testing.T, s store.Store, p store.Post) bool {
	t.Helper()
	created, err := s.SeedPost(t.Context(), p)
	if err != nil {
		t.Fatalf("SeedPost(%q) = %v", p.SeedKey, err)
	}
	return created
}

func latest(t *testing.T, s store.Store, city string, limit int) []store.Post {
	t.Helper()
	posts, err := s.LatestPosts(t.Context(), city, limit)
	if err != nil {
		t.Fatalf("LatestPosts(%q, %d) = %v", city, limit, err)
	}
	return posts
}

func upcoming(t *testing.T, s store.Store, city string, from time.Time, limit int) []store.Post {
	t.Helper()
	posts, err := s.UpcomingEvents(t.Context(), city, from, limit)
	if err != nil {
		t.Fatalf("UpcomingEvents(%q, %v, %d) = %v", city, from, limit, err)
	}
	return posts
}

func titles(posts []store.Post) []string {
	if len(posts) == 0 {
		return nil
	}
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.Title
	}
	return out
}

// equalSub compares subscribers field by field, times with Equal and nil
// slices equal to empty ones, as a store need not keep either distinction.
func equalSub(a, b store.Subscriber) bool {
	return reflect.DeepEqual(normSub(a), normSub(b))
}

func normSub(s store.Subscriber) store.Subscriber {
	s.CreatedAt = s.CreatedAt.UTC()
	s.UpdatedAt = s.UpdatedAt.UTC()
	s.InactiveSince = s.InactiveSince.UTC()
	if len(s.Cities) == 0 {
		s.Cities = nil
	}
	if len(s.Kinds) == 0 {
		s.Kinds = nil
	}
	return s
}

// equalPost compares posts like equalSub compares subscribers.
func equalPost(a, b store.Post) bool {
	return reflect.DeepEqual(normPost(a), normPost(b))
}

func normPost(p store.Post) store.Post {
	utc := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.UTC()
		return &u
	}
	p.Date = p.Date.UTC()
	p.PublishedAt = p.PublishedAt.UTC()
	p.UpdatedAt = p.UpdatedAt.UTC()
	p.StartsAt = utc(p.StartsAt)
	p.EndsAt = utc(p.EndsAt)
	p.PublishAt = utc(p.PublishAt)
	if len(p.Translations) == 0 {
		p.Translations = nil
	}
	return p
}
