package store

import (
	"strconv"
	"time"
)

// What the people on an event's list are told, and the rules of an
// official's edit or deletion of the event: notices go into the outbox in
// the same atomic step as the change, and are rendered when they go out.

// The notices attendees get, through the outbox (AttendeeNotice.What).
const (
	NoticePromoted  = "promoted"  // a place became free and is theirs
	NoticeChanged   = "changed"   // the event's time or place changed
	NoticeCancelled = "cancelled" // the event was deleted
)

// AttendeeNotice is a message to an attendee, rendered when it goes out
// (the event as it is then), so it carries only what the event no longer
// shows: its state before the change.
type AttendeeNotice struct {
	What string `json:"what"`
	Lang Lang   `json:"lang,omitempty"`
	// Was is the event before it changed or was deleted, without its
	// texts and photos (EventSnapshot).
	Was *Post `json:"was,omitempty"`
}

// EventSnapshot is what a notice needs of an event that is changed or
// gone: its kind, city, titles, times and place.
func EventSnapshot(p Post) *Post {
	s := Post{ID: p.ID, Kind: p.Kind, City: p.City, Title: p.Title, Lang: p.Lang, Date: p.Date,
		StartsAt: p.StartsAt, EndsAt: p.EndsAt, Place: p.Place, Capacity: p.Capacity}
	for l, t := range p.Translations {
		if t.Title == "" {
			continue
		}
		if s.Translations == nil {
			s.Translations = map[Lang]PostText{}
		}
		s.Translations[l] = PostText{Title: t.Title}
	}
	return &s
}

// notices builds one notice per attendee.
func notices(what string, ev Post, to []Attendee, was *Post, now time.Time) []OutboxMessage {
	out := make([]OutboxMessage, 0, len(to))
	for _, a := range to {
		out = append(out, OutboxMessage{Kind: MsgAttendee, ChatID: a.UserID, PostID: ev.ID, CreatedAt: now,
			Ref:    "rsvp-" + what + ":" + strconv.FormatInt(ev.ID, 10) + ":" + strconv.FormatInt(a.UserID, 10),
			Notice: &AttendeeNotice{What: what, Lang: a.Lang, Was: was}})
	}
	return out
}

// PromotionNotices tell the people promoted that a place is theirs.
func PromotionNotices(ev Post, promoted []Attendee, now time.Time) []OutboxMessage {
	return notices(NoticePromoted, ev, promoted, nil, now)
}

// EventMoved reports whether an edit changed what attendees planned by:
// the start, the end or the place.
func EventMoved(old, p Post) bool {
	return !sameTime(old.StartsAt, p.StartsAt) || !sameTime(old.EndsAt, p.EndsAt) || old.Place != p.Place
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// EventEdited is the rule of an official's edit of an event with a list:
// when its time or place changed, everyone on the list (going and
// waiting) is told, with what it was; when it gained places (or lost its
// limit), the waiting list fills them and those promoted are told. An
// event that has started tells nobody anything. It returns the list and
// the notices to queue with the edit, in the same atomic step.
func EventEdited(old, p Post, l RSVPList, now time.Time) (RSVPList, []OutboxMessage) {
	if l.Empty() || !open(old, now) && !open(p, now) {
		return l, nil
	}
	var msgs []OutboxMessage
	if EventMoved(old, p) {
		msgs = notices(NoticeChanged, p, l.All(), EventSnapshot(old), now)
	}
	if p.Kind == KindEvent && open(p, now) {
		var promoted []Attendee
		l, promoted = FillPlaces(p, l, now)
		msgs = append(msgs, PromotionNotices(p, promoted, now)...)
	}
	return l, msgs
}

// EventDeleted is the rule of an official's deletion of an event with a
// list: everyone on it is told, unless the event has started; the list
// goes with the event.
func EventDeleted(old Post, l RSVPList, now time.Time) []OutboxMessage {
	if l.Empty() || !open(old, now) {
		return nil
	}
	return notices(NoticeCancelled, old, l.All(), EventSnapshot(old), now)
}
