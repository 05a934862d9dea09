package storetest

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Zone behaviour the interfaces leave open and the suite pins down:
//   - a subscriber's TimeZone and Quiet survive the round trip; "" is a
//     zone of its own (the home zone) in ActiveZones and
//     ZoneSubscribersAfter;
//   - ActiveZones and ZoneSubscribersAfter follow SaveSubscriber (a zone
//     change moves the chat, saving it again counts it once), SetActive
//     and DeleteSubscriber; inactive chats are in no zone;
//   - EnqueueOnce sets the digest day with the cursor, only when it
//     enqueues and Day is set; DeleteSubscriber forgets it;
//   - a message with a NotBefore, whichever enqueue added it, waits with
//     the delayed messages until PromoteDue(now >= NotBefore), and adds
//     nothing to OutboxStats.OldestAge before then.

// runZones runs the tests of time zones, digest days and held messages.
func runZones(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("ZoneRoundTrip", func(t *testing.T) { testZoneRoundTrip(t, newStore) })
	t.Run("Zones", func(t *testing.T) { testZones(t, newStore) })
	t.Run("DigestDays", func(t *testing.T) { testDigestDays(t, newStore) })
	t.Run("NotBefore", func(t *testing.T) { testNotBefore(t, newStore) })
}

func testZoneRoundTrip(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	want := store.NewSubscriber(7, "private", store.LangNL, t0)
	want.TimeZone = "Europe/Amsterdam"
	want.Quiet = &store.QuietHours{From: 22 * 60, To: 7*60 + 30}
	saveSub(t, s, want)
	if got := getSub(t, s, 7); !equalSub(got, want) {
		t.Fatalf("Subscriber() =\n %+v\nwant\n %+v", got, want)
	}
	want.Quiet, want.TimeZone = nil, ""
	saveSub(t, s, want)
	if got := getSub(t, s, 7); got.Quiet != nil || got.TimeZone != "" {
		t.Errorf("quiet hours and zone not cleared: %+v", got)
	}
}

