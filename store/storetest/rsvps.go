package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// testRSVPs pins down sign-ups for events: once per person and per cause,
// the waiting list and its promotions in order, the notices queued with
// each change (never twice), concurrent sign-ups at the capacity boundary,
// and what an official's edit or deletion of the event does to its list.
func testRSVPs(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("SignUpOnce", func(t *testing.T) {
		s := newStore(t)
		ev := createEvent(t, s, 2)
		res := rsvp(t, s, ev, store.RSVPGoing, 1, "u1")
		if res.Status != store.StatusGoing || res.Position != 1 || !res.Changed || res.Turnout != (store.Turnout{Going: 1, Capacity: 2}) {
			t.Fatalf("first sign-up = %+v", res)
		}
		// The same update again, and a second tap: nothing more.
		for _, cause := range []string{"u1", "u2"} {
			res = rsvp(t, s, ev, store.RSVPGoing, 1, cause)
			if res.Changed || res.Status != store.StatusGoing || res.Position != 1 || res.Turnout.Going != 1 {
				t.Errorf("sign-up again (cause %s) = %+v, want unchanged, still going", cause, res)
			}
		}
		l := attendees(t, s, ev)
		if len(l.Going) != 1 || len(l.Waiting) != 0 {
			t.Fatalf("Attendees = %+v, want one going", l)
		}
		a := l.Going[0]
		if a.UserID != 1 || a.EventID != ev.ID || a.Name != "Person 1" || a.Username != "person1" || a.Lang != store.LangDE || !a.At.Equal(t0) {
			t.Errorf("entry = %+v, want person 1's, signed up at t0", a)
		}
		wantTurnouts(t, s, []int64{ev.ID, 404}, map[int64]store.Turnout{ev.ID: {Going: 1}})
		mine, err := s.UserRSVPs(t.Context(), 1)
		if err != nil || len(mine) != 1 || mine[0].EventID != ev.ID {
			t.Errorf("UserRSVPs(1) = %+v, %v", mine, err)
		}
		if none, err := s.UserRSVPs(t.Context(), 2); err != nil || len(none) != 0 {
			t.Errorf("UserRSVPs(2) = %+v, %v; want none", none, err)
		}
		// Cancelling, then cancelling again.
		res = rsvp(t, s, ev, store.RSVPCancel, 1, "u3")
		if !res.Changed || res.Status != "" || res.Turnout.Going != 0 {
			t.Errorf("cancel = %+v", res)
		}
		if res = rsvp(t, s, ev, store.RSVPCancel, 1, "u4"); res.Changed {
			t.Errorf("cancel again = %+v, want unchanged", res)
		}
		// The sign-up's cause, replayed after the cancel, brings nobody back.
		if res = rsvp(t, s, ev, store.RSVPGoing, 1, "u1"); res.Changed || res.Status != "" {
			t.Errorf("a replayed cause = %+v, want no change", res)
		}
		wantTurnouts(t, s, []int64{ev.ID}, map[int64]store.Turnout{})
		if mine, _ := s.UserRSVPs(t.Context(), 1); len(mine) != 0 {
			t.Errorf("UserRSVPs(1) after cancel = %+v", mine)
		}
		if got := attendeeNotices(t, s); len(got) != 0 {
			t.Errorf("notices %+v, want none", got)
		}
	})

	t.Run("WaitingListAndPromotion", func(t *testing.T) {
		s := newStore(t)
		ev := createEvent(t, s, 2)
		for id := int64(1); id <= 5; id++ {
			res := rsvp(t, s, ev, store.RSVPGoing, id, fmt.Sprint("g", id))
			want, pos := store.StatusGoing, int(id)
			if id > 2 {
				want, pos = store.StatusWaiting, int(id)-2
			}
			if res.Status != want || res.Position != pos {
				t.Fatalf("person %d: %s #%d, want %s #%d", id, res.Status, res.Position, want, pos)
			}
		}
		// A place becomes free: the first on the waiting list gets it.
		res := rsvp(t, s, ev, store.RSVPCancel, 1, "c1")
		if len(res.Promoted) != 1 || res.Promoted[0].UserID != 3 || res.Turnout != (store.Turnout{Going: 2, Waiting: 2, Capacity: 2}) {
			t.Fatalf("cancel = %+v, want 3 promoted", res)
		}
		// The cancel's update again: nobody else moves up, nobody is told twice.
		if res = rsvp(t, s, ev, store.RSVPCancel, 1, "c1"); res.Changed || len(res.Promoted) != 0 {
			t.Errorf("cancel repeated = %+v", res)
		}
		// Leaving the waiting list frees no place.
		if res = rsvp(t, s, ev, store.RSVPCancel, 4, "c4"); len(res.Promoted) != 0 || res.Turnout.Waiting != 1 {
			t.Errorf("cancel from the waiting list = %+v", res)
		}
		res = rsvp(t, s, ev, store.RSVPCancel, 2, "c2")
		if len(res.Promoted) != 1 || res.Promoted[0].UserID != 5 {
			t.Errorf("second cancel = %+v, want 5 promoted", res)
		}
		l := attendees(t, s, ev)
		if got := people(l.Going); !slices.Equal(got, []int64{3, 5}) || len(l.Waiting) != 0 {
			t.Errorf("going %v waiting %v, want [3 5] []", got, people(l.Waiting))
		}
		if l.Going[0].PromotedAt == nil || l.Going[0].Waiting {
			t.Errorf("promoted entry %+v", l.Going[0])
		}
		notices := attendeeNotices(t, s)
		if len(notices) != 2 {
			t.Fatalf("notices = %+v, want one per person promoted", notices)
		}
		for i, want := range []int64{3, 5} {
			m := notices[i]
			if m.ChatID != want || m.PostID != ev.ID || m.Notice.What != store.NoticePromoted || m.Notice.Lang != store.LangDE {
				t.Errorf("notice %d = %+v %+v, want a promotion for %d", i, m, m.Notice, want)
			}
		}
	})

	t.Run("Refused", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		r := store.RSVP{Action: store.RSVPGoing, Person: store.Attendee{UserID: 1}, At: t0, Cause: "x"}
		if _, err := s.RSVP(ctx, 404, r); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RSVP(no post) = %v, want ErrNotFound", err)
		}
		ann := createPost(t, s, post("Note", store.KindAnnouncement, "lyon", t0))
		if _, err := s.RSVP(ctx, ann.ID, r); !errors.Is(err, store.ErrNotEvent) {
			t.Errorf("RSVP(announcement) = %v, want ErrNotEvent", err)
		}
		ev := createEvent(t, s, 0)
		late := r
		late.At, late.Cause = ev.StartsAt.Add(time.Second), "y"
		if _, err := s.RSVP(ctx, ev.ID, late); !errors.Is(err, store.ErrEventStarted) {
			t.Errorf("RSVP(started) = %v, want ErrEventStarted", err)
		}
		// The refused causes are not spent: the same update may succeed
		// when retried (the event published meanwhile, say).
		if res, err := s.RSVP(ctx, ev.ID, r); err != nil || !res.Changed {
			t.Errorf("RSVP after refusals = %+v, %v", res, err)
		}
		if l := attendees(t, s, ann); !l.Empty() {
			t.Errorf("a list for the announcement: %+v", l)
		}
	})

	t.Run("ConcurrentAtCapacity", func(t *testing.T) {
		// 24 people tap at once, each twice (a double tap), for 5 places:
		// 5 go, 19 wait, nobody twice. Then 3 of those going cancel at
		// once, with their taps repeated: 3 move up, in order, each told once.
		s := newStore(t)
		ev := createEvent(t, s, 5)
		const n = 24
		var wg sync.WaitGroup
		for id := int64(1); id <= n; id++ {
			for tap := range 2 {
				wg.Go(func() {
					if _, err := s.RSVP(t.Context(), ev.ID, store.RSVP{Action: store.RSVPGoing, Person: person(id),
						At: t0.Add(time.Duration(id) * time.Millisecond), Cause: fmt.Sprintf("g%d-%d", id, tap)}); err != nil {
						t.Errorf("RSVP(%d) = %v", id, err)
					}
				})
			}
		}
		wg.Wait()
		l := attendees(t, s, ev)
		all := append(people(l.Going), people(l.Waiting)...)
		slices.Sort(all)
		if len(l.Going) != 5 || len(l.Waiting) != n-5 || len(slices.Compact(all)) != n {
			t.Fatalf("after the rush: going %v waiting %v; want 5 and %d, everyone once", people(l.Going), people(l.Waiting), n-5)
		}
		wantTurnouts(t, s, []int64{ev.ID}, map[int64]store.Turnout{ev.ID: {Going: 5, Waiting: n - 5}})
		leaving := people(l.Going)[:3]
		firstWaiting := people(l.Waiting)[:3]
		for _, id := range leaving {
			for range 2 {
				wg.Go(func() {
					if _, err := s.RSVP(t.Context(), ev.ID, store.RSVP{Action: store.RSVPCancel, Person: person(id),
						At: t0.Add(time.Second), Cause: fmt.Sprint("c", id)}); err != nil {
						t.Errorf("cancel(%d) = %v", id, err)
					}
				})
			}
		}
		wg.Wait()
		l = attendees(t, s, ev)
		if got := people(l.Going); len(got) != 5 || !slices.Equal(got[2:], firstWaiting) {
			t.Errorf("going %v, want the two who stayed, then %v", got, firstWaiting)
		}
		if len(l.Waiting) != n-8 {
			t.Errorf("%d waiting, want %d", len(l.Waiting), n-8)
		}
		var told []int64
		for _, m := range attendeeNotices(t, s) {
			told = append(told, m.ChatID)
		}
		slices.Sort(told)
		want := slices.Sorted(slices.Values(firstWaiting))
		if !slices.Equal(told, want) {
			t.Errorf("told %v, want %v once each", told, want)
		}
	})

	t.Run("EditAndDelete", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		ev := createEvent(t, s, 1)
		for id := int64(1); id <= 3; id++ {
			rsvp(t, s, ev, store.RSVPGoing, id, fmt.Sprint("g", id))
		}
		change := func(cause string) store.Change {
			return store.Change{Cause: cause, Audit: store.AuditEntry{UserID: 99, At: t0, Action: "edited"}}
		}
		retitled := ev
		retitled.Title = "Renamed"
		if _, err := s.EditPost(ctx, retitled, change("e1")); err != nil {
			t.Fatal(err)
		}
		if got := attendeeNotices(t, s); len(got) != 0 {
			t.Errorf("a title edit told %+v", got)
		}
		moved := retitled
		moved.Place, moved.Capacity = "Town hall", 2
		for range 2 { // the edit's update again changes nothing more
			if _, err := s.EditPost(ctx, moved, change("e2")); err != nil {
				t.Fatal(err)
			}
		}
		var changed, promoted []int64
		for _, m := range attendeeNotices(t, s) {
			switch m.Notice.What {
			case store.NoticeChanged:
				changed = append(changed, m.ChatID)
				if m.Notice.Was == nil || m.Notice.Was.Place != ev.Place || m.Notice.Was.Title != "Renamed" {
					t.Errorf("changed notice carries %+v, want the event as it was", m.Notice.Was)
				}
			case store.NoticePromoted:
				promoted = append(promoted, m.ChatID)
			}
		}
		if !slices.Equal(changed, []int64{1, 2, 3}) || !slices.Equal(promoted, []int64{2}) {
			t.Errorf("after the edit told changed %v promoted %v, want [1 2 3] [2]", changed, promoted)
		}
		l := attendees(t, s, ev)
		if !slices.Equal(people(l.Going), []int64{1, 2}) || !slices.Equal(people(l.Waiting), []int64{3}) {
			t.Errorf("going %v waiting %v after the edit", people(l.Going), people(l.Waiting))
		}
		for range 2 {
			if _, _, err := s.RemovePost(ctx, ev.ID, change("d1")); err != nil {
				t.Fatal(err)
			}
		}
		var cancelled []int64
		for _, m := range attendeeNotices(t, s) {
			if m.Notice.What != store.NoticeCancelled || m.Notice.Was == nil || m.Notice.Was.Place != "Town hall" {
				t.Errorf("deletion notice %+v %+v", m, m.Notice)
			}
			cancelled = append(cancelled, m.ChatID)
		}
		if !slices.Equal(cancelled, []int64{1, 2, 3}) {
			t.Errorf("deletion told %v, want [1 2 3] once each", cancelled)
		}
		if l := attendees(t, s, ev); !l.Empty() {
			t.Errorf("list after the deletion: %+v", l)
		}
		wantTurnouts(t, s, []int64{ev.ID}, map[int64]store.Turnout{})
		for id := int64(1); id <= 3; id++ {
			if mine, err := s.UserRSVPs(ctx, id); err != nil || len(mine) != 0 {
				t.Errorf("UserRSVPs(%d) after the deletion = %+v, %v", id, mine, err)
			}
		}
	})

	t.Run("Forget", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		a, b := createEvent(t, s, 1), createEvent(t, s, 0)
		rsvp(t, s, a, store.RSVPGoing, 1, "a1")
		rsvp(t, s, a, store.RSVPGoing, 2, "a2")
		rsvp(t, s, b, store.RSVPGoing, 1, "b1")
		n, err := s.ForgetRSVPs(ctx, 1, t0)
		if err != nil || n != 2 {
			t.Fatalf("ForgetRSVPs = %d, %v; want 2", n, err)
		}
		if mine, _ := s.UserRSVPs(ctx, 1); len(mine) != 0 {
			t.Errorf("sign-ups left: %+v", mine)
		}
		if l := attendees(t, s, a); !slices.Equal(people(l.Going), []int64{2}) {
			t.Errorf("event a: going %v, want [2] (moved up)", people(l.Going))
		}
		if got := attendeeNotices(t, s); len(got) != 1 || got[0].ChatID != 2 {
			t.Errorf("notices %+v, want one to 2", got)
		}
		if n, err := s.ForgetRSVPs(ctx, 1, t0); err != nil || n != 0 {
			t.Errorf("ForgetRSVPs again = %d, %v", n, err)
		}
	})
}

