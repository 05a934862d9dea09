package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// testEditBackToReview: an edit under Change.Review of a post approved
// for later sends it back to pending in the same step — out of the
// scheduled listing and the planner's due list, its time kept, audited
// once; an approval of the revision before changes nothing, one of the
// new revision schedules it again. Without Review an edit keeps it where
// it stands.
func testEditBackToReview(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	h := time.Hour
	at := t0.Add(h)
	p, _, err := s.PublishPost(ctx, withStatus("Visit", store.KindVisit, "lyon", store.StatusPending, at),
		store.Change{Cause: "u1", Audit: store.AuditEntry{UserID: 7, At: t0, Action: store.ActionSubmitted}})
	if err != nil {
		t.Fatal(err)
	}
	rev := p.Revision
	approve := store.Transition{From: store.StatusPending, To: store.StatusScheduled, At: t0, By: 8, PublishAt: &at, Revision: &rev}
	if _, _, err := s.TransitionPost(ctx, p.ID, approve, store.Change{Cause: "u2", Audit: store.AuditEntry{UserID: 8, At: t0, Action: store.ActionApproved}}); err != nil {
		t.Fatal(err)
	}

	edit := p
	edit.Title, edit.UpdatedAt = "Visit, changed", t0.Add(time.Minute)
	change := store.Change{Cause: "u3", Review: true,
		Audit: store.AuditEntry{UserID: 7, At: t0.Add(time.Minute), Action: store.ActionEdited, Changes: []string{"title: Visit → Visit, changed"}}}
	if ok, err := s.EditPost(ctx, edit, change); err != nil || !ok {
		t.Fatalf("EditPost(review) = %t, %v; want applied", ok, err)
	}
	got := getPost(t, s, p.ID)
	if got.State() != store.StatusPending || got.Title != "Visit, changed" || got.PublishAt == nil || !got.PublishAt.Equal(at) ||
		got.Reviewer != 0 || got.Revision != rev+1 {
		t.Fatalf("after an edit that needs review: %+v; want pending at %v, the new title, no reviewer, revision %d", got, at, rev+1)
	}
	wantTitles(t, "PostsByStatus(pending)", byStatus(t, s, store.StatusPending, 10), "Visit, changed")
	wantTitles(t, "PostsByStatus(scheduled)", byStatus(t, s, store.StatusScheduled, 10))
	wantTitles(t, "DuePosts at its time", due(t, s, at.Add(h), 10))
	wantTitles(t, "LatestPosts", latest(t, s, "", 10))

	// The same cause again: nothing more (no second revision, no second
	// audit entry).
	if ok, err := s.EditPost(ctx, edit, change); err != nil || ok {
		t.Fatalf("EditPost(same cause) = %t, %v; want not applied", ok, err)
	}
	if again := getPost(t, s, p.ID); again.Revision != rev+1 {
		t.Errorf("revision after a repeated edit = %d, want %d", again.Revision, rev+1)
	}
	log := auditLog(t, s, p.ID, 10)
	if len(log) != 3 || log[0].Action != store.ActionResubmitted ||
		!slices.Equal(log[0].Changes, []string{"title: Visit → Visit, changed", "status: scheduled → pending"}) {
		t.Fatalf("audit = %+v; want submitted, approved, then one resubmitted with the diff and the status", log)
	}

	// Approving what the approver saw before the edit changes nothing.
	stale, ok, err := s.TransitionPost(ctx, p.ID, approve, store.Change{Cause: "u4", Audit: store.AuditEntry{UserID: 8, At: t0, Action: store.ActionApproved}})
	if !errors.Is(err, store.ErrStateChanged) || ok || stale.Revision != rev+1 {
		t.Fatalf("approval of the old revision = %+v, %t, %v; want ErrStateChanged with the post as it is", stale, ok, err)
	}
	if st := getPost(t, s, p.ID).State(); st != store.StatusPending {
		t.Fatalf("after a stale approval the post is %s, want pending", st)
	}
	fresh := rev + 1
	approve.Revision = &fresh
	if got, ok, err := s.TransitionPost(ctx, p.ID, approve, store.Change{Cause: "u5", Audit: store.AuditEntry{UserID: 8, At: t0, Action: store.ActionApproved}}); err != nil || !ok || got.State() != store.StatusScheduled {
		t.Fatalf("approval of the new revision = %+v, %t, %v; want scheduled", got, ok, err)
	}
	wantTitles(t, "DuePosts after approval", due(t, s, at, 10), "Visit, changed")

	// An edit its official could have published alone keeps it scheduled.
	edit.Title = "Visit, approved"
	if _, err := s.EditPost(ctx, edit, store.Change{Cause: "u6", Audit: store.AuditEntry{UserID: 8, At: t0, Action: store.ActionEdited}}); err != nil {
		t.Fatal(err)
	}
	if got := getPost(t, s, p.ID); got.State() != store.StatusScheduled || got.Reviewer != 8 || got.Revision != rev+2 {
		t.Errorf("after an approver's edit: %+v; want still scheduled, approved by 8, revision %d", got, rev+2)
	}
	if log := auditLog(t, s, p.ID, 1); len(log) != 1 || log[0].Action != store.ActionEdited {
		t.Errorf("audit of the approver's edit = %+v, want edited", log)
	}
}
