package store

import "time"

// Changing the time of a post approved for later. The approver agreed to
// a time as much as to a text: an embargo broken by "publish now", or a
// post moved a week on, is a change they did not see. So a time change
// by an official who could not approve the post alone sends it back to
// the approvers, with the time asked for; one by an official who could
// approve it is made directly. Cancelling (back to draft) needs nobody:
// nothing comes out.

// ActionRetimed is the audit action of a time change (or "publish now")
// that sent a post back to the approvers: one approved for later, or one
// waiting for approval whose request showed another time. Its Changes
// hold the time before and after (and the status it left).
const ActionRetimed = "retimed"

// TimeChangeNeedsReview reports whether official by of role, changing
// the time of p or publishing it now, sends it back to the approvers: p
// is scheduled (approved, or otherwise set, to come out later) and the
// same official editing it would need review (EditNeedsReview). A post
// not yet approved keeps waiting for its approval whatever its time.
func (a Approval) TimeChangeNeedsReview(p Post, by int64, role Role) bool {
	return p.State() == StatusScheduled && a.EditNeedsReview(p, by, role)
}

// Retime returns the change official by of role makes of the scheduled
// post p by giving it the time at (nil: publish it now), at now, and its
// audit entry. With review (TimeChangeNeedsReview) it goes back to
// pending with at as its time (none for "publish now": it comes out when
// approved) and a new Revision, so review buttons of the approval before
// change nothing; else it is rescheduled, or published now.
func (a Approval) Retime(p Post, by int64, role Role, at *time.Time, now time.Time) (Transition, AuditEntry) {
	t := Transition{From: StatusScheduled, At: now, By: by, PublishAt: at}
	entry := AuditEntry{UserID: by, At: now}
	if a.TimeChangeNeedsReview(p, by, role) {
		t.To, t.Resubmit = StatusPending, true
		entry.Action = ActionRetimed
		entry.Changes = []string{"publish_at: " + timeChange(p.PublishAt, at), "status: " + string(StatusScheduled) + " → " + string(StatusPending)}
		return t, entry
	}
	if at == nil {
		t.To = StatusPublished
		entry.Action, entry.Changes = ActionPublished, []string{"published now, before its time"}
		return t, entry
	}
	t.To = StatusScheduled
	entry.Action, entry.Changes = ActionScheduled, []string{"publish_at: " + at.UTC().Format(time.RFC3339)}
	return t, entry
}

// RetimePending returns the change official by makes at now by giving p,
// which waits for approval, the time at. It keeps waiting, as a new
// revision: the request the approvers hold showed the old time, so its
// buttons approve nothing, and they are asked again.
func RetimePending(p Post, by int64, at *time.Time, now time.Time) (Transition, AuditEntry) {
	t := Transition{From: StatusPending, To: StatusPending, At: now, By: by, PublishAt: at, Resubmit: true}
	entry := AuditEntry{UserID: by, At: now, Action: ActionRetimed, Changes: []string{"publish_at: " + timeChange(p.PublishAt, at)}}
	return t, entry
}

// timeChange says, for the audit, how a post's time moved: "before →
// after", "now" for a post to come out as soon as it is approved.
func timeChange(before, after *time.Time) string {
	s := func(t *time.Time) string {
		if t == nil {
			return "now"
		}
		return t.UTC().Format(time.RFC3339)
	}
	return s(before) + " → " + s(after)
}