// createEvent stores a published event starting a day after t0.
func createEvent(t *testing.T, s store.Store, capacity int) store.Post {
	t.Helper()
	p := post("Evening", store.KindEvent, "lyon", t0)
	start := t0.Add(24 * time.Hour)
	p.StartsAt, p.Place, p.Capacity = &start, "Hall", capacity
	return createPost(t, s, p)
}

func person(id int64) store.Attendee {
	return store.Attendee{UserID: id, Name: fmt.Sprint("Person ", id), Username: fmt.Sprint("person", id), Lang: store.LangDE}
}

func rsvp(t *testing.T, s store.Store, ev store.Post, a store.RSVPAction, id int64, cause string) store.RSVPResult {
	t.Helper()
	res, err := s.RSVP(t.Context(), ev.ID, store.RSVP{Action: a, Person: person(id), At: t0, Cause: cause})
	if err != nil {
		t.Fatalf("RSVP(%s, %d) = %v", a, id, err)
	}
	return res
}

func attendees(t *testing.T, s store.Store, ev store.Post) store.RSVPList {
	t.Helper()
	l, err := s.Attendees(t.Context(), ev.ID)
	if err != nil {
		t.Fatalf("Attendees(%d) = %v", ev.ID, err)
	}
	return l
}

func people(as []store.Attendee) []int64 {
	out := []int64{}
	for _, a := range as {
		out = append(out, a.UserID)
	}
	return out
}

func wantTurnouts(t *testing.T, s store.Store, ids []int64, want map[int64]store.Turnout) {
	t.Helper()
	got, err := s.RSVPCounts(t.Context(), ids)
	if err != nil {
		t.Fatalf("RSVPCounts = %v", err)
	}
	if len(got) != len(want) {
		t.Errorf("RSVPCounts = %+v, want %+v", got, want)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("RSVPCounts[%d] = %+v, want %+v", id, got[id], w)
		}
	}
}

// attendeeNotices claims what is in the outbox (acknowledging it, so the
// next call sees only what came since) and returns the notices to
// attendees, in the order queued.
func attendeeNotices(t *testing.T, s store.Store) []store.OutboxMessage {
	t.Helper()
	var out []store.OutboxMessage
	for _, m := range claim(t, s, "rsvp-test", 1000, time.Hour) {
		if err := s.Ack(t.Context(), m.ID); err != nil {
			t.Fatal(err)
		}
		if m.Kind != store.MsgAttendee || m.Notice == nil {
			t.Errorf("outbox holds %+v", m)
			continue
		}
		out = append(out, m)
	}
	return out
}
