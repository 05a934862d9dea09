package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// event is a published event starting a day after t0 with the given
// number of places (0: no limit).
func rsvpEvent(capacity int) store.Post {
	return store.Post{ID: 7, Kind: store.KindEvent, City: "krefeld", Title: "Evening", StartsAt: after(24 * time.Hour),
		Place: "Hall", Capacity: capacity}
}

func person(id int64) store.Attendee {
	return store.Attendee{UserID: id, Name: fmt.Sprint("P", id), Lang: store.LangEN}
}

// list builds a list: going ids, then waiting ids.
func list(going, waiting []int64) store.RSVPList {
	l := store.RSVPList{EventID: 7}
	for _, id := range going {
		a := person(id)
		a.EventID = 7
		l.Going = append(l.Going, a)
	}
	for _, id := range waiting {
		a := person(id)
		a.EventID, a.Waiting = 7, true
		l.Waiting = append(l.Waiting, a)
	}
	return l
}

func userIDs(as []store.Attendee) []int64 {
	out := []int64{}
	for _, a := range as {
		out = append(out, a.UserID)
	}
	return out
}

func TestApplyRSVP(t *testing.T) {
	past := rsvpEvent(2)
	past.StartsAt = after(-time.Minute)
	announcement := store.Post{ID: 7, Kind: store.KindAnnouncement, City: "krefeld"}
	pending := rsvpEvent(2)
	pending.Status = store.StatusPending
	tests := []struct {
		name               string
		ev                 store.Post
		l                  store.RSVPList
		action             store.RSVPAction
		who                int64
		forget             bool
		going, waiting     []int64
		status             store.RSVPStatus
		pos                int
		changed            bool
		promoted           []int64
		err                error
		wantLeft, wantFull bool
	}{
		{name: "first sign-up", ev: rsvpEvent(2), action: store.RSVPGoing, who: 1,
			going: []int64{1}, waiting: []int64{}, status: store.StatusGoing, pos: 1, changed: true},
		{name: "no limit", ev: rsvpEvent(0), l: list([]int64{1, 2, 3}, nil), action: store.RSVPGoing, who: 4,
			going: []int64{1, 2, 3, 4}, waiting: []int64{}, status: store.StatusGoing, pos: 4, changed: true},
		{name: "last place", ev: rsvpEvent(2), l: list([]int64{1}, nil), action: store.RSVPGoing, who: 2,
			going: []int64{1, 2}, waiting: []int64{}, status: store.StatusGoing, pos: 2, changed: true, wantFull: true},
		{name: "full: waiting list", ev: rsvpEvent(2), l: list([]int64{1, 2}, []int64{3}), action: store.RSVPGoing, who: 4,
			going: []int64{1, 2}, waiting: []int64{3, 4}, status: store.StatusWaiting, pos: 2, changed: true, wantFull: true},
		{name: "double tap going", ev: rsvpEvent(2), l: list([]int64{1, 2}, nil), action: store.RSVPGoing, who: 1,
			going: []int64{1, 2}, waiting: []int64{}, status: store.StatusGoing, pos: 1, wantFull: true},
		{name: "double tap waiting keeps the place in the queue", ev: rsvpEvent(1), l: list([]int64{1}, []int64{2, 3}), action: store.RSVPGoing, who: 2,
			going: []int64{1}, waiting: []int64{2, 3}, status: store.StatusWaiting, pos: 1, wantFull: true},
		{name: "cancel promotes the first waiting", ev: rsvpEvent(2), l: list([]int64{1, 2}, []int64{3, 4}), action: store.RSVPCancel, who: 1,
			going: []int64{2, 3}, waiting: []int64{4}, changed: true, promoted: []int64{3}, wantFull: true},
		{name: "cancel from the waiting list promotes nobody", ev: rsvpEvent(2), l: list([]int64{1, 2}, []int64{3, 4}), action: store.RSVPCancel, who: 3,
			going: []int64{1, 2}, waiting: []int64{4}, changed: true, wantFull: true},
		{name: "cancel when not signed up", ev: rsvpEvent(2), l: list([]int64{1}, nil), action: store.RSVPCancel, who: 9,
			going: []int64{1}, waiting: []int64{}},
		{name: "capacity lowered since: a cancel frees no place", ev: rsvpEvent(1), l: list([]int64{1, 2, 3}, []int64{4}), action: store.RSVPCancel, who: 1,
			going: []int64{2, 3}, waiting: []int64{4}, changed: true, wantFull: true},
		{name: "limit lifted since: a cancel lets everyone in", ev: rsvpEvent(0), l: list([]int64{1, 2}, []int64{3, 4}), action: store.RSVPCancel, who: 2,
			going: []int64{1, 3, 4}, waiting: []int64{}, changed: true, promoted: []int64{3, 4}},
		{name: "started", ev: past, l: list([]int64{1}, nil), action: store.RSVPGoing, who: 2, err: store.ErrEventStarted},
		{name: "started: no cancel either", ev: past, l: list([]int64{1}, nil), action: store.RSVPCancel, who: 1, err: store.ErrEventStarted},
		{name: "forget after the start promotes nobody", ev: past, l: list([]int64{1, 2}, []int64{3}), action: store.RSVPCancel, who: 1, forget: true,
			going: []int64{2}, waiting: []int64{3}, changed: true},
		{name: "forget before the start promotes", ev: rsvpEvent(2), l: list([]int64{1, 2}, []int64{3}), action: store.RSVPCancel, who: 1, forget: true,
			going: []int64{2, 3}, waiting: []int64{}, changed: true, promoted: []int64{3}, wantFull: true},
		{name: "not an event", ev: announcement, action: store.RSVPGoing, who: 1, err: store.ErrNotEvent},
		{name: "not published", ev: pending, action: store.RSVPGoing, who: 1, err: store.ErrNotEvent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := list(userIDs(tt.l.Going), userIDs(tt.l.Waiting))
			l, res, err := store.ApplyRSVP(tt.ev, tt.l, store.RSVP{Action: tt.action, Person: person(tt.who), At: t0, Forget: tt.forget})
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !slices.Equal(userIDs(l.Going), tt.going) || !slices.Equal(userIDs(l.Waiting), tt.waiting) {
				t.Errorf("list = going %v waiting %v, want %v %v", userIDs(l.Going), userIDs(l.Waiting), tt.going, tt.waiting)
			}
			if res.Status != tt.status || res.Position != tt.pos || res.Changed != tt.changed {
				t.Errorf("result = %s #%d changed %t, want %s #%d changed %t", res.Status, res.Position, res.Changed, tt.status, tt.pos, tt.changed)
			}
			if !slices.Equal(userIDs(res.Promoted), append([]int64{}, tt.promoted...)) {
				t.Errorf("promoted = %v, want %v", userIDs(res.Promoted), tt.promoted)
			}
			for _, a := range res.Promoted {
				if a.Waiting || a.PromotedAt == nil || !a.PromotedAt.Equal(t0) {
					t.Errorf("promoted entry %+v: want off the waiting list, promoted at t0", a)
				}
			}
			if want := (store.Turnout{Going: len(tt.going), Waiting: len(tt.waiting), Capacity: tt.ev.Capacity}); res.Turnout != want {
				t.Errorf("turnout = %+v, want %+v", res.Turnout, want)
			}
			if res.Turnout.Full() != tt.wantFull {
				t.Errorf("Full() = %t, want %t", res.Turnout.Full(), tt.wantFull)
			}
			// The rule works on copies: the list it was given is as it was.
			if !slices.Equal(userIDs(tt.l.Going), userIDs(before.Going)) || !slices.Equal(userIDs(tt.l.Waiting), userIDs(before.Waiting)) {
				t.Errorf("the input list changed")
			}
		})
	}
}

