package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// testWorkflow pins down the publication workflow: posts that are not
// published are in no listing residents read (only by status and, when
// due, for the planner), and a transition is made once, only from the
// state it was meant for, with its audit entry.
func testWorkflow(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("UnpublishedNotListed", func(t *testing.T) { testUnpublishedNotListed(t, newStore) })
	t.Run("DuePosts", func(t *testing.T) { testDuePosts(t, newStore) })
	t.Run("TransitionOnce", func(t *testing.T) { testTransitionOnce(t, newStore) })
	t.Run("TransitionConcurrently", func(t *testing.T) { testTransitionConcurrently(t, newStore) })
	t.Run("RescheduleAndCancel", func(t *testing.T) { testRescheduleAndCancel(t, newStore) })
	t.Run("EditKeepsWorkflow", func(t *testing.T) { testEditKeepsWorkflow(t, newStore) })
	t.Run("EditBackToReview", func(t *testing.T) { testEditBackToReview(t, newStore) })
	t.Run("RetimeBackToReview", func(t *testing.T) { testRetimeBackToReview(t, newStore) })
}

// withStatus is a post in a status; scheduled and pending ones get a time
// (at), which is also when they were last changed.
func withStatus(title string, kind store.Kind, city string, status store.PostStatus, at time.Time) store.Post {
	p := post(title, kind, city, at)
	p.Status = status
	if status != store.StatusPublished {
		p.PublishedAt = time.Time{}
	}
	if kind == store.KindEvent {
		start := at.Add(48 * time.Hour)
		p.StartsAt, p.Date = &start, start
	}
	if status == store.StatusScheduled || status == store.StatusPending {
		p.PublishAt = &at
	}
	return p
}

func byStatus(t *testing.T, s store.Store, status store.PostStatus, limit int) []store.Post {
	t.Helper()
	posts, err := s.PostsByStatus(t.Context(), status, limit)
	if err != nil {
		t.Fatalf("PostsByStatus(%s, %d) = %v", status, limit, err)
	}
	return posts
}

func due(t *testing.T, s store.Store, now time.Time, limit int) []store.Post {
	t.Helper()
	posts, err := s.DuePosts(t.Context(), now, limit)
	if err != nil {
		t.Fatalf("DuePosts(%s, %d) = %v", now.Format(time.RFC3339), limit, err)
	}
	return posts
}

func testUnpublishedNotListed(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	h := time.Hour
	// Stored before statuses existed: no status at all.
	old := post("old record", store.KindEvent, "lyon", t0)
	start := t0.Add(48 * h)
	old.StartsAt, old.Date = &start, start
	old = createPost(t, s, old)
	createPost(t, s, withStatus("published", store.KindVisit, store.AllCities, store.StatusPublished, t0.Add(h)))
	var hidden []store.Post
	for i, st := range []store.PostStatus{store.StatusScheduled, store.StatusPending, store.StatusRejected, store.StatusDraft} {
		for _, kind := range []store.Kind{store.KindEvent, store.KindAnnouncement} {
			p := createPost(t, s, withStatus(fmt.Sprintf("%s %s", st, kind), kind, "lyon", st, t0.Add(time.Duration(i+2)*h)))
			hidden = append(hidden, p)
		}
	}
	for _, city := range []string{"", "lyon", store.AllCities} {
		want := []string{"published", "old record"}
		if city == store.AllCities {
			want = want[:1]
		}
		wantTitles(t, fmt.Sprintf("LatestPosts(%q)", city), latest(t, s, city, 100), want...)
		wantEvents := []string{"old record"}
		if city == store.AllCities {
			wantEvents = nil
		}
		wantTitles(t, fmt.Sprintf("UpcomingEvents(%q)", city), upcoming(t, s, city, t0, 100), wantEvents...)
	}
	events, err := s.EventsStartingBetween(ctx, t0, t0.Add(100*h))
	if err != nil {
		t.Fatal(err)
	}
	wantTitles(t, "EventsStartingBetween", events, "old record")
	counts, err := s.CountPosts(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.KindEvent] != 1 || counts[store.KindVisit] != 1 || counts[store.KindAnnouncement] != 0 {
		t.Errorf("CountPosts = %v, want the published event and visit only", counts)
	}
	for _, st := range []store.PostStatus{store.StatusScheduled, store.StatusPending, store.StatusRejected, store.StatusDraft} {
		want := []string{fmt.Sprintf("%s event", st), fmt.Sprintf("%s announcement", st)}
		wantTitles(t, fmt.Sprintf("PostsByStatus(%s)", st), byStatus(t, s, st, 10), want...)
		wantTitles(t, fmt.Sprintf("PostsByStatus(%s, 1)", st), byStatus(t, s, st, 1), want[0])
		if got := byStatus(t, s, st, 0); len(got) != 0 {
			t.Errorf("PostsByStatus(%s, 0) = %v, want none", st, titles(got))
		}
	}
	for _, p := range hidden {
		if got := getPost(t, s, p.ID); !equalPost(got, p) {
			t.Errorf("Post(%d) = %+v, want %+v", p.ID, got, p)
		}
	}
	if got := getPost(t, s, old.ID); got.State() != store.StatusPublished || !got.Visible() {
		t.Errorf("a post stored without a status reads as %q", got.State())
	}
	if _, err := s.PostsByStatus(ctx, store.StatusPublished, 10); err == nil {
		t.Error("PostsByStatus(published) = nil error, want one: LatestPosts lists those")
	}
}

