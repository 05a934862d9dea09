package store

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The way of a post from an official's hands to the residents: published
// at once, scheduled for a time, or waiting for a second official's
// approval first. These are the rules; backends only store the status and
// list what each status needs (Visible, DueAt), and TransitionPost applies
// a Transition atomically.

// PostStatus is where a post stands.
type PostStatus string

// Post statuses. Only published posts are seen by residents.
const (
	StatusPublished PostStatus = "published"
	// StatusScheduled: published by the clock at PublishAt.
	StatusScheduled PostStatus = "scheduled"
	// StatusPending: waits for an official's approval.
	StatusPending PostStatus = "pending"
	// StatusRejected: an approver turned it down, with a reason.
	StatusRejected PostStatus = "rejected"
	// StatusDraft: kept, but neither published nor on its way (a
	// scheduled post whose publishing was cancelled).
	StatusDraft PostStatus = "draft"
)

// Statuses lists every status (a fresh slice).
func Statuses() []PostStatus {
	return []PostStatus{StatusPublished, StatusScheduled, StatusPending, StatusRejected, StatusDraft}
}

// Valid reports whether s is one of Statuses, or empty (published).
func (s PostStatus) Valid() bool { return s == "" || slices.Contains(Statuses(), s) }

// State is the post's status; a post stored without one (before statuses
// existed, or by a backup of then) is published.
func (p Post) State() PostStatus {
	if p.Status == "" {
		return StatusPublished
	}
	return p.Status
}

// Visible reports whether residents may see p: in lists, feeds, inline
// results, digests, reminders, the channel, by its open link. This is the
// one rule; the backends' listings hold only posts for which it is true.
func (p Post) Visible() bool { return p.State() == StatusPublished }

// DueAt is when the planner has to act on p, if ever: a scheduled post at
// its time, a published one whose announcement and channel post are not
// all queued yet (Releasing) at once.
func (p Post) DueAt() (time.Time, bool) {
	switch {
	case p.State() == StatusScheduled && p.PublishAt != nil:
		return *p.PublishAt, true
	case p.State() == StatusPublished && p.Releasing:
		return p.PublishedAt, true
	}
	return time.Time{}, false
}

// WaitingOrder orders the posts of a status other than published in
// their listing: by their time when they have one, else by when they were
// last changed.
func (p Post) WaitingOrder() time.Time {
	if p.PublishAt != nil {
		return *p.PublishAt
	}
	return p.UpdatedAt
}

// transitions are the status changes a post can make. published →
// published is the end of releasing it; scheduled → pending is an
// approved post changed by someone who needs approval (Post.Edited).
var transitions = map[PostStatus][]PostStatus{
	StatusPending:   {StatusPublished, StatusScheduled, StatusRejected, StatusPending},
	StatusScheduled: {StatusPublished, StatusScheduled, StatusDraft, StatusPending},
	StatusRejected:  {StatusPending, StatusScheduled, StatusPublished},
	StatusDraft:     {StatusPending, StatusScheduled, StatusPublished},
	StatusPublished: {StatusPublished},
}

// CanTransition reports whether a post may go from one status to another.
func CanTransition(from, to PostStatus) bool { return slices.Contains(transitions[from], to) }

// Transition is one change of a post's status, made only if the post is
// still in From (and, with Due, still due at that time): two officials
// tapping at once, or a tap after the post moved on, change it once.
type Transition struct {
	From, To PostStatus
	// At is when it happens: the post's UpdatedAt, and its PublishedAt
	// when it becomes published.
	At time.Time
	// By is the official who made it; 0 is the clock.
	By int64
	// PublishAt is the post's time afterwards, for To scheduled (then
	// required) and pending (nil: none).
	PublishAt *time.Time
	// Due, when set, is the time the clock found the post due for: the
	// change is made only if PublishAt is still that and At is not
	// before it, so a post rescheduled meanwhile is not published early.
	Due time.Time
	// Reason is why a post is rejected.
	Reason string
	// Revision, when set, is the post's revision the official saw: the
	// change is made only if the post has not been edited since, so an
	// Approve under an older preview approves nothing.
	Revision *int
	// Resubmit, for To pending, sends the post to the approvers as a new
	// version (a time change of a post approved for later, Retime): its
	// Revision goes one up, so buttons under any earlier preview, which
	// showed another time, approve nothing.
	Resubmit bool
}

