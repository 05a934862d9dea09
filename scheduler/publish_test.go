package scheduler_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

const author = 900

// scheduled stores an announcement for venlo scheduled at due by author.
func (r *rig) scheduled(text string, due time.Time) store.Post {
	r.t.Helper()
	p := store.Post{Kind: store.KindAnnouncement, City: "venlo", Text: text, Lang: store.LangEN, Author: author,
		Status: store.StatusScheduled, PublishAt: &due, ScheduledBy: author, Date: due, UpdatedAt: due.Add(-time.Hour)}
	saved, _, err := r.st.PublishPost(context.Background(), p, store.Change{Cause: "test:" + text,
		Audit: store.AuditEntry{UserID: author, At: due, Action: store.ActionScheduled}})
	if err != nil {
		r.t.Fatal(err)
	}
	return saved
}

func (r *rig) planner(st scheduler.PlanStore, now func() time.Time) *scheduler.Planner {
	rd, ds := renderer(r.t, r.st)
	return &scheduler.Planner{Store: st, Renderer: rd, Data: ds, Log: r.log, Now: now}
}

// Two planners (a leader change, two replicas that both think they lead)
// look for due posts at once, again and again: the post is published
// once, each subscriber gets its announcement once, the author one notice.
func TestPublishDueOnce(t *testing.T) {
	r := newRig(t, 0)
	fans := []int64{301, 302, -303}
	for _, id := range fans {
		r.subscriber(id, store.LangEN, store.FreqDaily, []string{"venlo"})
	}
	r.subscriber(author, store.LangEN, store.FreqOff, nil)
	due := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	p := r.scheduled("Town hall opens late", due)
	c := &clock{}
	c.Set(due.Add(-time.Second))
	a, b := r.planner(r.st, c.Now), r.planner(r.st, c.Now)
	if n, err := a.PublishDue(context.Background()); err != nil || n != 0 {
		t.Fatalf("PublishDue before the time = %d, %v; want nothing", n, err)
	}
	if got, _ := r.st.Post(context.Background(), p.ID); got.Visible() {
		t.Fatal("published before its time")
	}
	c.Set(due.Add(3 * time.Second))
	var wg sync.WaitGroup
	for range 4 {
		for _, pl := range []*scheduler.Planner{a, b} {
			wg.Go(func() {
				if _, err := pl.PublishDue(context.Background()); err != nil {
					t.Errorf("PublishDue = %v", err)
				}
			})
		}
	}
	wg.Wait()
	got, err := r.st.Post(context.Background(), p.ID)
	if err != nil || !got.Visible() || got.Releasing || !got.PublishedAt.Equal(due.Add(3*time.Second)) {
		t.Fatalf("after the time: %+v, %v; want published at the time of the run, released", got, err)
	}
	r.startWorkers(&scheduler.Workers{})
	r.waitSettled()
	for _, id := range fans {
		if n := len(sendCalls(r.tg, id)); n != 1 {
			t.Errorf("chat %d got %d messages, want the announcement once", id, n)
		}
	}
	notes := sendCalls(r.tg, author)
	if len(notes) != 1 || !strings.Contains(notes[0].Param("text"), "as scheduled") {
		t.Errorf("author got %d notices %v, want one saying it came out as scheduled", len(notes), notes)
	}
	log, _ := r.st.AuditLog(context.Background(), p.ID, 10)
	if len(log) != 2 || log[0].Action != store.ActionPublished || log[0].UserID != author {
		t.Errorf("audit = %+v, want scheduled, then published on the author's behalf", log)
	}
}

// failingNotice fails queueing the notice, the last step of a release,
// like a crash right after the post became published.
type failingNotice struct {
	*redisstore.Store
	fail atomic.Bool
}

func (f *failingNotice) EnqueueEach(ctx context.Context, ttl time.Duration, msgs ...store.OutboxMessage) (int, error) {
	if f.fail.Load() && len(msgs) > 0 && msgs[0].Kind == store.MsgNotice {
		return 0, errors.New("connection reset (test)")
	}
	return f.Store.EnqueueEach(ctx, ttl, msgs...)
}

// The planner stops after the post became published and before its
// release was done (a crash, Redis gone): the next run finishes it — the
// post is published once, its announcement goes out once — and the
// author learns it came out late.
func TestReleaseFinishedAfterACrash(t *testing.T) {
	r := newRig(t, 0)
	r.subscriber(401, store.LangEN, store.FreqDaily, []string{"venlo"})
	r.subscriber(author, store.LangEN, store.FreqOff, nil)
	due := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	p := r.scheduled("Water off on Friday", due)
	c := &clock{}
	c.Set(due.Add(2*time.Hour + 5*time.Minute)) // the bot was down at the time
	faulty := &failingNotice{Store: r.st}
	faulty.fail.Store(true)
	if _, err := r.planner(faulty, c.Now).PublishDue(context.Background()); err == nil {
		t.Fatal("PublishDue with a failing store = nil error")
	}
	got, _ := r.st.Post(context.Background(), p.ID)
	if !got.Visible() || !got.Releasing {
		t.Fatalf("after the cut-off run: %+v; want published, still releasing", got)
	}
	c.Set(c.Now().Add(5 * time.Second))
	faulty.fail.Store(false)
	if n, err := r.planner(faulty, c.Now).PublishDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("the next run = %d, %v; want the release finished", n, err)
	}
	if n, err := r.planner(faulty, c.Now).PublishDue(context.Background()); err != nil || n != 0 {
		t.Fatalf("a run after that = %d, %v; want nothing left", n, err)
	}
	r.startWorkers(&scheduler.Workers{})
	r.waitSettled()
	if n := len(sendCalls(r.tg, 401)); n != 1 {
		t.Errorf("subscriber got %d messages, want the announcement once", n)
	}
	notes := sendCalls(r.tg, author)
	if len(notes) != 1 || !strings.Contains(notes[0].Param("text"), "2 h 05 min") {
		t.Errorf("author got %v, want one notice saying it was 2 h 05 min late", notes)
	}
	if got, _ := r.st.Post(context.Background(), p.ID); !got.PublishedAt.Equal(due.Add(2*time.Hour + 5*time.Minute)) {
		t.Errorf("published at %v, want when the first run made it published", got.PublishedAt)
	}
}

// A post rescheduled or cancelled while the planner looked at it stays
// as the official left it.
func TestPublishDueSkipsChangedPosts(t *testing.T) {
	r := newRig(t, 0)
	due := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	p := r.scheduled("Moved", due)
	later := due.Add(24 * time.Hour)
	if _, _, err := r.st.TransitionPost(context.Background(), p.ID, store.Transition{From: store.StatusScheduled,
		To: store.StatusScheduled, At: due.Add(-time.Minute), By: author, PublishAt: &later},
		store.Change{Cause: "move", Audit: store.AuditEntry{UserID: author, At: due, Action: store.ActionScheduled}}); err != nil {
		t.Fatal(err)
	}
	c := &clock{}
	c.Set(due.Add(time.Minute))
	if n, err := r.planner(r.st, c.Now).PublishDue(context.Background()); err != nil || n != 0 {
		t.Fatalf("PublishDue at the old time = %d, %v; want nothing", n, err)
	}
	if got, _ := r.st.Post(context.Background(), p.ID); got.Visible() {
		t.Error("a rescheduled post came out at its old time")
	}
}
