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
