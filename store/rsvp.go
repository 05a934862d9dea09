package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Sign-ups for events: who is going, who waits for a place, who gets the
// place that becomes free. These are the rules, as plain functions; the
// backends read an event's list and the event in one transaction, apply
// them, and write the list back together with the notices they return
// (outbox messages), so a place is never given twice and nobody is told
// twice, however taps, retries and replicas interleave.

// MaxCapacity bounds an event's number of places.
const MaxCapacity = 100_000

// Errors of a sign-up the rules refuse; nothing is changed.
var (
	// ErrNotEvent: the post is no event residents can see (another kind,
	// or not published).
	ErrNotEvent = errors.New("not an event open for sign-up")
	// ErrEventStarted: the event has started (or is over); its list is
	// closed.
	ErrEventStarted = errors.New("event has started")
)

// Attendee is one person's sign-up for an event. Name and Username are as
// Telegram showed them when they signed up, for the office's list; Lang is
// the language their notices are written in.
type Attendee struct {
	EventID  int64  `json:"event_id"`
	UserID   int64  `json:"user_id"`
	Name     string `json:"name,omitempty"`
	Username string `json:"username,omitempty"`
	Lang     Lang   `json:"lang,omitempty"`
	// At is when they signed up: places and the waiting list go by it.
	At time.Time `json:"at"`
	// Waiting is true while they are on the waiting list.
	Waiting bool `json:"waiting,omitempty"`
	// PromotedAt is when a place that became free was given to them.
	PromotedAt *time.Time `json:"promoted_at,omitempty"`
}

// RSVPList is an event's sign-ups: the people going, then the waiting
// list, each in the order they signed up.
type RSVPList struct {
	EventID int64      `json:"event_id"`
	Going   []Attendee `json:"going,omitempty"`
	Waiting []Attendee `json:"waiting,omitempty"`
}

// Empty reports whether nobody is on the list.
func (l RSVPList) Empty() bool { return len(l.Going) == 0 && len(l.Waiting) == 0 }

// RSVPStatus is where one person stands on an event's list.
type RSVPStatus string

// The statuses; "" is not signed up.
const (
	StatusGoing   RSVPStatus = "going"
	StatusWaiting RSVPStatus = "waiting"
)

// Find returns the person's entry, status and 1-based position in their
// part of the list (the place in the queue, for the waiting list).
func (l RSVPList) Find(userID int64) (a Attendee, st RSVPStatus, pos int) {
	if i := slices.IndexFunc(l.Going, func(a Attendee) bool { return a.UserID == userID }); i >= 0 {
		return l.Going[i], StatusGoing, i + 1
	}
	if i := slices.IndexFunc(l.Waiting, func(a Attendee) bool { return a.UserID == userID }); i >= 0 {
		return l.Waiting[i], StatusWaiting, i + 1
	}
	return Attendee{}, "", 0
}

// Counts is the list's size, without the event's capacity (the post
// holds it; see Post.Turnout).
func (l RSVPList) Counts() Turnout { return Turnout{Going: len(l.Going), Waiting: len(l.Waiting)} }

// All is everyone on the list, going first.
func (l RSVPList) All() []Attendee { return append(slices.Clone(l.Going), l.Waiting...) }

// Turnout is what residents see under an event: how many are going, how
// many wait, and the capacity (0: no limit).
type Turnout struct {
	Going    int `json:"going"`
	Waiting  int `json:"waiting,omitempty"`
	Capacity int `json:"capacity,omitempty"`
}

// Full reports whether every place is taken: a new sign-up waits.
func (t Turnout) Full() bool { return t.Capacity > 0 && t.Going >= t.Capacity }

// Left is the number of free places; 0 without a capacity.
func (t Turnout) Left() int { return max(0, t.Capacity-t.Going) }

// Turnout combines counts a store keeps with the event's capacity.
func (p Post) Turnout(counts Turnout) Turnout {
	counts.Capacity = p.Capacity
	return counts
}

// RSVPAction is what a person asks for.
type RSVPAction string

// The actions: going (a place, or the waiting list when full) and cancel.
const (
	RSVPGoing  RSVPAction = "going"
	RSVPCancel RSVPAction = "cancel"
)

// RSVP is one person's request about one event.
type RSVP struct {
	Action RSVPAction
	// Person names who asks (UserID, Name, Username, Lang); the rest of
	// the entry is the rules'.
	Person Attendee
	// Cause is the update that asked: a repeated cause changes nothing.
	// Empty for /stop and retention, which are idempotent by themselves.
	Cause string
	At    time.Time
	// Forget takes the person off the list whatever the event's state:
	// /stop and retention delete sign-ups, even for events that are over.
	Forget bool
}

// RSVPResult is what a request did.
type RSVPResult struct {
	// Status and Position are the person's standing afterwards.
	Status   RSVPStatus
	Position int
	// Before is the person's status before the request.
	Before RSVPStatus
	// Changed is false when the request found things as it asked (a
	// double tap) or its cause had been applied before (Repeated).
	Changed  bool
	Repeated bool
	// Turnout is the list's counts afterwards, with the capacity.
	Turnout Turnout
	// Promoted are the people who got a place that became free.
	Promoted []Attendee
}

