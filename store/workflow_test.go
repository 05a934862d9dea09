package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

func after(d time.Duration) *time.Time { t := t0.Add(d); return &t }

func TestVisibleAndDue(t *testing.T) {
	tests := []struct {
		name    string
		p       store.Post
		visible bool
		due     *time.Time
	}{
		{"stored before statuses existed", store.Post{}, true, nil},
		{"published", store.Post{Status: store.StatusPublished}, true, nil},
		{"published, releasing", store.Post{Status: store.StatusPublished, Releasing: true, PublishedAt: t0}, true, after(0)},
		{"old record, releasing", store.Post{Releasing: true, PublishedAt: t0}, true, after(0)},
		{"scheduled", store.Post{Status: store.StatusScheduled, PublishAt: after(time.Hour)}, false, after(time.Hour)},
		{"scheduled without a time", store.Post{Status: store.StatusScheduled}, false, nil},
		{"pending with a time", store.Post{Status: store.StatusPending, PublishAt: after(time.Hour)}, false, nil},
		{"rejected", store.Post{Status: store.StatusRejected}, false, nil},
		{"draft", store.Post{Status: store.StatusDraft}, false, nil},
	}
	for _, tt := range tests {
		if got := tt.p.Visible(); got != tt.visible {
			t.Errorf("%s: Visible() = %t, want %t", tt.name, got, tt.visible)
		}
		due, ok := tt.p.DueAt()
		if ok != (tt.due != nil) || ok && !due.Equal(*tt.due) {
			t.Errorf("%s: DueAt() = %v, %t; want %v", tt.name, due, ok, tt.due)
		}
	}
}

func TestCanTransition(t *testing.T) {
	allowed := map[store.PostStatus][]store.PostStatus{
		store.StatusPending:   {store.StatusPublished, store.StatusScheduled, store.StatusRejected, store.StatusPending},
		store.StatusScheduled: {store.StatusPublished, store.StatusScheduled, store.StatusDraft, store.StatusPending},
		store.StatusRejected:  {store.StatusPending, store.StatusScheduled, store.StatusPublished},
		store.StatusDraft:     {store.StatusPending, store.StatusScheduled, store.StatusPublished},
		store.StatusPublished: {store.StatusPublished},
	}
	for _, from := range store.Statuses() {
		for _, to := range store.Statuses() {
			want := false
			for _, a := range allowed[from] {
				want = want || a == to
			}
			if got := store.CanTransition(from, to); got != want {
				t.Errorf("CanTransition(%s, %s) = %t, want %t", from, to, got, want)
			}
		}
	}
}