// ErrBadTransition is a change the workflow does not allow (a bug of the
// caller, not an official's mistake).
var ErrBadTransition = fmt.Errorf("transition not allowed")

// Apply returns p after t, or ErrStateChanged when p is no longer in
// t.From (or no longer due at t.Due, or edited since t.Revision), or
// ErrBadTransition.
func (p Post) Apply(t Transition) (Post, error) {
	if !CanTransition(t.From, t.To) {
		return p, fmt.Errorf("%w: %s → %s", ErrBadTransition, t.From, t.To)
	}
	if p.State() != t.From {
		return p, fmt.Errorf("%w: post %d is %s, not %s", ErrStateChanged, p.ID, p.State(), t.From)
	}
	if t.Revision != nil && p.Revision != *t.Revision {
		return p, fmt.Errorf("%w: post %d was edited (revision %d, not %d)", ErrStateChanged, p.ID, p.Revision, *t.Revision)
	}
	if !t.Due.IsZero() && (p.PublishAt == nil || !p.PublishAt.Equal(t.Due) || t.At.Before(t.Due)) {
		return p, fmt.Errorf("%w: post %d is no longer due at %s", ErrStateChanged, p.ID, t.Due.Format(time.RFC3339))
	}
	q := p
	q.Status = t.To
	if t.To != StatusPublished || t.From != StatusPublished {
		q.UpdatedAt = t.At
	}
	switch t.To {
	case StatusScheduled:
		if t.PublishAt == nil {
			return p, fmt.Errorf("%w: scheduled without a time", ErrBadTransition)
		}
		q.PublishAt = ptrTime(*t.PublishAt)
		if t.From == StatusPending {
			q.Reviewer = t.By // approved for later
		}
		if t.From != StatusPending || q.ScheduledBy == 0 {
			q.ScheduledBy = t.By
		}
	case StatusPending:
		q.PublishAt, q.ScheduledBy, q.Reviewer, q.Reason = nil, 0, 0, ""
		if t.Resubmit {
			q.Revision = p.Revision + 1
		}
		if t.PublishAt != nil {
			q.PublishAt, q.ScheduledBy = ptrTime(*t.PublishAt), t.By
		}
	case StatusRejected:
		q.Reviewer, q.Reason = t.By, t.Reason
	case StatusDraft:
		q.PublishAt, q.ScheduledBy = nil, 0
	case StatusPublished:
		if t.From == StatusPublished {
			// Releasing done: its effects are queued.
			if !p.Releasing {
				return p, fmt.Errorf("%w: post %d is released already", ErrStateChanged, p.ID)
			}
			q.Releasing = false
			break
		}
		q.PublishedAt, q.Releasing, q.Reason = t.At, true, ""
		if t.From == StatusPending {
			q.Reviewer = t.By
		}
		if t.By != 0 {
			// A person published it, not the clock: no "published as
			// scheduled" notice.
			q.PublishAt, q.ScheduledBy = nil, 0
		}
	}
	return q, nil
}

func ptrTime(t time.Time) *time.Time { return &t }

// LateAfter is how long after its time a scheduled post may come out and
// still count as on time: the planner looks every few seconds.
const LateAfter = time.Minute

// Late reports how much later than its time the clock published p, when
// that is more than LateAfter (the bot was down at the time).
func (p Post) Late() (time.Duration, bool) {
	if p.PublishAt == nil || !p.Visible() {
		return 0, false
	}
	d := p.PublishedAt.Sub(*p.PublishAt)
	return d, d > LateAfter
}

