package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// testRetimeBackToReview: a time change of a post approved for later that
// needs review (store.Approval.Retime, Transition.Resubmit) sends it back
// to pending in one step — out of the scheduled listing and the planner's
// due list, with the new time and one revision more, audited once; the
// approval of the revision before changes nothing.
func testRetimeBackToReview(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	at, earlier := t0.Add(2*time.Hour), t0.Add(30*time.Minute)
	p, _, err := s.PublishPost(ctx, withStatus("Embargoed", store.KindAgreement, "lyon", store.StatusPending, at),
		store.Change{Cause: "r1", Audit: store.AuditEntry{UserID: 7, At: t0, Action: store.ActionSubmitted}})
	if err != nil {
		t.Fatal(err)
	}
	rev := p.Revision
	approve := store.Transition{From: store.StatusPending, To: store.StatusScheduled, At: t0, By: 8, PublishAt: &at, Revision: &rev}
	approved, _, err := s.TransitionPost(ctx, p.ID, approve, store.Change{Cause: "r2", Audit: store.AuditEntry{UserID: 8, At: t0, Action: store.ActionApproved}})
	if err != nil {
		t.Fatal(err)
	}

	tr, entry := store.ApprovalEditors.Retime(approved, 7, store.RoleEditor, &earlier, t0.Add(time.Minute))
	change := store.Change{Cause: "r3", Audit: entry}
	got, ok, err := s.TransitionPost(ctx, p.ID, tr, change)
	if err != nil || !ok {
		t.Fatalf("retime with review = %t, %v; want applied", ok, err)
	}
	stored := getPost(t, s, p.ID)
	for name, q := range map[string]store.Post{"returned": got, "stored": stored} {
		if q.State() != store.StatusPending || q.PublishAt == nil || !q.PublishAt.Equal(earlier) || q.Revision != rev+1 || q.Reviewer != 0 {
			t.Fatalf("%s after the retime: %+v; want pending at %v, revision %d, no reviewer", name, q, earlier, rev+1)
		}
	}
	wantTitles(t, "PostsByStatus(pending)", byStatus(t, s, store.StatusPending, 10), "Embargoed")
	wantTitles(t, "PostsByStatus(scheduled)", byStatus(t, s, store.StatusScheduled, 10))
	wantTitles(t, "DuePosts at both times", due(t, s, at.Add(time.Hour), 10))

	// The same cause again: no second revision, no second audit entry.
	if _, ok, err := s.TransitionPost(ctx, p.ID, tr, change); err != nil || ok {
		t.Fatalf("retime with the same cause = %t, %v; want not applied, no error", ok, err)
	}
	if again := getPost(t, s, p.ID); again.Revision != rev+1 {
		t.Errorf("revision after a repeated retime = %d, want %d", again.Revision, rev+1)
	}
	if log := auditLog(t, s, p.ID, 10); len(log) != 3 || log[0].Action != store.ActionRetimed || len(log[0].Changes) != 2 {
		t.Fatalf("audit = %+v; want submitted, approved, then one retimed with the times and the status", log)
	}

	// The approval given before the time change approves nothing.
	if _, ok, err := s.TransitionPost(ctx, p.ID, approve, store.Change{Cause: "r4", Audit: store.AuditEntry{UserID: 8, At: t0, Action: store.ActionApproved}}); !errors.Is(err, store.ErrStateChanged) || ok {
		t.Fatalf("approval of the revision before = %t, %v; want ErrStateChanged", ok, err)
	}
}
