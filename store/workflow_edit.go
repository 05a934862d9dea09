package store

// Edits and the second pair of eyes. An approval is of what the approver
// saw: a post waiting to come out that is changed afterwards by an
// official who could not have published it alone goes back to the
// approvers, and an Approve given on the version before changes nothing
// (Transition.Revision). These are the rules; EditPost in each backend
// stores what Post.Edited returns.

// ActionResubmitted is the audit action of an edit that sent a post back
// for approval; its Changes hold the edit's diff and, when the post was
// scheduled, the status it left.
const ActionResubmitted = "resubmitted"

// EditNeedsReview reports whether an edit by the official editor of role
// sends p, when it waits to come out, back to the approvers: when the
// policy wants approval of that official's posts and they may not approve
// this one themselves. An owner under "editors" publishes without anyone,
// so their edits do not; under "all" an official other than the author
// may approve the post, so their edit is already a second look.
func (a Approval) EditNeedsReview(p Post, editor int64, role Role) bool {
	return a.Needs(role) && !a.MayApprove(p, editor, role)
}

// NeedsReviewAfterEdit reports whether a post in status from goes back to
// pending when edited with review (EditNeedsReview): one waiting for its
// approval, or approved (or otherwise set) to come out at a time still to
// come. A published post is out already, and a draft or a rejected post
// goes for approval anyway when it is published again.
func NeedsReviewAfterEdit(from PostStatus, review bool) bool {
	return review && (from == StatusPending || from == StatusScheduled)
}

// Edited returns the post the edit p makes of stored (the post as it is
// in the store) under c, and the audit entry to record. What the post
// says comes from p, where it stands from stored (KeepWorkflow), so an
// edit made from an old copy cannot unpublish or re-publish it; its
// Revision is one more than stored's, so approvals of the version before
// no longer apply. When NeedsReviewAfterEdit, it goes back to pending:
// its time is kept, so an approval schedules it again, and the earlier
// approval is void.
func (p Post) Edited(stored Post, c Change) (Post, AuditEntry) {
	q := p.KeepWorkflow(stored)
	q.Revision = stored.Revision + 1
	entry := c.Audit
	from := stored.State()
	if !NeedsReviewAfterEdit(from, c.Review) {
		return q, entry
	}
	// Apply cannot refuse this: from is pending or scheduled, both may go
	// to pending, and the post is in from.
	back, err := q.Apply(Transition{From: from, To: StatusPending, At: p.UpdatedAt, By: stored.ScheduledBy, PublishAt: stored.PublishAt})
	if err != nil {
		return q, entry
	}
	entry.Action = ActionResubmitted
	entry.Changes = append([]string(nil), c.Audit.Changes...)
	if from != StatusPending {
		entry.Changes = append(entry.Changes, "status: "+string(from)+" → "+string(StatusPending))
	}
	return back, entry
}
