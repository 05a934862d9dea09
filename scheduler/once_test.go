package scheduler_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// faultyStore cuts a planning run short: it cancels the run's context
// after a number of enqueues, or fails saving the run's progress.
type faultyStore struct {
	*redisstore.Store
	cancelAfter int32 // cancel once this many digests were enqueued
	cancel      context.CancelFunc
	failSaveAt  int32 // fail the SaveRun call with this number (1-based)
	enqueues    atomic.Int32
	saves       atomic.Int32
}

func (f *faultyStore) EnqueueOnceMany(ctx context.Context, items []store.OnceMessages) ([]bool, error) {
	ok, err := f.Store.EnqueueOnceMany(ctx, items)
	before := f.enqueues.Load()
	if n := f.enqueues.Add(int32(len(items))); f.cancel != nil && before < f.cancelAfter && n >= f.cancelAfter {
		f.cancel()
	}
	return ok, err
}

func (f *faultyStore) SaveRun(ctx context.Context, r store.DigestRun) error {
	if f.saves.Add(1) == f.failSaveAt {
		return errors.New("connection reset (test)")
	}
	return f.Store.SaveRun(ctx, r)
}

// subscribers stores n daily Venlo subscribers, a third of them groups
// (negative ids, some supergroups), and returns their ids.
func (r *rig) manySubscribers(n int) []int64 {
	r.t.Helper()
	ids := make([]int64, 0, n)
	for i := range n {
		id := int64(5000 + i)
		switch i % 3 {
		case 1:
			id = -id
		case 2:
			id = -1000000000000 - id
		}
		r.subscriber(id, store.LangEN, store.FreqDaily, []string{"venlo"})
		ids = append(ids, id)
	}
	return ids
}

