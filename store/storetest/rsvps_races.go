package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// testRSVPRaces pins down sign-ups under concurrency (many people at the
// capacity boundary, double taps) and an official's edit and deletion of
// an event with a list.
func testRSVPRaces(t *testing.T, newStore func(t *testing.T) store.Store) {
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

}