// Submitted is the status a post takes when an official submits it for
// publishing at publishAt (nil: now): pending when it needs approval,
// else scheduled for a time still to come, else published.
func Submitted(needsApproval bool, publishAt *time.Time, now time.Time) PostStatus {
	switch {
	case needsApproval:
		return StatusPending
	case publishAt != nil && publishAt.After(now):
		return StatusScheduled
	}
	return StatusPublished
}

// Approved is the status an approved post takes: scheduled while its time
// is still to come, else published now.
func Approved(publishAt *time.Time, now time.Time) PostStatus {
	return Submitted(false, publishAt, now)
}

// Approval is the APPROVAL policy: which posts need a second official.
type Approval string

// Approval policies.
const (
	ApprovalOff Approval = "off"
	// ApprovalEditors: posts by editors need an owner's approval.
	ApprovalEditors Approval = "editors"
	// ApprovalAll: every post needs another official's approval.
	ApprovalAll Approval = "all"
)

// Approvals lists the policies (a fresh slice).
func Approvals() []Approval { return []Approval{ApprovalOff, ApprovalEditors, ApprovalAll} }

// ParseApproval reads a policy name, ignoring case and outer space.
func ParseApproval(s string) (Approval, bool) {
	a := Approval(strings.ToLower(strings.TrimSpace(s)))
	return a, slices.Contains(Approvals(), a)
}

// Needs reports whether a post an official of role submits needs approval.
func (a Approval) Needs(role Role) bool {
	switch a {
	case ApprovalAll:
		return true
	case ApprovalEditors:
		return role != RoleOwner
	}
	return false
}

// MayApprove reports whether the official userID of role may approve or
// reject p. Nobody approves their own post; under "all" any other official
// may, otherwise (also for posts left pending when approval was turned
// off) only owners.
func (a Approval) MayApprove(p Post, userID int64, role Role) bool {
	if userID <= 0 || userID == p.Author || (role != RoleOwner && role != RoleEditor) {
		return false
	}
	return a == ApprovalAll || role == RoleOwner
}

// MaxReasonLen bounds a rejection's reason, in characters.
const MaxReasonLen = 500

// CheckReason checks a rejection's reason: required, at most
// MaxReasonLen characters, line breaks allowed.
func CheckReason(s string) error { return checkString("reason", s, MaxReasonLen, true, multiline) }

// Audit actions: what AuditEntry.Action may say.
const (
	ActionCreated     = "created"
	ActionEdited      = "edited"
	ActionDeleted     = "deleted"
	ActionScheduled   = "scheduled"   // a time set or changed
	ActionSubmitted   = "submitted"   // sent for approval
	ActionApproved    = "approved"    // and published or scheduled
	ActionRejected    = "rejected"    // Changes holds the reason
	ActionPublished   = "published"   // by the clock, or "publish now"
	ActionUnscheduled = "unscheduled" // scheduled publishing cancelled
)

// AuditActions lists every audit action (a fresh slice).
func AuditActions() []string {
	return []string{ActionCreated, ActionEdited, ActionDeleted, ActionScheduled, ActionSubmitted,
		ActionApproved, ActionRejected, ActionPublished, ActionUnscheduled, ActionResubmitted, ActionRetimed}
}

// KeepWorkflow returns p with the workflow fields (status, times,
// review, releasing, publication time) and the channel reference of
// stored, the post as it is in the store: an edit changes what a post
// says, not where it stands (but for going back for approval, which
// Post.Edited decides), so an edit made from an old copy cannot unpublish
// or re-publish it.
func (p Post) KeepWorkflow(stored Post) Post {
	p.Status, p.PublishAt, p.ScheduledBy = stored.Status, stored.PublishAt, stored.ScheduledBy
	p.Reviewer, p.Reason, p.Releasing = stored.Reviewer, stored.Reason, stored.Releasing
	p.PublishedAt, p.Channel = stored.PublishedAt, stored.Channel
	return p
}