// onceEach checks that every chat got exactly one message holding substr.
func onceEach(t *testing.T, tg *telegramtest.Server, ids []int64, substr string) {
	t.Helper()
	bad := 0
	for _, id := range ids {
		n := 0
		for _, m := range tg.SentTo(id) {
			if strings.Contains(m.Plain, substr) {
				n++
			}
		}
		if n != 1 {
			bad++
			if bad <= 5 {
				t.Errorf("chat %d got %d messages with %q, want 1", id, n, substr)
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d chats in all", bad)
	}
}

func TestDigestExactlyOnce(t *testing.T) {
	t.Parallel()
	slot := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return slot.Add(time.Second) }
	key := "daily:" + slot.Format(time.RFC3339)
	setup := func(t *testing.T, n int) (*rig, []int64, func(st scheduler.Store) *scheduler.Planner) {
		r := newRig(t, 0)
		b, ds := renderer(t, r.st)
		ids := r.manySubscribers(n)
		poster{t, r.st}.post(store.KindVisit, "venlo", "Exactly once visit", slot.Add(-time.Hour))
		return r, ids, func(st scheduler.Store) *scheduler.Planner {
			return &scheduler.Planner{Store: st, Renderer: b, Data: ds, Log: r.log, Now: now, PageSize: 4}
		}
	}
	ctx := context.Background()

	t.Run("same slot twice", func(t *testing.T) {
		t.Parallel()
		r, ids, planner := setup(t, 12)
		first, err := planner(r.st).RunDigest(ctx, store.FreqDaily, slot)
		if err != nil || first.Planned != 12 {
			t.Fatalf("first run %+v %v, want 12 planned", first, err)
		}
		again, err := planner(r.st).RunDigest(ctx, store.FreqDaily, slot)
		if err != nil || again.Planned != 12 || again.FinishedAt.IsZero() {
			t.Errorf("second run %+v %v: want the finished run back", again, err)
		}
		r.deliver()
		onceEach(t, r.tg, ids, "Exactly once visit")
	})

	t.Run("two planners at once", func(t *testing.T) {
		t.Parallel()
		r, ids, planner := setup(t, 60)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 2 {
			st, err := redisstore.Open(ctx, r.redis.URL())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			p := planner(st)
			wg.Go(func() {
				<-start
				if _, err := p.RunDigest(ctx, store.FreqDaily, slot); err != nil {
					t.Errorf("run: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		r.deliver()
		onceEach(t, r.tg, ids, "Exactly once visit")
	})

	t.Run("cut off halfway then run again", func(t *testing.T) {
		t.Parallel()
		r, ids, planner := setup(t, 30)
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		cut := &faultyStore{Store: r.st, cancelAfter: 10, cancel: cancel}
		if _, err := planner(cut).RunDigest(cctx, store.FreqDaily, slot); err == nil {
			t.Fatal("a cancelled run reported success")
		}
		saved, err := r.st.Run(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if !saved.FinishedAt.IsZero() || saved.Cursor == math.MinInt64 || saved.Cursor >= slices.Max(ids) {
			t.Fatalf("cut-off run %+v: want unfinished with a cursor in the middle", saved)
		}
		ob, _ := r.st.OutboxStats(ctx, time.Now())
		if ob.Ready == 0 || ob.Ready >= 30 {
			t.Fatalf("%d messages planned before the cut, want some", ob.Ready)
		}
		t.Logf("cut off after %d of 30 digests, cursor %d", ob.Ready, saved.Cursor)
		// The restarted planner resumes from the saved cursor.
		run, err := planner(r.st).RunDigest(ctx, store.FreqDaily, slot)
		if err != nil || run.FinishedAt.IsZero() {
			t.Fatalf("resumed run %+v %v", run, err)
		}
		r.deliver()
		onceEach(t, r.tg, ids, "Exactly once visit")
	})

	t.Run("progress lost after enqueueing", func(t *testing.T) {
		t.Parallel()
		// The first page is enqueued, then saving its progress fails (a
		// crash there): the next run plans that page again, and the
		// dedupe keys keep it from sending anything twice.
		r, ids, planner := setup(t, 10)
		lost := &faultyStore{Store: r.st, failSaveAt: 2}
		if _, err := planner(lost).RunDigest(ctx, store.FreqDaily, slot); err == nil {
			t.Fatal("a run whose progress could not be saved reported success")
		}
		if _, err := planner(r.st).RunDigest(ctx, store.FreqDaily, slot); err != nil {
			t.Fatal(err)
		}
		r.deliver()
		onceEach(t, r.tg, ids, "Exactly once visit")
	})
}

func TestReminders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 0)
	b, ds := renderer(t, r.st)
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, kyiv(t))
	clk := &clock{}
	clk.Set(t0)
	pl := &scheduler.Planner{Store: r.st, Renderer: b, Data: ds, Log: r.log, Now: clk.Now, ReminderBefore: 24 * time.Hour}
	ps := poster{t, r.st}
	event := func(city, title string, starts time.Time) {
		ps.post(store.KindEvent, city, title, t0.Add(-48*time.Hour), func(p *store.Post) { p.StartsAt = &starts })
	}
	r.subscriber(3001, store.LangEN, store.FreqDaily, []string{"venlo"})
	r.subscriber(3002, store.LangEN, store.FreqDaily, []string{"venlo"}, store.KindVisit) // no events
	r.subscriber(3003, store.LangEN, store.FreqWeekly, []string{"krefeld"})
	r.subscriber(-3004, store.LangUK, store.FreqDaily, []string{"venlo"})
	event("venlo", "Venlo soon", t0.Add(2*time.Hour))
	event("venlo", "Venlo started", t0.Add(-10*time.Minute))
	event("venlo", "Venlo far", t0.Add(25*time.Hour))
	event("krefeld", "Krefeld soon", t0.Add(3*time.Hour))

	count := func(id int64, substr string) int {
		n := 0
		for _, m := range r.tg.SentTo(id) {
			if strings.Contains(m.Plain, substr) {
				n++
			}
		}
		return n
	}
	expect := func(when string, want map[int64]map[string]int) {
		t.Helper()
		for id, titles := range want {
			for title, n := range titles {
				if got := count(id, title); got != n {
					t.Errorf("%s: chat %d got %d reminders of %q, want %d", when, id, got, title, n)
				}
			}
		}
	}
	all := []string{"Venlo soon", "Venlo started", "Venlo far", "Krefeld soon", "Venlo late"}
	none := func() map[string]int {
		m := map[string]int{}
		for _, s := range all {
			m[s] = 0
		}
		return m
	}
	with := func(kv ...any) map[string]int {
		m := none()
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1].(int)
		}
		return m
	}

	n, err := pl.RunReminders(ctx)
	if err != nil || n != 3 {
		t.Fatalf("first run enqueued %d (%v), want 3", n, err)
	}
	r.deliver()
	expect("first run", map[int64]map[string]int{
		3001: with("Venlo soon", 1), -3004: with("Venlo soon", 1), 3003: with("Krefeld soon", 1), 3002: none(),
	})
	if m, ok := r.tg.LastTo(3001); !ok || !strings.Contains(m.Plain, "Reminder") {
		t.Errorf("reminder reads %q", m.Plain)
	}
	if m, ok := r.tg.LastTo(-3004); !ok || !strings.Contains(m.Plain, "Нагадування") {
		t.Errorf("group's reminder is not in Ukrainian: %q", m.Plain)
	}

	clk.Set(t0.Add(time.Minute))
	if n, err := pl.RunReminders(ctx); err != nil || n != 0 {
		t.Errorf("second run enqueued %d (%v), want 0", n, err)
	}

	// An event created after the first run, starting in an hour.
	clk.Set(t0.Add(5 * time.Minute))
	event("venlo", "Venlo late", t0.Add(65*time.Minute))
	if n, err := pl.RunReminders(ctx); err != nil || n != 2 {
		t.Errorf("run after a new event enqueued %d (%v), want 2", n, err)
	}
	r.deliver()
	expect("after a new event", map[int64]map[string]int{
		3001: with("Venlo soon", 1, "Venlo late", 1), -3004: with("Venlo soon", 1, "Venlo late", 1),
		3003: with("Krefeld soon", 1), 3002: none(),
	})

	// New chats subscribe to Venlo (one with a lower id than everyone):
	// those who had their reminders do not get them again.
	r.subscriber(-1000000003999, store.LangEN, store.FreqDaily, []string{"venlo"})
	r.subscriber(3000, store.LangEN, store.FreqDaily, []string{"venlo"})
	r.subscriber(3005, store.LangEN, store.FreqDaily, []string{"venlo"})
	clk.Set(t0.Add(10 * time.Minute))
	if _, err := pl.RunReminders(ctx); err != nil {
		t.Fatal(err)
	}
	r.deliver()
	expect("after new subscribers", map[int64]map[string]int{
		3001: with("Venlo soon", 1, "Venlo late", 1), -3004: with("Venlo soon", 1, "Venlo late", 1),
		3003: with("Krefeld soon", 1), 3002: none(),
	})
	for _, id := range []int64{-1000000003999, 3000, 3005} {
		for _, title := range all {
			if n := count(id, title); n > 1 {
				t.Errorf("new subscriber %d got %d reminders of %q", id, n, title)
			}
		}
	}
}