func testDuePosts(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	h := time.Hour
	createPost(t, s, withStatus("in two hours", store.KindVisit, "lyon", store.StatusScheduled, t0.Add(2*h)))
	soon := createPost(t, s, withStatus("in an hour", store.KindAnnouncement, "lyon", store.StatusScheduled, t0.Add(h)))
	createPost(t, s, withStatus("pending", store.KindVisit, "lyon", store.StatusPending, t0))
	createPost(t, s, withStatus("published", store.KindVisit, "lyon", store.StatusPublished, t0))
	releasing := withStatus("releasing", store.KindVisit, "lyon", store.StatusPublished, t0.Add(-h))
	releasing.Releasing = true
	releasing = createPost(t, s, releasing)

	wantTitles(t, "DuePosts(t0)", due(t, s, t0, 10), "releasing")
	wantTitles(t, "DuePosts(t0+1h), due exactly then", due(t, s, t0.Add(h), 10), "releasing", "in an hour")
	wantTitles(t, "DuePosts(t0+1h-1ms)", due(t, s, t0.Add(h-time.Millisecond), 10), "releasing")
	wantTitles(t, "DuePosts(t0+3h)", due(t, s, t0.Add(3*h), 10), "releasing", "in an hour", "in two hours")
	wantTitles(t, "DuePosts(t0+3h, 2)", due(t, s, t0.Add(3*h), 2), "releasing", "in an hour")
	if got := due(t, s, t0.Add(3*h), 0); len(got) != 0 {
		t.Errorf("DuePosts(limit 0) = %v, want none", titles(got))
	}
	// Gone with the post.
	if _, _, err := s.RemovePost(t.Context(), soon.ID, store.Change{Cause: "rm", Audit: store.AuditEntry{UserID: 1, At: t0, Action: "deleted"}}); err != nil {
		t.Fatal(err)
	}
	wantTitles(t, "DuePosts after deleting one", due(t, s, t0.Add(3*h), 10), "releasing", "in two hours")
	wantTitles(t, "PostsByStatus(scheduled) after deleting one", byStatus(t, s, store.StatusScheduled, 10), "in two hours")
}

