package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

func TestEditNeedsReview(t *testing.T) {
	const author, owner, editor = 10, 20, 21
	tests := []struct {
		name   string
		a      store.Approval
		editor int64
		role   store.Role
		want   bool
	}{
		{"off: the author, an editor", store.ApprovalOff, author, store.RoleEditor, false},
		{"off: an owner", store.ApprovalOff, owner, store.RoleOwner, false},
		{"editors: the author, an editor", store.ApprovalEditors, author, store.RoleEditor, true},
		{"editors: another editor", store.ApprovalEditors, editor, store.RoleEditor, true},
		{"editors: an owner, the approver", store.ApprovalEditors, owner, store.RoleOwner, false},
		{"editors: the author, an owner", store.ApprovalEditors, author, store.RoleOwner, false},
		{"all: the author, an editor", store.ApprovalAll, author, store.RoleEditor, true},
		{"all: the author, an owner", store.ApprovalAll, author, store.RoleOwner, true},
		{"all: another editor, an approver", store.ApprovalAll, editor, store.RoleEditor, false},
		{"all: an owner, an approver", store.ApprovalAll, owner, store.RoleOwner, false},
	}
	p := store.Post{ID: 1, Author: author, Status: store.StatusScheduled}
	for _, tt := range tests {
		if got := tt.a.EditNeedsReview(p, tt.editor, tt.role); got != tt.want {
			t.Errorf("%s: EditNeedsReview = %t, want %t", tt.name, got, tt.want)
		}
	}
}

func TestNeedsReviewAfterEdit(t *testing.T) {
	back := map[store.PostStatus]bool{store.StatusPending: true, store.StatusScheduled: true}
	for _, from := range store.Statuses() {
		for _, review := range []bool{false, true} {
			want := review && back[from]
			if got := store.NeedsReviewAfterEdit(from, review); got != want {
				t.Errorf("NeedsReviewAfterEdit(%s, %t) = %t, want %t", from, review, got, want)
			}
			if want && !store.CanTransition(from, store.StatusPending) {
				t.Errorf("an edit sends %s back to pending, but the workflow does not allow it", from)
			}
		}
	}
}

func TestEdited(t *testing.T) {
	now := t0.Add(time.Minute)
	approved := store.Post{ID: 1, Title: "old", Author: 10, Status: store.StatusScheduled, PublishAt: after(time.Hour),
		ScheduledBy: 10, Reviewer: 20, Revision: 3, UpdatedAt: t0}
	pending := store.Post{ID: 2, Title: "old", Author: 10, Status: store.StatusPending, PublishAt: after(time.Hour), ScheduledBy: 10, UpdatedAt: t0}
	pendingNow := store.Post{ID: 3, Title: "old", Author: 10, Status: store.StatusPending, UpdatedAt: t0}
	published := store.Post{ID: 4, Title: "old", Author: 10, Status: store.StatusPublished, PublishedAt: t0, Reviewer: 20, Revision: 1}
	rejected := store.Post{ID: 5, Title: "old", Author: 10, Status: store.StatusRejected, Reviewer: 20, Reason: "typo"}
	diff := []string{"title: old → new"}
	tests := []struct {
		name     string
		stored   store.Post
		review   bool
		status   store.PostStatus
		action   string
		changes  []string
		check    func(store.Post) bool
		checkFor string
	}{
		{"approved for later, edited by whom it needs approval", approved, true, store.StatusPending, store.ActionResubmitted,
			[]string{"title: old → new", "status: scheduled → pending"},
			func(q store.Post) bool {
				return q.PublishAt.Equal(*after(time.Hour)) && q.ScheduledBy == 10 && q.Reviewer == 0 && q.Revision == 4 && q.UpdatedAt.Equal(now)
			}, "time kept, approval void, one revision on"},
		{"approved for later, edited by an approver", approved, false, store.StatusScheduled, store.ActionEdited, diff,
			func(q store.Post) bool {
				return q.PublishAt.Equal(*after(time.Hour)) && q.Reviewer == 20 && q.Revision == 4
			}, "kept as approved"},
		{"pending, edited by its author", pending, true, store.StatusPending, store.ActionResubmitted, diff,
			func(q store.Post) bool { return q.PublishAt.Equal(*after(time.Hour)) && q.Revision == 1 }, "time kept"},
		{"pending without a time, edited by its author", pendingNow, true, store.StatusPending, store.ActionResubmitted, diff,
			func(q store.Post) bool { return q.PublishAt == nil && q.Revision == 1 }, "still no time"},
		{"pending, edited by an approver", pending, false, store.StatusPending, store.ActionEdited, diff,
			func(q store.Post) bool { return q.Revision == 1 }, "a new revision"},
		{"published, edited by whom it would need approval", published, true, store.StatusPublished, store.ActionEdited, diff,
			func(q store.Post) bool {
				return q.Visible() && q.PublishedAt.Equal(t0) && q.Reviewer == 20 && q.Revision == 2
			}, "still out"},
		{"rejected, edited by its author", rejected, true, store.StatusRejected, store.ActionEdited, diff,
			func(q store.Post) bool { return q.Reason == "typo" }, "rejected until published again"},
	}
	for _, tt := range tests {
		edit := tt.stored
		// The editor's copy was read before the post moved on.
		edit.Title, edit.Status, edit.PublishAt, edit.Reviewer, edit.Revision, edit.UpdatedAt = "new", store.StatusDraft, nil, 0, 0, now
		c := store.Change{Cause: "c", Review: tt.review, Audit: store.AuditEntry{UserID: 10, At: now, Action: store.ActionEdited, Changes: diff}}
		q, entry := edit.Edited(tt.stored, c)
		if q.Title != "new" || q.State() != tt.status || !tt.check(q) {
			t.Errorf("%s: Edited = %+v; want %q, %s, %s", tt.name, q, "new", tt.status, tt.checkFor)
		}
		if entry.Action != tt.action || !slices.Equal(entry.Changes, tt.changes) || entry.UserID != 10 {
			t.Errorf("%s: audit %+v; want %s %q", tt.name, entry, tt.action, tt.changes)
		}
		if len(c.Audit.Changes) != 1 {
			t.Errorf("%s: Edited changed the caller's audit changes: %q", tt.name, c.Audit.Changes)
		}
	}
}
