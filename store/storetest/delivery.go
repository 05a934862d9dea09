package storetest

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
)

// Delivery behaviour the interfaces leave open and the suite pins down:
//   - Claim with block <= 0 does not wait; max <= 0 claims nothing;
//     messages enqueued together are claimed in enqueue order;
//   - a message Retry scheduled at `at` is due for PromoteDue(now) when
//     now >= at (whole milliseconds); Retry of equal messages keeps each;
//   - EnqueueOnce sets the digest cursor at millisecond precision, and
//     only when it enqueues;
//   - OutboxStats and DeadLetters: Dead counts every Bury; DeadLetters
//     lists newest first; limit <= 0 returns none;
//   - Unlock by a non-owner leaves the lock alone;
//   - SaveRun does not reset what CountDelivery counted; CountDelivery of
//     an unknown run is ErrNotFound;
//   - ActiveSubscribersAfter lists active subscribers with or without
//     cities, math.MinInt64 starts from the lowest (negative) id;
//   - EventsStartingBetween: ties lowest id first, like UpcomingEvents.

// pollTimeout bounds the waits for leases, idle messages and flags to
// expire; the tests poll instead of sleeping a fixed time.
const pollTimeout = 10 * time.Second

// runDelivery runs the outbox, lock and digest planning tests.
func runDelivery(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, newStore) })
	t.Run("OutboxPersonal", func(t *testing.T) { testOutboxPersonal(t, newStore) })
	t.Run("AckMany", func(t *testing.T) { testAckMany(t, newStore) })
	t.Run("EnqueueOnceMany", func(t *testing.T) { testEnqueueOnceMany(t, newStore) })
	t.Run("Locks", func(t *testing.T) { testLocks(t, newStore) })
	t.Run("Runs", func(t *testing.T) { testRuns(t, newStore) })
	t.Run("ActiveSubscribersAfter", func(t *testing.T) { testActiveSubscribersAfter(t, newStore) })
	t.Run("EventsStartingBetween", func(t *testing.T) { testEventsStartingBetween(t, newStore) })
	t.Run("MarkOnce", func(t *testing.T) { testMarkOnce(t, newStore) })
}