func testTransitionOnce(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	h := time.Hour
	p, _, err := s.PublishPost(ctx, withStatus("Signing", store.KindAgreement, "lyon", store.StatusScheduled, t0.Add(h)),
		store.Change{Cause: "u1", Audit: store.AuditEntry{UserID: 7, At: t0, Action: store.ActionScheduled}})
	if err != nil {
		t.Fatal(err)
	}
	wantTitles(t, "LatestPosts before the time", latest(t, s, "", 10))
	publish := store.Transition{From: store.StatusScheduled, To: store.StatusPublished, At: t0.Add(h), Due: t0.Add(h)}
	change := store.Change{Cause: "publish:1", Audit: store.AuditEntry{UserID: 7, At: t0.Add(h), Action: store.ActionPublished}}
	got, ok, err := s.TransitionPost(ctx, p.ID, publish, change)
	if err != nil || !ok || !got.Visible() || !got.Releasing || !got.PublishedAt.Equal(t0.Add(h)) {
		t.Fatalf("TransitionPost(scheduled→published) = %+v, %t, %v; want published and releasing", got, ok, err)
	}
	if stored := getPost(t, s, p.ID); !equalPost(stored, got) {
		t.Errorf("Post after the transition = %+v, want %+v", stored, got)
	}
	wantTitles(t, "LatestPosts after publishing", latest(t, s, "lyon", 10), "Signing")
	wantTitles(t, "PostsByStatus(scheduled) after publishing", byStatus(t, s, store.StatusScheduled, 10))
	wantTitles(t, "DuePosts while releasing", due(t, s, t0.Add(h), 10), "Signing")

	again, ok, err := s.TransitionPost(ctx, p.ID, publish, change)
	if err != nil || ok || again.ID != p.ID || !again.Visible() {
		t.Errorf("TransitionPost(same cause) = %+v, %t, %v; want the post as it is, not applied", again, ok, err)
	}
	other, ok, err := s.TransitionPost(ctx, p.ID, publish, store.Change{Cause: "publish:other", Audit: change.Audit})
	if !errors.Is(err, store.ErrStateChanged) || ok || other.ID != p.ID || !other.Visible() {
		t.Errorf("TransitionPost(another cause, from scheduled) = %+v, %t, %v; want ErrStateChanged with the post", other, ok, err)
	}
	release := store.Transition{From: store.StatusPublished, To: store.StatusPublished, At: t0.Add(h)}
	got, ok, err = s.TransitionPost(ctx, p.ID, release, store.Change{Cause: "released:1"})
	if err != nil || !ok || got.Releasing {
		t.Fatalf("TransitionPost(released) = %+v, %t, %v", got, ok, err)
	}
	wantTitles(t, "DuePosts once released", due(t, s, t0.Add(2*h), 10))
	if _, _, err := s.TransitionPost(ctx, p.ID, release, store.Change{Cause: "released:again"}); !errors.Is(err, store.ErrStateChanged) {
		t.Errorf("releasing twice = %v, want ErrStateChanged", err)
	}
	var actions []string
	for _, e := range auditLog(t, s, p.ID, 10) {
		actions = append(actions, e.Action)
	}
	if fmt.Sprint(actions) != "[published scheduled]" {
		t.Errorf("audit = %v, want [published scheduled] (an empty action writes no entry)", actions)
	}
	if _, _, err := s.TransitionPost(ctx, p.ID+100, publish, store.Change{Cause: "missing"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TransitionPost(missing) = %v, want ErrNotFound", err)
	}
	if _, _, err := s.TransitionPost(ctx, p.ID, release, store.Change{}); err == nil {
		t.Error("TransitionPost without a cause = nil error")
	}

	// Not yet due: nothing changes.
	q, _, err := s.PublishPost(ctx, withStatus("Later", store.KindVisit, "lyon", store.StatusScheduled, t0.Add(5*h)),
		store.Change{Cause: "u2", Audit: store.AuditEntry{UserID: 7, At: t0, Action: store.ActionScheduled}})
	if err != nil {
		t.Fatal(err)
	}
	early := store.Transition{From: store.StatusScheduled, To: store.StatusPublished, At: t0.Add(4 * h), Due: t0.Add(5 * h)}
	if _, _, err := s.TransitionPost(ctx, q.ID, early, store.Change{Cause: "early"}); !errors.Is(err, store.ErrStateChanged) {
		t.Errorf("publishing before the time = %v, want ErrStateChanged", err)
	}
	if got := getPost(t, s, q.ID); got.State() != store.StatusScheduled {
		t.Errorf("after a refused transition the post is %s", got.State())
	}
}

// Two approvers tap Approve at once (and a third taps Reject): one change
// is made, one audit entry written; the others find the post moved on.
func testTransitionConcurrently(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	p, _, err := s.PublishPost(t.Context(), withStatus("Pending", store.KindAnnouncement, "lyon", store.StatusPending, t0),
		store.Change{Cause: "u1", Audit: store.AuditEntry{UserID: 7, At: t0, Action: store.ActionSubmitted}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied, changed := 0, 0
	for i := range 8 {
		wg.Go(func() {
			tr := store.Transition{From: store.StatusPending, To: store.StatusPublished, At: t0, By: int64(20 + i)}
			action := store.ActionApproved
			if i == 7 {
				tr.To, tr.Reason, action = store.StatusRejected, "no", store.ActionRejected
			}
			_, ok, err := s.TransitionPost(t.Context(), p.ID, tr, store.Change{Cause: fmt.Sprint("tap", i),
				Audit: store.AuditEntry{UserID: int64(20 + i), At: t0, Action: action}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && ok:
				applied++
			case errors.Is(err, store.ErrStateChanged):
				changed++
			default:
				t.Errorf("TransitionPost = %t, %v", ok, err)
			}
		})
	}
	wg.Wait()
	if applied != 1 || changed != 7 {
		t.Errorf("8 concurrent reviews: %d applied, %d found it changed; want 1 and 7", applied, changed)
	}
	if log := auditLog(t, s, p.ID, 10); len(log) != 2 {
		t.Errorf("audit = %+v, want submitted and one review", log)
	}
	if got := byStatus(t, s, store.StatusPending, 10); len(got) != 0 {
		t.Errorf("PostsByStatus(pending) = %v after the review, want none", titles(got))
	}
}

func testRescheduleAndCancel(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	h := time.Hour
	p, _, err := s.PublishPost(ctx, withStatus("Visit", store.KindVisit, "lyon", store.StatusScheduled, t0.Add(h)),
		store.Change{Cause: "u1", Audit: store.AuditEntry{UserID: 7, At: t0, Action: store.ActionScheduled}})
	if err != nil {
		t.Fatal(err)
	}
	later := t0.Add(3 * h)
	got, ok, err := s.TransitionPost(ctx, p.ID, store.Transition{From: store.StatusScheduled, To: store.StatusScheduled, At: t0, By: 8, PublishAt: &later},
		store.Change{Cause: "u2", Audit: store.AuditEntry{UserID: 8, At: t0, Action: store.ActionScheduled}})
	if err != nil || !ok || !got.PublishAt.Equal(later) {
		t.Fatalf("reschedule = %+v, %t, %v", got, ok, err)
	}
	wantTitles(t, "DuePosts at the old time", due(t, s, t0.Add(2*h), 10))
	wantTitles(t, "DuePosts at the new time", due(t, s, later, 10), "Visit")
	got, ok, err = s.TransitionPost(ctx, p.ID, store.Transition{From: store.StatusScheduled, To: store.StatusDraft, At: t0, By: 8},
		store.Change{Cause: "u3", Audit: store.AuditEntry{UserID: 8, At: t0, Action: store.ActionUnscheduled}})
	if err != nil || !ok || got.State() != store.StatusDraft || got.PublishAt != nil {
		t.Fatalf("cancel = %+v, %t, %v", got, ok, err)
	}
	wantTitles(t, "DuePosts after cancelling", due(t, s, later, 10))
	wantTitles(t, "PostsByStatus(draft)", byStatus(t, s, store.StatusDraft, 10), "Visit")
	wantTitles(t, "PostsByStatus(scheduled)", byStatus(t, s, store.StatusScheduled, 10))
	wantTitles(t, "LatestPosts", latest(t, s, "", 10))
}

// An edit made from a copy read before the post moved on keeps where the
// stored post stands.
func testEditKeepsWorkflow(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	stale, _, err := s.PublishPost(ctx, withStatus("Pending", store.KindVisit, "lyon", store.StatusPending, t0),
		store.Change{Cause: "u1", Audit: store.AuditEntry{UserID: 7, At: t0, Action: store.ActionSubmitted}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.TransitionPost(ctx, stale.ID, store.Transition{From: store.StatusPending, To: store.StatusPublished, At: t0, By: 8},
		store.Change{Cause: "u2", Audit: store.AuditEntry{UserID: 8, At: t0, Action: store.ActionApproved}}); err != nil {
		t.Fatal(err)
	}
	stale.Title = "Edited"
	if _, err := s.EditPost(ctx, stale, store.Change{Cause: "u3", Audit: store.AuditEntry{UserID: 7, At: t0, Action: store.ActionEdited}}); err != nil {
		t.Fatal(err)
	}
	got := getPost(t, s, stale.ID)
	if got.Title != "Edited" || !got.Visible() || !got.PublishedAt.Equal(t0) {
		t.Errorf("after an edit from a stale copy: %+v; want the edit, still published at t0", got)
	}
	wantTitles(t, "LatestPosts", latest(t, s, "lyon", 10), "Edited")
	wantTitles(t, "PostsByStatus(pending)", byStatus(t, s, store.StatusPending, 10))
}
