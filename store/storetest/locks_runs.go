package storetest

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
)

func testLocks(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Exclusive", func(t *testing.T) {
		s := newStore(t)
		wantLock(t, s, "poller", "a", time.Hour, true)
		wantLock(t, s, "poller", "b", time.Hour, false)
		wantLock(t, s, "poller", "a", time.Hour, true) // renews
		wantLock(t, s, "planner", "b", time.Hour, true)
		if err := s.Unlock(t.Context(), "poller", "b"); err != nil {
			t.Fatalf("Unlock by non-owner = %v", err)
		}
		wantLock(t, s, "poller", "b", time.Hour, false)
		if err := s.Unlock(t.Context(), "poller", "a"); err != nil {
			t.Fatalf("Unlock = %v", err)
		}
		wantLock(t, s, "poller", "b", time.Hour, true)
		wantLock(t, s, "poller", "a", time.Hour, false)
		if err := s.Unlock(t.Context(), "nothing", "a"); err != nil {
			t.Errorf("Unlock of a free lock = %v", err)
		}
	})

	t.Run("Expires", func(t *testing.T) {
		s := newStore(t)
		wantLock(t, s, "poller", "a", 100*time.Millisecond, true)
		testkit.Eventually(t, pollTimeout, func() string { return "lock of a dead owner not free" }, func() bool {
			ok, err := s.TryLock(t.Context(), "poller", "b", time.Hour)
			if err != nil {
				t.Fatalf("TryLock = %v", err)
			}
			return ok
		})
		wantLock(t, s, "poller", "a", time.Hour, false)
	})
}

func testRuns(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	if _, err := s.Run(ctx, "daily:x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Run(missing) error = %v, want ErrNotFound", err)
	}
	if _, err := s.LastRun(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LastRun on an empty store error = %v, want ErrNotFound", err)
	}
	if err := s.CountDelivery(ctx, "daily:x", true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CountDelivery(missing run) error = %v, want ErrNotFound", err)
	}

	first := store.DigestRun{Key: "daily:2030-05-01T09:00:00Z", Frequency: store.FreqDaily,
		Slot: t0.Add(-3 * time.Hour), StartedAt: t0, Cursor: math.MinInt64}
	got := startRun(t, s, first)
	wantRun(t, "StartRun(new)", got, first)

	progress := first
	progress.Cursor, progress.Planned, progress.Skipped = -5, 3, 1
	saveRun(t, s, progress)
	// A second start (another replica, a restart) gets the stored run.
	restart := first
	restart.StartedAt = t0.Add(time.Minute)
	wantRun(t, "StartRun(existing)", startRun(t, s, restart), progress)
	wantRun(t, "Run", getRun(t, s, first.Key), progress)

	// Workers count while the planner keeps saving.
	for _, sent := range []bool{true, true, false} {
		if err := s.CountDelivery(ctx, first.Key, sent); err != nil {
			t.Fatalf("CountDelivery = %v", err)
		}
	}
	progress.Cursor = 99
	saveRun(t, s, progress)
	counted := progress
	counted.Sent, counted.Failed = 2, 1
	wantRun(t, "Run after CountDelivery and SaveRun", getRun(t, s, first.Key), counted)
	wantRun(t, "StartRun(existing, counted)", startRun(t, s, restart), counted)
	last, err := s.LastRun(ctx)
	if err != nil {
		t.Fatalf("LastRun = %v", err)
	}
	wantRun(t, "LastRun", last, counted)

	second := store.DigestRun{Key: "weekly:2030-05-01T10:00:00Z", Frequency: store.FreqWeekly,
		Slot: t0, StartedAt: t0.Add(time.Hour)}
	startRun(t, s, second)
	if last, err = s.LastRun(ctx); err != nil || last.Key != second.Key {
		t.Errorf("LastRun = %q, %v; want %q", last.Key, err, second.Key)
	}
	// Finishing the older run does not make it the last one.
	counted.FinishedAt = t0.Add(2 * time.Hour)
	saveRun(t, s, counted)
	if last, err = s.LastRun(ctx); err != nil || last.Key != second.Key {
		t.Errorf("LastRun after SaveRun of an older run = %q, %v; want %q", last.Key, err, second.Key)
	}
	wantRun(t, "Run(finished)", getRun(t, s, first.Key), counted)
}

func wantLock(t *testing.T, s store.Store, name, owner string, ttl time.Duration, want bool) {
	t.Helper()
	ok, err := s.TryLock(t.Context(), name, owner, ttl)
	if err != nil || ok != want {
		t.Errorf("TryLock(%q, %q) = %t, %v; want %t", name, owner, ok, err, want)
	}
}

func startRun(t *testing.T, s store.Store, r store.DigestRun) store.DigestRun {
	t.Helper()
	got, err := s.StartRun(t.Context(), r)
	if err != nil {
		t.Fatalf("StartRun(%q) = %v", r.Key, err)
	}
	return got
}

func saveRun(t *testing.T, s store.Store, r store.DigestRun) {
	t.Helper()
	if err := s.SaveRun(t.Context(), r); err != nil {
		t.Fatalf("SaveRun(%q) = %v", r.Key, err)
	}
}

func getRun(t *testing.T, s store.Store, key string) store.DigestRun {
	t.Helper()
	r, err := s.Run(t.Context(), key)
	if err != nil {
		t.Fatalf("Run(%q) = %v", key, err)
	}
	return r
}

func wantRun(t *testing.T, what string, got, want store.DigestRun) {
	t.Helper()
	norm := func(r store.DigestRun) store.DigestRun {
		r.Slot, r.StartedAt, r.FinishedAt = r.Slot.UTC(), r.StartedAt.UTC(), r.FinishedAt.UTC()
		return r
	}
	if !reflect.DeepEqual(norm(got), norm(want)) {
		t.Errorf("%s =\n %+v\nwant\n %+v", what, got, want)
	}
}
