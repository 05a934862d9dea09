package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

func TestTimeChangeNeedsReview(t *testing.T) {
	const author, owner, editor = 10, 20, 21
	scheduled := store.Post{ID: 1, Author: author, Status: store.StatusScheduled, PublishAt: after(time.Hour), Reviewer: owner}
	tests := []struct {
		name string
		a    store.Approval
		p    store.Post
		by   int64
		role store.Role
		want bool
	}{
		{"off: the author, an editor", store.ApprovalOff, scheduled, author, store.RoleEditor, false},
		{"editors: the author, an editor", store.ApprovalEditors, scheduled, author, store.RoleEditor, true},
		{"editors: another editor", store.ApprovalEditors, scheduled, editor, store.RoleEditor, true},
		{"editors: an owner", store.ApprovalEditors, scheduled, owner, store.RoleOwner, false},
		{"editors: the author, an owner", store.ApprovalEditors, scheduled, author, store.RoleOwner, false},
		{"all: the author, an editor", store.ApprovalAll, scheduled, author, store.RoleEditor, true},
		{"all: the author, an owner", store.ApprovalAll, scheduled, author, store.RoleOwner, true},
		{"all: another editor, an approver", store.ApprovalAll, scheduled, editor, store.RoleEditor, false},
		{"all: an owner, an approver", store.ApprovalAll, scheduled, owner, store.RoleOwner, false},
	}
	for _, tt := range tests {
		if got := tt.a.TimeChangeNeedsReview(tt.p, tt.by, tt.role); got != tt.want {
			t.Errorf("%s: TimeChangeNeedsReview = %t, want %t", tt.name, got, tt.want)
		}
	}
	// Only a post approved (or set) to come out later goes back: one not
	// approved yet waits anyway, and the others have no time to move.
	for _, st := range store.Statuses() {
		p := scheduled
		p.Status = st
		want := st == store.StatusScheduled
		if got := store.ApprovalEditors.TimeChangeNeedsReview(p, author, store.RoleEditor); got != want {
			t.Errorf("editors, the author, a %s post: TimeChangeNeedsReview = %t, want %t", st, got, want)
		}
	}
}

func TestRetime(t *testing.T) {
	const author, owner = 10, 20
	now := t0.Add(time.Minute)
	was, earlier := after(2*time.Hour), after(30*time.Minute)
	approved := store.Post{ID: 1, Author: author, Status: store.StatusScheduled, PublishAt: was, ScheduledBy: author,
		Reviewer: owner, Revision: 2, UpdatedAt: t0}
	wasS, earlierS := was.UTC().Format(time.RFC3339), earlier.UTC().Format(time.RFC3339)
	tests := []struct {
		name     string
		by       int64
		role     store.Role
		at       *time.Time
		status   store.PostStatus
		at2      *time.Time // the post's time afterwards
		revision int
		action   string
		changes  []string
	}{
		{"the author moves it earlier", author, store.RoleEditor, earlier, store.StatusPending, earlier, 3, store.ActionRetimed,
			[]string{"publish_at: " + wasS + " → " + earlierS, "status: scheduled → pending"}},
		{"the author publishes it now", author, store.RoleEditor, nil, store.StatusPending, nil, 3, store.ActionRetimed,
			[]string{"publish_at: " + wasS + " → now", "status: scheduled → pending"}},
		{"an owner moves it earlier", owner, store.RoleOwner, earlier, store.StatusScheduled, earlier, 2, store.ActionScheduled,
			[]string{"publish_at: " + earlierS}},
		{"an owner publishes it now", owner, store.RoleOwner, nil, store.StatusPublished, nil, 2, store.ActionPublished,
			[]string{"published now, before its time"}},
	}
	for _, tt := range tests {
		tr, entry := store.ApprovalEditors.Retime(approved, tt.by, tt.role, tt.at, now)
		q, err := approved.Apply(tr)
		if err != nil {
			t.Fatalf("%s: Apply(%+v): %v", tt.name, tr, err)
		}
		sameTime := (q.PublishAt == nil) == (tt.at2 == nil) && (q.PublishAt == nil || q.PublishAt.Equal(*tt.at2))
		if q.State() != tt.status || !sameTime || q.Revision != tt.revision || !q.UpdatedAt.Equal(now) {
			t.Errorf("%s: post after = %s at %v, revision %d; want %s at %v, revision %d",
				tt.name, q.State(), q.PublishAt, q.Revision, tt.status, tt.at2, tt.revision)
		}
		if q.State() == store.StatusPending && q.Reviewer != 0 {
			t.Errorf("%s: the approval before is kept (reviewer %d)", tt.name, q.Reviewer)
		}
		if entry.Action != tt.action || entry.UserID != tt.by || !entry.At.Equal(now) || !slices.Equal(entry.Changes, tt.changes) {
			t.Errorf("%s: audit = %+v; want %s %q", tt.name, entry, tt.action, tt.changes)
		}
		// A post moved on meanwhile is not retimed.
		if _, err := (store.Post{ID: 1, Status: store.StatusPublished}).Apply(tr); err == nil {
			t.Errorf("%s: applied to a published post", tt.name)
		}
	}
}

func TestResubmitBumpsRevisionOnly(t *testing.T) {
	p := store.Post{ID: 1, Status: store.StatusScheduled, PublishAt: after(time.Hour), Revision: 4}
	for _, resubmit := range []bool{false, true} {
		q, err := p.Apply(store.Transition{From: store.StatusScheduled, To: store.StatusPending, At: t0, Resubmit: resubmit})
		if err != nil {
			t.Fatal(err)
		}
		want := 4
		if resubmit {
			want = 5
		}
		if q.Revision != want {
			t.Errorf("Resubmit %t: revision %d, want %d", resubmit, q.Revision, want)
		}
	}
}

// A time change of a post waiting for approval keeps it waiting, as a
// new revision with the new time; the audit says from which time to which.
func TestRetimePending(t *testing.T) {
	const author = 10
	for _, before := range []*time.Time{nil, after(time.Hour)} {
		p := store.Post{ID: 1, Author: author, Status: store.StatusPending, PublishAt: before, Revision: 2}
		at := after(3 * time.Hour)
		tr, entry := store.RetimePending(p, author, at, t0)
		q, err := p.Apply(tr)
		if err != nil {
			t.Fatal(err)
		}
		if q.State() != store.StatusPending || q.PublishAt == nil || !q.PublishAt.Equal(*at) || q.Revision != 3 || q.ScheduledBy != author {
			t.Errorf("from %v: %s at %v, revision %d, scheduled by %d; want pending at %v, revision 3, by the author",
				before, q.State(), q.PublishAt, q.Revision, q.ScheduledBy, at)
		}
		was := "now"
		if before != nil {
			was = before.UTC().Format(time.RFC3339)
		}
		want := []string{"publish_at: " + was + " → " + at.UTC().Format(time.RFC3339)}
		if entry.Action != store.ActionRetimed || entry.UserID != author || !slices.Equal(entry.Changes, want) {
			t.Errorf("from %v: audit %+v, want retimed by the author with %q", before, entry, want)
		}
	}
}