func testActiveSubscribersAfter(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	ids := []int64{11, -1001234567890, 3, -5, 7, 10, 8, 9}
	subs := map[int64]store.Subscriber{}
	for _, id := range ids {
		sub := store.NewSubscriber(id, "private", store.LangEN, t0)
		if id != 10 { // 10 follows no city and is active all the same
			sub.Cities = []string{"lyon"}
		}
		if id < 0 {
			sub.ChatType = "supergroup"
		}
		saveSub(t, s, sub)
		subs[id] = sub
	}
	if err := s.SetActive(ctx, 8, false, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteSubscriber(ctx, 9); err != nil {
		t.Fatal(err)
	}
	inactive := store.NewSubscriber(12, "private", store.LangEN, t0)
	inactive.Active = false
	saveSub(t, s, inactive)

	page := func(after int64, limit int) []int64 {
		t.Helper()
		got, err := s.ActiveSubscribersAfter(ctx, after, limit)
		if err != nil {
			t.Fatalf("ActiveSubscribersAfter(%d, %d) = %v", after, limit, err)
		}
		out := make([]int64, len(got))
		for i, sub := range got {
			out[i] = sub.ChatID
			if !equalSub(sub, subs[sub.ChatID]) {
				t.Errorf("ActiveSubscribersAfter: record\n %+v\nwant\n %+v", sub, subs[sub.ChatID])
			}
		}
		return out
	}
	walk := func(limit int) []int64 {
		t.Helper()
		var all []int64
		after := int64(math.MinInt64)
		for range 100 {
			p := page(after, limit)
			if len(p) == 0 {
				return all
			}
			if len(p) > limit {
				t.Fatalf("page of %d, limit %d", len(p), limit)
			}
			all = append(all, p...)
			after = p[len(p)-1]
		}
		t.Fatal("paging does not end")
		return nil
	}
	want := []int64{-1001234567890, -5, 3, 7, 10, 11}
	for _, limit := range []int{1, 2, 4, 100} {
		if got := walk(limit); !slices.Equal(got, want) {
			t.Errorf("pages of %d = %v, want %v", limit, got, want)
		}
	}
	if got := page(0, 2); !slices.Equal(got, []int64{3, 7}) {
		t.Errorf("ActiveSubscribersAfter(0, 2) = %v, want [3 7]", got)
	}
	if got := page(11, 10); len(got) != 0 {
		t.Errorf("ActiveSubscribersAfter(last) = %v, want none", got)
	}
	if got := page(math.MinInt64, 0); len(got) != 0 {
		t.Errorf("ActiveSubscribersAfter(limit 0) = %v, want none", got)
	}

	// Reactivated, and deactivated by SaveSubscriber, are followed.
	if err := s.SetActive(ctx, 8, true, t0); err != nil {
		t.Fatal(err)
	}
	off := subs[-5]
	off.Active = false
	saveSub(t, s, off)
	got := walk(3)
	if want := []int64{-1001234567890, 3, 7, 8, 10, 11}; !slices.Equal(got, want) {
		t.Errorf("after SetActive(8, true) and saving -5 inactive: %v, want %v", got, want)
	}
}

func testEventsStartingBetween(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	event := func(title string, starts time.Time) store.Post {
		p := post(title, store.KindEvent, "lyon", t0.Add(-24*time.Hour))
		p.StartsAt = &starts
		return createPost(t, s, p)
	}
	event("at 0", t0)
	event("at 1h", t0.Add(time.Hour))
	event("at 2h a", t0.Add(2*time.Hour))
	event("at 2h b", t0.Add(2*time.Hour))
	event("at 3h", t0.Add(3*time.Hour))
	createPost(t, s, post("not an event", store.KindVisit, "lyon", t0.Add(time.Hour)))
	createPost(t, s, post("no start", store.KindEvent, "lyon", t0.Add(time.Hour)))

	for _, tc := range []struct {
		from, to time.Time
		want     []string
	}{
		{t0, t0.Add(2 * time.Hour), []string{"at 0", "at 1h"}},
		{t0.Add(time.Millisecond), t0.Add(2*time.Hour + time.Millisecond), []string{"at 1h", "at 2h a", "at 2h b"}},
		{t0.Add(2 * time.Hour), t0.Add(3 * time.Hour), []string{"at 2h a", "at 2h b"}},
		{t0.Add(-time.Hour), t0.Add(24 * time.Hour), []string{"at 0", "at 1h", "at 2h a", "at 2h b", "at 3h"}},
		{t0.Add(time.Hour), t0.Add(time.Hour), nil},
		{t0.Add(2 * time.Hour), t0, nil},
		{t0.Add(4 * time.Hour), t0.Add(5 * time.Hour), nil},
	} {
		got, err := s.EventsStartingBetween(ctx, tc.from, tc.to)
		if err != nil {
			t.Fatalf("EventsStartingBetween = %v", err)
		}
		if !slices.Equal(titles(got), tc.want) {
			t.Errorf("EventsStartingBetween(%s, %s) = %v, want %v",
				tc.from.Sub(t0), tc.to.Sub(t0), titles(got), tc.want)
		}
	}
}

func testMarkOnce(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	mark := func(key string, ttl time.Duration) bool {
		t.Helper()
		ok, err := s.MarkOnce(ctx, key, ttl)
		if err != nil {
			t.Fatalf("MarkOnce(%q) = %v", key, err)
		}
		return ok
	}
	if !mark("reminder:42", time.Hour) {
		t.Error("MarkOnce(new) = false, want true")
	}
	if mark("reminder:42", time.Hour) {
		t.Error("MarkOnce(set) = true, want false")
	}
	if !mark("reminder:43", time.Hour) {
		t.Error("MarkOnce(other key) = false, want true")
	}
	if !mark("short", 50*time.Millisecond) {
		t.Error("MarkOnce(short) = false, want true")
	}
	testkit.Eventually(t, pollTimeout, func() string { return "MarkOnce flag still set after its TTL" }, func() bool {
		return mark("short", time.Hour)
	})
}
