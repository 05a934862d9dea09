package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// jumpClock is Main's clock in tests that jump ahead in time.
type jumpClock struct {
	mu sync.Mutex
	t  time.Time
}

func newJumpClock() *jumpClock { return &jumpClock{t: time.Now()} }

func (c *jumpClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *jumpClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Retention with Main's clock moved ahead: a chat gone longer than
// RETENTION_DAYS is deleted (with its @username) when the bot starts on a
// new day, the active chat and a chat gone lately are kept; audit entries
// go after AUDIT_RETENTION_DAYS; /stats shows both.
func TestRetention(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	e := newOfficialEnv(t)
	clock := newJumpClock()
	e.now = clock.Now
	e.cfg.Retention = store.RetentionPolicy{ChatDays: 30, AuditDays: 45}
	e.start()
	ctx := context.Background()
	gone, kept, lately := e.private(861, "en"), e.private(862, "de"), e.private(863, "en")
	gone.ask("/subscribe venlo")
	kept.ask("/subscribe krefeld")
	lately.ask("/subscribe venlo")
	o := e.private(ownerID, "en")
	mustContain(t, o.ask("/stats").Plain, "Retention: inactive chats deleted after 30 days, audit entries after 45 days")

	// 861 blocked the bot without it noticing; the announcement to Venlo
	// finds out (an outbox send, 403) and records the moment.
	e.tg.Block(861)
	blockedAt := clock.Now()
	o.ask("/announce venlo | Audited announcement")
	before := e.store() // the bot's own file on the embedded store: reopened after the restart
	eventually(t, wait, func() string { return "861 never marked inactive" }, func() bool {
		s, err := before.Subscriber(ctx, 861)
		return err == nil && !s.Active
	})
	if s, _ := before.Subscriber(ctx, 861); !s.InactiveSince.Equal(blockedAt) {
		t.Errorf("861 inactive since %v, want %v (Main's clock when the send failed)", s.InactiveSince, blockedAt)
	}
	// 863 blocks ten days later, and says so (my_chat_member).
	clock.advance(10 * day)
	e.tg.Block(863)
	e.tg.WaitConfirmed(t, wait, e.tg.SendMyChatMember(lately.chat, lately.user, "member", "kicked"))

	// 31 days after the first block the bot starts again: the run at
	// start is a new day's.
	e.stop()
	clock.advance(21*day + time.Hour)
	e.start()
	st := e.store()
	today := clock.Now().In(e.cfg.TimeZone).Format(time.DateOnly)
	eventually(t, wait, func() string { return "no retention run today" }, func() bool {
		run, ok, err := store.LastRetention(ctx, st)
		return err == nil && ok && run.Day == today && !run.FinishedAt.IsZero()
	})
	if _, err := st.Subscriber(ctx, 861); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("chat gone 31 days: %v, want deleted", err)
	}
	if _, err := st.User(ctx, 861); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("its @username: %v, want deleted with it", err)
	}
	for _, id := range []int64{862, 863} {
		if _, err := st.Subscriber(ctx, id); err != nil {
			t.Errorf("chat %d: %v, want kept", id, err)
		}
	}
	if log, _ := st.AuditLog(ctx, 0, 10); len(log) != 1 {
		t.Errorf("audit after 31 days: %d entries, want 1 (kept 45 days)", len(log))
	}
	mustContain(t, o.ask("/stats").Plain, ": 1 chats, 0 audit entries, 0 cached photos")
	_, d := kept.myData()
	if d.Subscriber == nil || !slices.Equal(d.Subscriber.Cities, []string{"krefeld"}) || bytes.Contains(retentionJSON(t, d), []byte("861")) {
		t.Errorf("the kept chat's export: %+v", d)
	}
	e.tg.Unblock(861)
	e.tg.WaitConfirmed(t, wait, e.tg.SendMyChatMember(gone.chat, gone.user, "kicked", "member"))
	mustContain(t, gone.ask("/mydata").Plain, "Nothing is stored about this chat")

	// Fifteen days on, run directly: the audit entry (46 days old) and the
	// chat gone for 36 days go; a second run the same day does nothing.
	clock.advance(15 * day)
	ret := &scheduler.Retention{Store: st, Policy: e.cfg.Retention, Loc: e.cfg.TimeZone, Now: clock.Now}
	run, ran, err := ret.RunDaily(ctx)
	if err != nil || !ran || run.Chats != 1 || run.Audit != 1 {
		t.Errorf("retention 46 days on: %+v, ran %t, %v; want 1 chat and 1 audit entry", run, ran, err)
	}
	if _, ran, err := ret.RunDaily(ctx); err != nil || ran {
		t.Errorf("second run the same day: ran %t, %v", ran, err)
	}
	if log, _ := st.AuditLog(ctx, 0, 10); len(log) != 0 {
		t.Errorf("audit after 46 days: %+v, want pruned", log)
	}
	if _, err := st.Subscriber(ctx, 862); err != nil {
		t.Errorf("the active chat: %v, want kept", err)
	}
	mustContain(t, o.ask("/stats").Plain, ": 1 chats, 1 audit entries, 0 cached photos")
}

func retentionJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