func testZones(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	const berlin, ams = "Europe/Berlin", "Europe/Amsterdam"
	add := func(id int64, zone string, active bool) store.Subscriber {
		sub := store.NewSubscriber(id, "private", store.LangEN, t0)
		if id < 0 {
			sub.ChatType = "group"
		}
		sub.TimeZone, sub.Active = zone, active
		sub.Cities = []string{"lyon"}
		saveSub(t, s, sub)
		return sub
	}
	if got := zones(t, s); len(got) != 0 {
		t.Errorf("ActiveZones of an empty store = %v", got)
	}
	add(1, "", true)
	add(-2, "", true)
	add(3, berlin, true)
	add(4, berlin, true)
	add(-5, berlin, true)
	add(6, ams, true)
	add(7, ams, false) // inactive: in no zone
	add(4, berlin, true)
	wantZones(t, s, "after saving", map[string]int{"": 2, berlin: 3, ams: 1})
	wantZoneWalk(t, s, berlin, []int64{-5, 3, 4})
	wantZoneWalk(t, s, "", []int64{-2, 1})
	wantZoneWalk(t, s, ams, []int64{6})
	wantZoneWalk(t, s, "Asia/Tokyo", nil)

	// A zone change moves the chat; leaving the last one empties a zone.
	add(6, berlin, true)
	wantZones(t, s, "after 6 moved to Berlin", map[string]int{"": 2, berlin: 4})
	wantZoneWalk(t, s, berlin, []int64{-5, 3, 4, 6})
	wantZoneWalk(t, s, ams, nil)

	if err := s.SetActive(ctx, 3, false, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetActive(ctx, 7, true, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteSubscriber(ctx, -2); err != nil {
		t.Fatal(err)
	}
	wantZones(t, s, "after deactivating 3, activating 7, deleting -2", map[string]int{"": 1, berlin: 3, ams: 1})
	wantZoneWalk(t, s, berlin, []int64{-5, 4, 6})
	wantZoneWalk(t, s, ams, []int64{7})
	if err := s.SetActive(ctx, 3, true, t0); err != nil {
		t.Fatal(err)
	}
	wantZoneWalk(t, s, berlin, []int64{-5, 3, 4, 6})

	page, err := s.ZoneSubscribersAfter(ctx, berlin, 3, 1)
	if err != nil || len(page) != 1 || page[0].ChatID != 4 || page[0].TimeZone != berlin {
		t.Errorf("ZoneSubscribersAfter(berlin, 3, 1) = %+v, %v; want chat 4's record", page, err)
	}
	if page, err := s.ZoneSubscribersAfter(ctx, berlin, math.MinInt64, 0); err != nil || len(page) != 0 {
		t.Errorf("ZoneSubscribersAfter(limit 0) = %v, %v", page, err)
	}
	if page, err := s.ZoneSubscribersAfter(ctx, berlin, math.MaxInt64, 5); err != nil || len(page) != 0 {
		t.Errorf("ZoneSubscribersAfter(after MaxInt64) = %v, %v", page, err)
	}
}

func testDigestDays(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	saveSub(t, s, store.NewSubscriber(1, "private", store.LangEN, t0))
	saveSub(t, s, store.NewSubscriber(2, "private", store.LangEN, t0))
	once := func(key string, chat int64, day string) bool {
		t.Helper()
		ok, err := s.EnqueueOnce(ctx, store.Once{Key: key, TTL: time.Hour, CursorChat: chat, Cursor: t0, Day: day}, msg(chat, key))
		if err != nil {
			t.Fatalf("EnqueueOnce(%q) = %v", key, err)
		}
		return ok
	}
	days := func(ids ...int64) map[int64]string {
		t.Helper()
		got, err := s.DigestDays(ctx, ids)
		if err != nil {
			t.Fatalf("DigestDays = %v", err)
		}
		return got
	}
	if got := days(1, 2); len(got) != 0 {
		t.Errorf("DigestDays before any digest = %v", got)
	}
	if got := days(); len(got) != 0 {
		t.Errorf("DigestDays() = %v", got)
	}
	once("d:1:a", 1, "daily:2030-05-01")
	once("d:2:a", 2, "") // an interval run: no day
	if !once("d:1:b", 1, "daily:2030-05-02") {
		t.Fatal("second EnqueueOnce did not enqueue")
	}
	if once("d:1:b", 1, "daily:2030-05-09") {
		t.Error("EnqueueOnce of a set key enqueued")
	}
	if got := days(1, 2, 3); !maps.Equal(got, map[int64]string{1: "daily:2030-05-02"}) {
		t.Errorf("DigestDays = %v, want only chat 1's second day", got)
	}
	wantCursors(t, s, []int64{1, 2}, map[int64]time.Time{1: t0, 2: t0})
	// A page of digests sets each one's day just the same.
	many, err := s.EnqueueOnceMany(ctx, []store.OnceMessages{
		{Once: store.Once{Key: "d:2:b", TTL: time.Hour, CursorChat: 2, Cursor: t0, Day: "daily:2030-05-03"}, Msgs: []store.OutboxMessage{msg(2, "b")}},
		{Once: store.Once{Key: "d:1:b", TTL: time.Hour, CursorChat: 1, Cursor: t0, Day: "daily:2030-05-10"}, Msgs: []store.OutboxMessage{msg(1, "b")}},
	})
	if err != nil || fmt.Sprint(many) != "[true false]" {
		t.Fatalf("EnqueueOnceMany = %v, %v; want [true false]", many, err)
	}
	if got := days(1, 2); !maps.Equal(got, map[int64]string{1: "daily:2030-05-02", 2: "daily:2030-05-03"}) {
		t.Errorf("DigestDays after EnqueueOnceMany = %v", got)
	}
	if _, err := s.DeleteSubscriber(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if got := days(1); len(got) != 0 {
		t.Errorf("DigestDays after DeleteSubscriber = %v", got)
	}
}

func testNotBefore(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	// In the past, so that a backend's own clock (Redis stream ids) is
	// after NotBefore once a message is promoted, as it is in production.
	now := time.Now().Add(-10 * time.Hour).Truncate(time.Millisecond)
	at := now.Add(8 * time.Hour)
	held := func(chat int64, text, dedupe string) store.OutboxMessage {
		m := msg(chat, text)
		m.CreatedAt, m.NotBefore, m.Dedupe = now, at, dedupe
		return m
	}
	if err := s.Enqueue(ctx, held(1, "held by Enqueue", ""), msg(2, "at once")); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.EnqueueOnce(ctx, store.Once{Key: "nb:once", TTL: time.Hour}, held(3, "held by EnqueueOnce", "")); err != nil || !ok {
		t.Fatalf("EnqueueOnce = %t, %v", ok, err)
	}
	now5 := msg(5, "at once too")
	now5.Dedupe = "nb:5"
	if n, err := s.EnqueueEach(ctx, time.Hour, held(4, "held by EnqueueEach", "nb:4"), now5); err != nil || n != 2 {
		t.Fatalf("EnqueueEach = %d, %v", n, err)
	}
	if n, err := s.EnqueueEach(ctx, time.Hour, held(4, "held by EnqueueEach", "nb:4")); err != nil || n != 0 {
		t.Errorf("EnqueueEach again = %d, %v; want 0", n, err)
	}
	st := outboxStats(t, s, now)
	if st.Delayed != 3 || st.Ready != 2 {
		t.Errorf("OutboxStats = %+v, want 3 delayed and 2 ready", st)
	}
	got := claim(t, s, "c", 10, time.Hour)
	if ids := chats(got); !slices.Equal(ids, []int64{2, 5}) {
		t.Fatalf("claimed chats %v, want only the messages without NotBefore [2 5]", ids)
	}
	for _, m := range got {
		if err := s.Ack(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	// Waiting for its time is not being late.
	if st := outboxStats(t, s, now.Add(time.Hour)); st.OldestAge != 0 {
		t.Errorf("OldestAge with only held messages = %v, want 0", st.OldestAge)
	}
	if n := promote(t, s, at.Add(-time.Millisecond)); n != 0 {
		t.Errorf("PromoteDue before NotBefore moved %d", n)
	}
	if n := promote(t, s, at); n != 3 {
		t.Errorf("PromoteDue at NotBefore moved %d, want 3", n)
	}
	got = claim(t, s, "c", 10, time.Hour)
	slices.SortFunc(got, func(a, b store.OutboxMessage) int { return int(a.ChatID - b.ChatID) })
	want := []store.OutboxMessage{held(1, "held by Enqueue", ""), held(3, "held by EnqueueOnce", ""), held(4, "held by EnqueueEach", "")}
	for i := range want {
		want[i].NotBefore = want[i].NotBefore.UTC()
	}
	wantMsgs(t, normNotBefore(got), want)
	// Once due, its age counts from NotBefore, not from its creation.
	if st := outboxStats(t, s, at.Add(time.Minute)); st.OldestAge > 2*time.Minute {
		t.Errorf("OldestAge a minute after NotBefore = %v", st.OldestAge)
	}
}

func normNotBefore(msgs []store.OutboxMessage) []store.OutboxMessage {
	for i := range msgs {
		msgs[i].NotBefore = msgs[i].NotBefore.UTC()
	}
	return msgs
}

func chats(msgs []store.OutboxMessage) []int64 {
	out := make([]int64, len(msgs))
	for i, m := range msgs {
		out[i] = m.ChatID
	}
	slices.Sort(out)
	return out
}

func zones(t *testing.T, s store.Store) map[string]int {
	t.Helper()
	got, err := s.ActiveZones(t.Context())
	if err != nil {
		t.Fatalf("ActiveZones = %v", err)
	}
	return got
}

func wantZones(t *testing.T, s store.Store, when string, want map[string]int) {
	t.Helper()
	if got := zones(t, s); !maps.Equal(got, want) {
		t.Errorf("%s: ActiveZones = %v, want %v", when, got, want)
	}
}

// wantZoneWalk pages through a zone two at a time.
func wantZoneWalk(t *testing.T, s store.Store, zone string, want []int64) {
	t.Helper()
	var got []int64
	after := int64(math.MinInt64)
	for range 100 {
		page, err := s.ZoneSubscribersAfter(t.Context(), zone, after, 2)
		if err != nil {
			t.Fatalf("ZoneSubscribersAfter(%q) = %v", zone, err)
		}
		if len(page) == 0 {
			break
		}
		for _, sub := range page {
			if sub.TimeZone != zone || !sub.Active {
				t.Errorf("zone %q lists %+v", zone, sub)
			}
			got = append(got, sub.ChatID)
		}
		after = page[len(page)-1].ChatID
	}
	if !slices.Equal(got, want) {
		t.Errorf("zone %q: %v, want %v", zone, got, want)
	}
}
