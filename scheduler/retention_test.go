package scheduler_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Retention deletes chats gone longer than the policy allows (with what
// /stop deletes about them) and audit entries older than theirs, keeps the
// rest, and runs once a day however often it is asked.
func TestRetentionRunsOnceADay(t *testing.T) {
	r := newRig(t, 0)
	ctx := context.Background()
	day := 24 * time.Hour
	t0 := time.Date(2030, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: t0}
	st := r.st
	save := func(id int64, typ string) {
		t.Helper()
		if err := st.SaveSubscriber(ctx, store.NewSubscriber(id, typ, store.LangEN, t0)); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []int64{1, 2, 3} {
		save(id, "private")
		if err := st.SaveUser(ctx, store.User{ID: id, Username: "user" + string(rune('a'+id)), SeenAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	save(-4, "group")
	for id, at := range map[int64]time.Time{1: t0, -4: t0, 2: t0.Add(20 * day)} {
		if err := st.SetActive(ctx, id, false, at); err != nil {
			t.Fatal(err)
		}
	}
	for _, at := range []time.Time{t0.Add(-400 * day), t0.Add(-10 * day)} {
		if err := st.AppendAudit(ctx, store.AuditEntry{PostID: 1, UserID: 3, At: at, Action: "created"}); err != nil {
			t.Fatal(err)
		}
	}

	ret := &scheduler.Retention{Store: st, Policy: store.RetentionPolicy{ChatDays: 30, AuditDays: 365},
		Loc: time.UTC, Now: clock.Now, Log: r.log, PageSize: 1}
	clock.advance(31 * day)
	run, ran, err := ret.RunDaily(ctx)
	if err != nil || !ran || run.Chats != 2 || run.Audit != 1 {
		t.Fatalf("RunDaily = %+v, ran %t, %v; want 2 chats and 1 audit entry", run, ran, err)
	}
	for _, id := range []int64{1, -4} {
		if _, err := st.Subscriber(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("chat %d after retention: %v, want deleted", id, err)
		}
	}
	if _, err := st.User(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("user 1 after retention: %v, want deleted with the chat", err)
	}
	for _, id := range []int64{2, 3} {
		if _, err := st.Subscriber(ctx, id); err != nil {
			t.Errorf("chat %d after retention: %v, want kept", id, err)
		}
		if _, err := st.User(ctx, id); err != nil {
			t.Errorf("user %d after retention: %v, want kept", id, err)
		}
	}
	if log, _ := st.AuditLog(ctx, 0, 10); len(log) != 1 {
		t.Errorf("audit after retention: %+v, want the recent entry", log)
	}
	last, ok, err := store.LastRetention(ctx, st)
	if err != nil || !ok || last.Chats != 2 || last.Day != "2030-04-01" || last.FinishedAt.IsZero() {
		t.Errorf("LastRetention = %+v, %t, %v", last, ok, err)
	}

	// The same day again (a restart, another leader): nothing to do.
	clock.advance(6 * time.Hour)
	if _, ran, err := ret.RunDaily(ctx); err != nil || ran {
		t.Errorf("second RunDaily the same day: ran %t, %v; want skipped", ran, err)
	}
	// The next day it runs; chat 2 has now been gone 31 days... not yet:
	// 20 days after t0 plus 30 is day 50.
	clock.advance(day)
	if run, ran, err := ret.RunDaily(ctx); err != nil || !ran || run.Chats != 0 {
		t.Errorf("next day: %+v, ran %t, %v; want a run deleting nothing", run, ran, err)
	}
	clock.advance(20 * day)
	if run, ran, err := ret.RunDaily(ctx); err != nil || !ran || run.Chats != 1 {
		t.Errorf("day 51: %+v, ran %t, %v; want chat 2 deleted", run, ran, err)
	}
}