func TestApply(t *testing.T) {
	pending := store.Post{ID: 1, Author: 10, Status: store.StatusPending, UpdatedAt: t0}
	pendingLater := pending
	pendingLater.PublishAt, pendingLater.ScheduledBy = after(2*time.Hour), 10
	scheduled := store.Post{ID: 2, Author: 10, Status: store.StatusScheduled, PublishAt: after(time.Hour), ScheduledBy: 10}
	releasing := store.Post{ID: 3, Status: store.StatusPublished, Releasing: true, PublishedAt: t0}
	rejected := store.Post{ID: 4, Author: 10, Status: store.StatusRejected, Reviewer: 20, Reason: "typo"}
	edited := pending
	edited.Revision = 2
	seen1, seen2 := 1, 2
	now := t0.Add(time.Minute)
	tests := []struct {
		name  string
		p     store.Post
		t     store.Transition
		want  func(store.Post) bool
		error error
	}{
		{"approve now", pending, store.Transition{From: store.StatusPending, To: store.StatusPublished, At: now, By: 20},
			func(q store.Post) bool {
				return q.Visible() && q.Releasing && q.PublishedAt.Equal(now) && q.Reviewer == 20 && q.PublishAt == nil
			}, nil},
		{"approve for later", pendingLater, store.Transition{From: store.StatusPending, To: store.StatusScheduled, At: now, By: 20, PublishAt: pendingLater.PublishAt},
			func(q store.Post) bool {
				return q.State() == store.StatusScheduled && q.PublishAt.Equal(*after(2 * time.Hour)) && q.ScheduledBy == 10 && q.Reviewer == 20
			}, nil},
		{"approve twice", store.Post{ID: 1, Status: store.StatusPublished}, store.Transition{From: store.StatusPending, To: store.StatusPublished, At: now, By: 21},
			nil, store.ErrStateChanged},
		{"approve after reject", rejected, store.Transition{From: store.StatusPending, To: store.StatusPublished, At: now, By: 21},
			nil, store.ErrStateChanged},
		{"reject", pending, store.Transition{From: store.StatusPending, To: store.StatusRejected, At: now, By: 20, Reason: "dates wrong"},
			func(q store.Post) bool {
				return q.State() == store.StatusRejected && q.Reason == "dates wrong" && q.Reviewer == 20 && !q.Visible()
			}, nil},
		{"resubmit clears the review", rejected, store.Transition{From: store.StatusRejected, To: store.StatusPending, At: now, By: 10},
			func(q store.Post) bool { return q.State() == store.StatusPending && q.Reason == "" && q.Reviewer == 0 }, nil},
		{"the clock publishes when due", scheduled, store.Transition{From: store.StatusScheduled, To: store.StatusPublished, At: t0.Add(time.Hour), Due: *after(time.Hour)},
			func(q store.Post) bool {
				return q.Visible() && q.Releasing && q.PublishAt != nil && q.ScheduledBy == 10 && q.PublishedAt.Equal(*after(time.Hour))
			}, nil},
		{"the clock before the time", scheduled, store.Transition{From: store.StatusScheduled, To: store.StatusPublished, At: t0, Due: *after(time.Hour)},
			nil, store.ErrStateChanged},
		{"the clock for a time changed meanwhile", scheduled, store.Transition{From: store.StatusScheduled, To: store.StatusPublished, At: t0.Add(3 * time.Hour), Due: *after(2 * time.Hour)},
			nil, store.ErrStateChanged},
		{"publish now", scheduled, store.Transition{From: store.StatusScheduled, To: store.StatusPublished, At: now, By: 11},
			func(q store.Post) bool { return q.Visible() && q.PublishAt == nil && q.ScheduledBy == 0 }, nil},
		{"reschedule", scheduled, store.Transition{From: store.StatusScheduled, To: store.StatusScheduled, At: now, By: 11, PublishAt: after(5 * time.Hour)},
			func(q store.Post) bool { return q.PublishAt.Equal(*after(5 * time.Hour)) && q.ScheduledBy == 11 }, nil},
		{"scheduled without a time", pending, store.Transition{From: store.StatusPending, To: store.StatusScheduled, At: now},
			nil, store.ErrBadTransition},
		{"cancel", scheduled, store.Transition{From: store.StatusScheduled, To: store.StatusDraft, At: now, By: 11},
			func(q store.Post) bool { return q.State() == store.StatusDraft && q.PublishAt == nil }, nil},
		{"released", releasing, store.Transition{From: store.StatusPublished, To: store.StatusPublished, At: now},
			func(q store.Post) bool { return q.Visible() && !q.Releasing && q.PublishedAt.Equal(t0) }, nil},
		{"released twice", store.Post{ID: 3}, store.Transition{From: store.StatusPublished, To: store.StatusPublished, At: now},
			nil, store.ErrStateChanged},
		{"published back to pending", store.Post{ID: 5}, store.Transition{From: store.StatusPublished, To: store.StatusPending, At: now},
			nil, store.ErrBadTransition},
		{"draft to rejected", store.Post{Status: store.StatusDraft}, store.Transition{From: store.StatusDraft, To: store.StatusRejected, At: now},
			nil, store.ErrBadTransition},
		{"approve the revision seen", edited, store.Transition{From: store.StatusPending, To: store.StatusPublished, At: now, By: 20, Revision: &seen2},
			func(q store.Post) bool { return q.Visible() && q.Revision == 2 }, nil},
		{"approve an older revision", edited, store.Transition{From: store.StatusPending, To: store.StatusPublished, At: now, By: 20, Revision: &seen1},
			nil, store.ErrStateChanged},
		{"reject an older revision", edited, store.Transition{From: store.StatusPending, To: store.StatusRejected, At: now, By: 20, Reason: "x", Revision: &seen1},
			nil, store.ErrStateChanged},
	}
	for _, tt := range tests {
		q, err := tt.p.Apply(tt.t)
		if tt.error != nil {
			if !errors.Is(err, tt.error) {
				t.Errorf("%s: Apply = %v, want %v", tt.name, err, tt.error)
			}
			if q.Status != tt.p.Status {
				t.Errorf("%s: a refused change changed the status to %q", tt.name, q.Status)
			}
			continue
		}
		if err != nil || !tt.want(q) {
			t.Errorf("%s: Apply = %+v, %v", tt.name, q, err)
		}
	}
}