func TestApplyRSVPEntry(t *testing.T) {
	ev := rsvpEvent(1)
	l, _, _ := store.ApplyRSVP(ev, store.RSVPList{}, store.RSVP{Action: store.RSVPGoing, Person: person(1), At: t0})
	l, res, _ := store.ApplyRSVP(ev, l, store.RSVP{Action: store.RSVPGoing, Person: person(2), At: t0.Add(time.Second)})
	a, st, pos := l.Find(2)
	if st != store.StatusWaiting || pos != 1 || !a.Waiting || a.EventID != 7 || !a.At.Equal(t0.Add(time.Second)) || a.Name != "P2" {
		t.Errorf("waiting entry = %+v %s #%d", a, st, pos)
	}
	if res.Turnout.Left() != 0 || (store.Turnout{Going: 3, Capacity: 10}).Left() != 7 || (store.Turnout{Going: 3}).Left() != 0 {
		t.Error("Left() wrong")
	}
	if _, _, err := store.ApplyRSVP(ev, l, store.RSVP{Action: "maybe", Person: person(3), At: t0}); err == nil {
		t.Error("an unknown action was applied")
	}
	if got := store.Standing(ev, l, 2); got.Status != store.StatusWaiting || got.Position != 1 || got.Changed {
		t.Errorf("Standing = %+v", got)
	}
}

