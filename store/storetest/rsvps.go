package storetest

import (
	"errors"
	"fmt"
	"slices"
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

	testRSVPRaces(t, newStore)

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