func TestLate(t *testing.T) {
	tests := []struct {
		name string
		p    store.Post
		late bool
		by   time.Duration
	}{
		{"on time", store.Post{PublishAt: after(0), PublishedAt: t0.Add(5 * time.Second)}, false, 5 * time.Second},
		{"just on time", store.Post{PublishAt: after(0), PublishedAt: t0.Add(store.LateAfter)}, false, store.LateAfter},
		{"the bot was down", store.Post{PublishAt: after(0), PublishedAt: t0.Add(2*time.Hour + 5*time.Minute)}, true, 2*time.Hour + 5*time.Minute},
		{"published by a person", store.Post{PublishedAt: t0}, false, 0},
		{"not published yet", store.Post{Status: store.StatusScheduled, PublishAt: after(0), PublishedAt: t0.Add(time.Hour)}, false, 0},
	}
	for _, tt := range tests {
		by, late := tt.p.Late()
		if late != tt.late || by != tt.by {
			t.Errorf("%s: Late() = %v, %t; want %v, %t", tt.name, by, late, tt.by, tt.late)
		}
	}
}

func TestSubmitted(t *testing.T) {
	tests := []struct {
		name  string
		needs bool
		at    *time.Time
		want  store.PostStatus
	}{
		{"now", false, nil, store.StatusPublished},
		{"later", false, after(time.Hour), store.StatusScheduled},
		{"a time passed", false, after(-time.Minute), store.StatusPublished},
		{"exactly now", false, after(0), store.StatusPublished},
		{"needs approval", true, nil, store.StatusPending},
		{"needs approval, later", true, after(time.Hour), store.StatusPending},
	}
	for _, tt := range tests {
		if got := store.Submitted(tt.needs, tt.at, t0); got != tt.want {
			t.Errorf("%s: Submitted = %s, want %s", tt.name, got, tt.want)
		}
	}
	if got := store.Approved(after(time.Hour), t0); got != store.StatusScheduled {
		t.Errorf("Approved(later) = %s, want scheduled", got)
	}
	if got := store.Approved(after(-time.Hour), t0); got != store.StatusPublished {
		t.Errorf("Approved(time passed) = %s, want published", got)
	}
}