func TestFillPlaces(t *testing.T) {
	for _, tt := range []struct {
		capacity         int
		going, waiting   []int64
		wantGoing, wantW []int64
	}{
		{2, []int64{1}, []int64{2, 3}, []int64{1, 2}, []int64{3}},
		{5, []int64{1}, []int64{2, 3}, []int64{1, 2, 3}, []int64{}},
		{0, []int64{1}, []int64{2, 3}, []int64{1, 2, 3}, []int64{}},
		{1, []int64{1, 4}, []int64{2}, []int64{1, 4}, []int64{2}},
	} {
		l, promoted := store.FillPlaces(rsvpEvent(tt.capacity), list(tt.going, tt.waiting), t0)
		if !slices.Equal(userIDs(l.Going), tt.wantGoing) || !slices.Equal(userIDs(l.Waiting), tt.wantW) {
			t.Errorf("capacity %d: going %v waiting %v, want %v %v", tt.capacity, userIDs(l.Going), userIDs(l.Waiting), tt.wantGoing, tt.wantW)
		}
		if want := len(tt.wantGoing) - len(tt.going); len(promoted) != want {
			t.Errorf("capacity %d: promoted %d, want %d", tt.capacity, len(promoted), want)
		}
	}
}

func TestEventEdited(t *testing.T) {
	moved := rsvpEvent(2)
	moved.StartsAt = after(48 * time.Hour)
	replaced := rsvpEvent(2)
	replaced.Place = "Town hall"
	bigger := rsvpEvent(3)
	retitled := rsvpEvent(2)
	retitled.Title = "Another title"
	past := rsvpEvent(2)
	past.StartsAt = after(-time.Hour)
	pastMoved := past
	pastMoved.Place = "Elsewhere"
	full := list([]int64{1, 2}, []int64{3, 4})
	tests := []struct {
		name        string
		old, p      store.Post
		l           store.RSVPList
		changed     []int64
		promoted    []int64
		wantWaiting []int64
	}{
		{"time moved: everyone told", rsvpEvent(2), moved, full, []int64{1, 2, 3, 4}, nil, []int64{3, 4}},
		{"place changed", rsvpEvent(2), replaced, full, []int64{1, 2, 3, 4}, nil, []int64{3, 4}},
		{"title only: nobody told", rsvpEvent(2), retitled, full, nil, nil, []int64{3, 4}},
		{"more places: the waiting list moves up", rsvpEvent(2), bigger, full, nil, []int64{3}, []int64{4}},
		{"nobody signed up", rsvpEvent(2), moved, store.RSVPList{}, nil, nil, nil},
		{"started: nobody told", past, pastMoved, full, nil, nil, []int64{3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, msgs := store.EventEdited(tt.old, tt.p, tt.l, t0)
			var changed, promoted []int64
			for _, m := range msgs {
				if m.Kind != store.MsgAttendee || m.PostID != 7 || m.Notice == nil || m.Notice.Lang != store.LangEN {
					t.Fatalf("notice %+v", m)
				}
				switch m.Notice.What {
				case store.NoticeChanged:
					changed = append(changed, m.ChatID)
					if m.Notice.Was == nil || m.Notice.Was.Place != tt.old.Place || !m.Notice.Was.StartsAt.Equal(*tt.old.StartsAt) {
						t.Errorf("changed notice without the event as it was: %+v", m.Notice.Was)
					}
				case store.NoticePromoted:
					promoted = append(promoted, m.ChatID)
				}
			}
			if !slices.Equal(changed, tt.changed) || !slices.Equal(promoted, tt.promoted) {
				t.Errorf("told changed %v promoted %v, want %v %v", changed, promoted, tt.changed, tt.promoted)
			}
			if got := userIDs(l.Waiting); len(got) != len(tt.wantWaiting) || !slices.Equal(got, tt.wantWaiting) && len(got) > 0 {
				t.Errorf("waiting = %v, want %v", got, tt.wantWaiting)
			}
		})
	}
}