// ApplyRSVP is the rule of one request: ev is the event as stored now, l
// its list. Going takes a free place, or joins the waiting list when
// every place is taken; asking again changes nothing (not even the
// place in the queue). Cancel frees the place, which goes to the first on
// the waiting list (and the next, while places are free). A request about
// something that is not a published event is ErrNotEvent; one made once
// the event started is ErrEventStarted, unless it is Forget.
func ApplyRSVP(ev Post, l RSVPList, r RSVP) (RSVPList, RSVPResult, error) {
	if !r.Forget {
		if ev.Kind != KindEvent || !ev.Visible() || ev.StartsAt == nil {
			return l, RSVPResult{}, ErrNotEvent
		}
		if !ev.StartsAt.After(r.At) {
			return l, RSVPResult{}, ErrEventStarted
		}
	}
	l.EventID = ev.ID
	_, st, _ := l.Find(r.Person.UserID)
	changed := false
	var promoted []Attendee
	switch r.Action {
	case RSVPGoing:
		if st != "" {
			break
		}
		a := r.Person
		a.EventID, a.At, a.Waiting, a.PromotedAt = ev.ID, r.At, false, nil
		if ev.Turnout(l.Counts()).Full() {
			a.Waiting = true
			l.Waiting = append(slices.Clone(l.Waiting), a)
		} else {
			l.Going = append(slices.Clone(l.Going), a)
		}
		changed = true
	case RSVPCancel:
		if st == "" {
			break
		}
		keep := func(a Attendee) bool { return a.UserID != r.Person.UserID }
		l.Going = slices.DeleteFunc(slices.Clone(l.Going), func(a Attendee) bool { return !keep(a) })
		l.Waiting = slices.DeleteFunc(slices.Clone(l.Waiting), func(a Attendee) bool { return !keep(a) })
		changed = true
		if st == StatusGoing && open(ev, r.At) {
			l, promoted = FillPlaces(ev, l, r.At)
		}
	default:
		return l, RSVPResult{}, fmt.Errorf("unknown sign-up action %q", r.Action)
	}
	res := RSVPResult{Before: st, Changed: changed, Turnout: ev.Turnout(l.Counts()), Promoted: promoted}
	_, res.Status, res.Position = l.Find(r.Person.UserID)
	return l, res, nil
}

// Standing is the person's standing as the list is now: a request's
// result when its cause was applied before (Repeated is for the caller to
// set), or what a look at the counts shows.
func Standing(ev Post, l RSVPList, userID int64) RSVPResult {
	res := RSVPResult{Turnout: ev.Turnout(l.Counts())}
	_, res.Status, res.Position = l.Find(userID)
	res.Before = res.Status
	return res
}

// open reports whether an event still takes people: it has not started.
func open(ev Post, now time.Time) bool { return ev.StartsAt != nil && ev.StartsAt.After(now) }

// FillPlaces gives free places to the waiting list, first come first: as
// many as the capacity allows, everyone when the event has none (any
// more). It returns the list and the people promoted, in order.
func FillPlaces(ev Post, l RSVPList, now time.Time) (RSVPList, []Attendee) {
	var promoted []Attendee
	for len(l.Waiting) > 0 && !ev.Turnout(l.Counts()).Full() {
		a := l.Waiting[0]
		at := now
		a.Waiting, a.PromotedAt = false, &at
		l.Going = append(slices.Clone(l.Going), a)
		l.Waiting = slices.Clone(l.Waiting[1:])
		promoted = append(promoted, a)
	}
	return l, promoted
}

// RSVPs keeps the sign-ups for events. A backend changes an event's list
// only through the rules above, in one atomic step with the event read
// and the notices queued; EditPost and RemovePost apply EventEdited and
// EventDeleted the same way.
type RSVPs interface {
	// RSVP applies r to the event's list (ApplyRSVP), queues the notices
	// to the people promoted (PromotionNotices) and records r.Cause, in
	// one atomic step. A repeated cause changes nothing and returns the
	// person's standing now (Standing, with Repeated set). ErrNotFound when there is no such
	// post; ErrNotEvent and ErrEventStarted as ApplyRSVP.
	RSVP(ctx context.Context, eventID int64, r RSVP) (RSVPResult, error)
	// Attendees returns the event's list (empty when nobody signed up).
	Attendees(ctx context.Context, eventID int64) (RSVPList, error)
	// RSVPCounts returns the counts of the events' lists, in one round
	// trip; events nobody signed up for are absent. Capacity is left 0:
	// the post holds it (Post.Turnout).
	RSVPCounts(ctx context.Context, eventIDs []int64) (map[int64]Turnout, error)
	// UserRSVPs returns a person's sign-ups, soonest signed up first.
	UserRSVPs(ctx context.Context, userID int64) ([]Attendee, error)
	// ForgetRSVPs takes a person off every list (RSVP with Forget), each
	// event in its own atomic step with the promotions it entails, and
	// returns how many sign-ups it removed. Running it again finishes
	// what an interrupted run began.
	ForgetRSVPs(ctx context.Context, userID int64, now time.Time) (int, error)
}