func TestApproval(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want store.Approval
		ok   bool
	}{{"off", store.ApprovalOff, true}, {" Editors ", store.ApprovalEditors, true}, {"ALL", store.ApprovalAll, true}, {"some", "", false}, {"", "", false}} {
		got, ok := store.ParseApproval(tt.in)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("ParseApproval(%q) = %q, %t; want %q, %t", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	needs := []struct {
		a     store.Approval
		role  store.Role
		needs bool
	}{
		{store.ApprovalOff, store.RoleEditor, false}, {store.ApprovalOff, store.RoleOwner, false},
		{store.ApprovalEditors, store.RoleEditor, true}, {store.ApprovalEditors, store.RoleOwner, false},
		{store.ApprovalAll, store.RoleEditor, true}, {store.ApprovalAll, store.RoleOwner, true},
	}
	for _, tt := range needs {
		if got := tt.a.Needs(tt.role); got != tt.needs {
			t.Errorf("%s.Needs(%s) = %t, want %t", tt.a, tt.role, got, tt.needs)
		}
	}
	post := store.Post{ID: 1, Author: 10}
	may := []struct {
		name string
		a    store.Approval
		user int64
		role store.Role
		want bool
	}{
		{"editors: an owner", store.ApprovalEditors, 20, store.RoleOwner, true},
		{"editors: another editor", store.ApprovalEditors, 21, store.RoleEditor, false},
		{"editors: the author, an owner", store.ApprovalEditors, 10, store.RoleOwner, false},
		{"all: another editor", store.ApprovalAll, 21, store.RoleEditor, true},
		{"all: an owner", store.ApprovalAll, 20, store.RoleOwner, true},
		{"all: the author", store.ApprovalAll, 10, store.RoleEditor, false},
		{"all: a resident", store.ApprovalAll, 30, "", false},
		{"all: nobody", store.ApprovalAll, 0, store.RoleOwner, false},
		{"off: an owner drains what is left", store.ApprovalOff, 20, store.RoleOwner, true},
		{"off: an editor", store.ApprovalOff, 21, store.RoleEditor, false},
	}
	for _, tt := range may {
		if got := tt.a.MayApprove(post, tt.user, tt.role); got != tt.want {
			t.Errorf("%s: MayApprove = %t, want %t", tt.name, got, tt.want)
		}
	}
}

func TestCheckReason(t *testing.T) {
	long := make([]rune, store.MaxReasonLen+1)
	for i := range long {
		long[i] = 'x'
	}
	for _, tt := range []struct {
		in string
		ok bool
	}{{"The date is wrong", true}, {"Line one\nline two", true}, {"  ", false}, {"", false}, {string(long), false}, {"bad\x00", false}} {
		if err := store.CheckReason(tt.in); (err == nil) != tt.ok {
			t.Errorf("CheckReason(%q) = %v, want ok %t", tt.in, err, tt.ok)
		}
	}
}

func TestKeepWorkflow(t *testing.T) {
	stored := store.Post{ID: 1, Title: "old", Status: store.StatusPublished, PublishedAt: t0, Releasing: true,
		Channel: &store.ChannelRef{Chat: "-1", Messages: []int{5}}}
	stale := store.Post{ID: 1, Title: "new", Status: store.StatusPending, PublishAt: after(time.Hour)}
	got := stale.KeepWorkflow(stored)
	if got.Title != "new" || got.State() != store.StatusPublished || got.PublishAt != nil || !got.PublishedAt.Equal(t0) ||
		!got.Releasing || got.Channel == nil {
		t.Errorf("KeepWorkflow = %+v; want the new title where the stored post stands", got)
	}
}

func TestValidateWorkflow(t *testing.T) {
	base := store.Post{Kind: store.KindVisit, City: "krefeld", Title: "T", Text: "x"}
	tests := []struct {
		name  string
		edit  func(*store.Post)
		field string
	}{
		{"unknown status", func(p *store.Post) { p.Status = "lost" }, "status"},
		{"scheduled without a time", func(p *store.Post) { p.Status = store.StatusScheduled }, "publish_at"},
		{"time out of range", func(p *store.Post) { y := time.Date(3100, 1, 1, 0, 0, 0, 0, time.UTC); p.PublishAt = &y }, "publish_at"},
		{"negative reviewer", func(p *store.Post) { p.Reviewer = -1 }, "reviewer"},
		{"negative revision", func(p *store.Post) { p.Revision = -1 }, "revision"},
		{"ok scheduled", func(p *store.Post) { p.Status, p.PublishAt = store.StatusScheduled, after(0) }, ""},
	}
	for _, tt := range tests {
		p := base
		tt.edit(&p)
		err := p.Validate()
		var fe *store.FieldError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: Validate = %v, want nil", tt.name, err)
		case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
			t.Errorf("%s: Validate = %v, want a problem with %s", tt.name, err, tt.field)
		}
	}
}
