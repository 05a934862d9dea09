package scheduler_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// reminderSpy tells when a Cron's start-up catch-up is over: the
// reminders are planned, and the zones' digests (daily, then weekly) were
// looked at twice: a whole pass went by.
type reminderSpy struct {
	*redisstore.Store
	reminders atomic.Int32
	zones     atomic.Int32
}

func (s *reminderSpy) ActiveZones(ctx context.Context) (map[string]int, error) {
	defer s.zones.Add(1)
	return s.Store.ActiveZones(ctx)
}

func (s *reminderSpy) EventsStartingBetween(ctx context.Context, from, to time.Time) ([]store.Post, error) {
	defer s.reminders.Add(1)
	return s.Store.EventsStartingBetween(ctx, from, to)
}

// The bot was down at 09:00: started at 15:00 it plans the day's digest at
// once; started again at 16:00 it plans nothing more for that slot.
func TestCronCatchesUpMissedRunOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 0)
	b, ds := renderer(t, r.st)
	loc := kyiv(t)
	slot := time.Date(2026, 11, 26, 9, 0, 0, 0, loc)
	clk := &clock{}
	clk.Set(time.Date(2026, 11, 26, 15, 0, 0, 0, loc))
	spy := &reminderSpy{Store: r.st}
	r.subscriber(4001, store.LangEN, store.FreqDaily, []string{"venlo"})
	ps := poster{t, r.st}
	ps.post(store.KindVisit, "venlo", "Morning visit", slot.Add(-time.Hour))
	// Published after the slot: it belongs to tomorrow's digest, whatever
	// the time of a restart today.
	ps.post(store.KindVisit, "venlo", "Lunch visit", slot.Add(3*time.Hour))

	runCron := func() {
		t.Helper()
		before, zonesBefore := spy.reminders.Load(), spy.zones.Load()
		c := &scheduler.Cron{
			Planner:   &scheduler.Planner{Store: spy, Renderer: b, Data: ds, Log: r.log, Now: clk.Now},
			Log:       r.log,
			Loc:       loc,
			DailySpec: "0 9 * * *", WeeklySpec: "0 9 * * 1", ReminderSpec: "@every 1h",
			Tick: 10 * time.Millisecond,
		}
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- c.Run(cctx) }()
		waitFor(t, "the catch-up", func() bool { return spy.reminders.Load() > before && spy.zones.Load() >= zonesBefore+4 })
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Cron.Run: %v", err)
			}
		case <-time.After(wait):
			t.Fatal("Cron.Run did not return after cancel")
		}
	}

	runCron()
	// The subscriber has no zone of its own: the home zone's run.
	run, err := r.st.Run(ctx, "daily:home:"+slot.UTC().Format(time.RFC3339))
	if err != nil {
		t.Fatalf("the missed 09:00 run was not planned: %v", err)
	}
	if run.FinishedAt.IsZero() || run.Planned != 1 {
		t.Errorf("caught-up run %+v, want finished with 1 digest", run)
	}

	clk.Set(time.Date(2026, 11, 26, 16, 0, 0, 0, loc))
	runCron() // a restart later the same day
	r.deliver()
	got := r.tg.SentTo(4001)
	if len(got) != 1 {
		t.Fatalf("%d digests after a catch-up and a restart, want 1: %q", len(got), plainsOf(got))
	}
	inOrder(t, "4001", got[0].Plain, "Morning visit")
	lacks(t, "4001", got[0].Plain, "Lunch visit")
}