func TestEventDeleted(t *testing.T) {
	ev := rsvpEvent(2)
	ev.Text, ev.Photos = "A long text", []store.Photo{{FileID: "f"}}
	ev.Translations = map[store.Lang]store.PostText{store.LangDE: {Title: "Abend", Text: "Langer Text"}}
	msgs := store.EventDeleted(ev, list([]int64{1, 2}, []int64{3}), t0)
	if got := len(msgs); got != 3 {
		t.Fatalf("%d notices, want 3 (going and waiting)", got)
	}
	for _, m := range msgs {
		was := m.Notice.Was
		if m.Notice.What != store.NoticeCancelled || was == nil || was.Title != "Evening" || was.Text != "" || len(was.Photos) != 0 ||
			was.Translations[store.LangDE].Title != "Abend" || was.Translations[store.LangDE].Text != "" {
			t.Errorf("notice %+v, was %+v: want the titles and times, no texts or photos", m.Notice, was)
		}
		if !strings.HasPrefix(m.Ref, "rsvp-cancelled:7:") {
			t.Errorf("ref %q", m.Ref)
		}
	}
	past := ev
	past.StartsAt = after(-time.Hour)
	if msgs := store.EventDeleted(past, list([]int64{1}, nil), t0); len(msgs) != 0 {
		t.Errorf("an event that is over: %d notices", len(msgs))
	}
}

func TestCapacityValidation(t *testing.T) {
	for _, tt := range []struct {
		p       store.Post
		problem string
	}{
		{rsvpEvent(40), ""},
		{rsvpEvent(store.MaxCapacity), ""},
		{rsvpEvent(store.MaxCapacity + 1), store.ProblemNumber},
		{rsvpEvent(-1), store.ProblemNumber},
		{store.Post{Kind: store.KindVisit, City: "krefeld", Title: "T", Text: "x", Capacity: 3}, store.ProblemEventOnly},
	} {
		tt.p.Text = "x"
		err := tt.p.Validate()
		var fe *store.FieldError
		switch {
		case tt.problem == "" && err != nil:
			t.Errorf("capacity %d: %v", tt.p.Capacity, err)
		case tt.problem != "" && (!errors.As(err, &fe) || fe.Field != "capacity" || fe.Problem != tt.problem):
			t.Errorf("capacity %d on %s: %v, want %s", tt.p.Capacity, tt.p.Kind, err, tt.problem)
		}
	}
}
