package storetest

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
)

// Delivery behaviour the interfaces leave open and the suite pins down:
//   - Claim with block <= 0 does not wait; max <= 0 claims nothing;
//     messages enqueued together are claimed in enqueue order;
//   - a message Retry scheduled at `at` is due for PromoteDue(now) when
//     now >= at (whole milliseconds); Retry of equal messages keeps each;
//   - EnqueueOnce sets the digest cursor at millisecond precision, and
//     only when it enqueues;
//   - OutboxStats and DeadLetters: Dead counts every Bury; DeadLetters
//     lists newest first; limit <= 0 returns none;
//   - Unlock by a non-owner leaves the lock alone;
//   - SaveRun does not reset what CountDelivery counted; CountDelivery of
//     an unknown run is ErrNotFound;
//   - ActiveSubscribersAfter lists active subscribers with or without
//     cities, math.MinInt64 starts from the lowest (negative) id;
//   - EventsStartingBetween: ties lowest id first, like UpcomingEvents.

// pollTimeout bounds the waits for leases, idle messages and flags to
// expire; the tests poll instead of sleeping a fixed time.
const pollTimeout = 10 * time.Second

// runDelivery runs the outbox, lock and digest planning tests.
func runDelivery(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, newStore) })
	t.Run("AckMany", func(t *testing.T) { testAckMany(t, newStore) })
	t.Run("EnqueueOnceMany", func(t *testing.T) { testEnqueueOnceMany(t, newStore) })
	t.Run("Locks", func(t *testing.T) { testLocks(t, newStore) })
	t.Run("Runs", func(t *testing.T) { testRuns(t, newStore) })
	t.Run("ActiveSubscribersAfter", func(t *testing.T) { testActiveSubscribersAfter(t, newStore) })
	t.Run("EventsStartingBetween", func(t *testing.T) { testEventsStartingBetween(t, newStore) })
	t.Run("MarkOnce", func(t *testing.T) { testMarkOnce(t, newStore) })
}

func testOutbox(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("EnqueueClaimAck", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		if got := claim(t, s, "c1", 10, time.Hour); len(got) != 0 {
			t.Fatalf("Claim on an empty outbox = %v, want none", got)
		}
		want := []store.OutboxMessage{
			msg(1, "one"),
			{Kind: store.MsgAnnouncement, ChatID: -1001234567890, Group: true, Text: "<b>two</b> ✓",
				Attempts: 2, CreatedAt: time.Now(), Ref: "announce:7"},
			msg(3, "three"),
		}
		if err := s.Enqueue(ctx, want...); err != nil {
			t.Fatalf("Enqueue = %v", err)
		}
		if err := s.Enqueue(ctx); err != nil {
			t.Fatalf("Enqueue() of nothing = %v", err)
		}
		if got := claim(t, s, "c1", 0, time.Hour); len(got) != 0 {
			t.Errorf("Claim(max 0) = %v, want none", got)
		}
		got := claim(t, s, "c1", 10, time.Hour)
		wantMsgs(t, got, want)
		ids := map[string]bool{}
		for _, m := range got {
			if m.ID == "" || ids[m.ID] {
				t.Errorf("claimed message IDs %q: want distinct, non-empty", msgIDs(got))
			}
			ids[m.ID] = true
		}
		// Claimed and not idle: nobody else gets them.
		if again := claim(t, s, "c2", 10, time.Hour); len(again) != 0 {
			t.Errorf("Claim by c2 while c1 holds them = %v, want none", again)
		}
		for _, m := range got {
			if err := s.Ack(ctx, m.ID); err != nil {
				t.Fatalf("Ack(%s) = %v", m.ID, err)
			}
		}
		// minIdle 0 takes over anything still pending: there is nothing.
		if again := claim(t, s, "c2", 10, 0); len(again) != 0 {
			t.Errorf("Claim after Ack = %v, want none", again)
		}
		if st := outboxStats(t, s, time.Now()); st != (store.OutboxStats{}) {
			t.Errorf("OutboxStats after Ack = %+v, want zero", st)
		}
	})

	t.Run("ConsumersShareNothing", func(t *testing.T) {
		s := newStore(t)
		const n = 60
		msgs := make([]store.OutboxMessage, n)
		for i := range msgs {
			msgs[i] = msg(int64(i), fmt.Sprint(i))
		}
		if err := s.Enqueue(t.Context(), msgs...); err != nil {
			t.Fatalf("Enqueue = %v", err)
		}
		var mu sync.Mutex
		seen := map[string]string{} // message ID -> consumer
		texts := map[string]bool{}
		var wg sync.WaitGroup
		for c := range 4 {
			consumer := fmt.Sprintf("c%d", c)
			wg.Go(func() {
				for {
					got, err := s.Claim(t.Context(), consumer, 3, 0, time.Hour)
					if err != nil {
						t.Errorf("Claim(%s) = %v", consumer, err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, m := range got {
						if other, dup := seen[m.ID]; dup {
							t.Errorf("message %s claimed by %s and %s", m.ID, other, consumer)
						}
						seen[m.ID] = consumer
						texts[m.Text] = true
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != n || len(texts) != n {
			t.Errorf("claimed %d ids, %d texts; want %d of each", len(seen), len(texts), n)
		}
	})

	t.Run("IdleMessageTakenOver", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		want := msg(5, "dead worker's")
		if err := s.Enqueue(ctx, want); err != nil {
			t.Fatalf("Enqueue = %v", err)
		}
		first := claim(t, s, "dead", 10, time.Hour)
		if len(first) != 1 {
			t.Fatalf("Claim = %v, want 1 message", first)
		}
		// The worker dies without Ack. After minIdle another takes over
		// the same message.
		var got []store.OutboxMessage
		testkit.Eventually(t, pollTimeout, func() string { return "message of a dead worker not taken over" }, func() bool {
			got = claim(t, s, "alive", 10, 50*time.Millisecond)
			return len(got) > 0
		})
		if len(got) != 1 || got[0].ID != first[0].ID {
			t.Fatalf("Claim by another consumer after minIdle = %v, want message %s", msgIDs(got), first[0].ID)
		}
		wantMsgs(t, got, []store.OutboxMessage{want})
		if err := s.Ack(ctx, got[0].ID); err != nil {
			t.Fatalf("Ack = %v", err)
		}
		if again := claim(t, s, "alive", 10, 0); len(again) != 0 {
			t.Errorf("Claim after Ack = %v, want none", again)
		}
	})

	t.Run("Retry", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		// Two equal messages: both must survive their Retry.
		orig := msg(9, "flaky")
		if err := s.Enqueue(ctx, orig, orig); err != nil {
			t.Fatalf("Enqueue = %v", err)
		}
		got := claim(t, s, "c1", 10, time.Hour)
		if len(got) != 2 {
			t.Fatalf("Claim = %v, want 2 messages", got)
		}
		at := t0.Add(time.Minute)
		for _, m := range got {
			m.Attempts++
			if err := s.Retry(ctx, m.ID, m, at); err != nil {
				t.Fatalf("Retry(%s) = %v", m.ID, err)
			}
		}
		if again := claim(t, s, "c2", 10, 0); len(again) != 0 {
			t.Errorf("Claim of a delayed message = %v, want none", again)
		}
		if st := outboxStats(t, s, t0); st.Delayed != 2 || st.Ready != 0 || st.Pending != 0 {
			t.Errorf("OutboxStats after Retry = %+v, want 2 delayed only", st)
		}
		if n := promote(t, s, at.Add(-time.Millisecond)); n != 0 {
			t.Errorf("PromoteDue(before due) = %d, want 0", n)
		}
		if n := promote(t, s, at); n != 2 {
			t.Errorf("PromoteDue(due) = %d, want 2", n)
		}
		if n := promote(t, s, at); n != 0 {
			t.Errorf("PromoteDue again = %d, want 0", n)
		}
		back := claim(t, s, "c2", 10, time.Hour)
		want := orig
		want.Attempts = 1
		wantMsgs(t, back, []store.OutboxMessage{want, want})
		for _, m := range back {
			if slices.Contains(msgIDs(got), m.ID) {
				t.Errorf("retried message kept its old ID %s", m.ID)
			}
		}
		if st := outboxStats(t, s, t0); st.Delayed != 0 || st.Pending != 2 {
			t.Errorf("OutboxStats after promotion = %+v, want 2 pending", st)
		}
	})

	t.Run("PromoteConcurrently", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		const n = 120
		msgs := make([]store.OutboxMessage, n)
		for i := range msgs {
			msgs[i] = msg(int64(i), fmt.Sprint(i))
		}
		if err := s.Enqueue(ctx, msgs...); err != nil {
			t.Fatalf("Enqueue = %v", err)
		}
		for _, m := range claim(t, s, "c1", n, time.Hour) {
			if err := s.Retry(ctx, m.ID, m, t0); err != nil {
				t.Fatalf("Retry = %v", err)
			}
		}
		var mu sync.Mutex
		total := 0
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				k, err := s.PromoteDue(ctx, t0)
				if err != nil {
					t.Errorf("PromoteDue = %v", err)
				}
				mu.Lock()
				total += k
				mu.Unlock()
			})
		}
		wg.Wait()
		if total != n {
			t.Errorf("concurrent PromoteDue moved %d in all, want %d", total, n)
		}
		if got := claim(t, s, "c2", 2*n, time.Hour); len(got) != n {
			t.Errorf("Claim after promotion = %d messages, want %d", len(got), n)
		}
	})

	t.Run("Bury", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		if got := deadLetters(t, s, 10); len(got) != 0 {
			t.Errorf("DeadLetters on an empty outbox = %v, want none", got)
		}
		var want []store.DeadLetter
		for i := range 3 {
			if err := s.Enqueue(ctx, msg(int64(i), fmt.Sprint("doomed ", i))); err != nil {
				t.Fatalf("Enqueue = %v", err)
			}
			got := claim(t, s, "c1", 10, time.Hour)
			if len(got) != 1 {
				t.Fatalf("Claim = %v, want 1 message", got)
			}
			d := store.DeadLetter{Message: got[0], Reason: fmt.Sprint("blocked ", i), At: t0.Add(time.Duration(i) * time.Second)}
			if err := s.Bury(ctx, got[0].ID, d); err != nil {
				t.Fatalf("Bury = %v", err)
			}
			want = append([]store.DeadLetter{d}, want...) // newest first
		}
		if got := claim(t, s, "c2", 10, 0); len(got) != 0 {
			t.Errorf("Claim after Bury = %v, want none", got)
		}
		got := deadLetters(t, s, 10)
		if len(got) != len(want) {
			t.Fatalf("DeadLetters(10) = %d letters, want %d", len(got), len(want))
		}
		for i := range want {
			if !equalDead(got[i], want[i]) {
				t.Errorf("DeadLetters[%d] =\n %+v\nwant\n %+v", i, got[i], want[i])
			}
		}
		if got := deadLetters(t, s, 1); len(got) != 1 || got[0].Reason != "blocked 2" {
			t.Errorf("DeadLetters(1) = %+v, want the newest", got)
		}
		if got := deadLetters(t, s, 0); len(got) != 0 {
			t.Errorf("DeadLetters(0) = %+v, want none", got)
		}
		if st := outboxStats(t, s, t0); st != (store.OutboxStats{Dead: 3}) {
			t.Errorf("OutboxStats = %+v, want 3 dead only", st)
		}
	})

	t.Run("EnqueueOnce", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		msgs := []store.OutboxMessage{msg(42, "digest 1/2"), msg(42, "digest 2/2")}
		once := store.Once{Key: "digest:daily:x:42", TTL: time.Hour, CursorChat: 42, Cursor: t0}
		if ok, err := s.EnqueueOnce(ctx, once, msgs...); err != nil || !ok {
			t.Fatalf("EnqueueOnce = %t, %v; want true", ok, err)
		}
		again := once
		again.Cursor = t0.Add(time.Hour)
		if ok, err := s.EnqueueOnce(ctx, again, msgs...); err != nil || ok {
			t.Fatalf("EnqueueOnce again = %t, %v; want false", ok, err)
		}
		wantMsgs(t, claim(t, s, "c1", 10, time.Hour), msgs)
		wantCursors(t, s, []int64{42, 43}, map[int64]time.Time{42: t0})

		// Without CursorChat no cursor moves; messages still go.
		other := store.Once{Key: "announce:1:lyon:42", TTL: time.Hour, Cursor: t0.Add(time.Hour)}
		if ok, err := s.EnqueueOnce(ctx, other, msg(43, "news")); err != nil || !ok {
			t.Fatalf("EnqueueOnce(other key) = %t, %v; want true", ok, err)
		}
		wantMsgs(t, claim(t, s, "c1", 10, time.Hour), []store.OutboxMessage{msg(43, "news")})
		wantCursors(t, s, []int64{42, 43}, map[int64]time.Time{42: t0})

		// A big batch goes in one call.
		big := make([]store.OutboxMessage, 500)
		for i := range big {
			big[i] = msg(int64(1000+i), fmt.Sprint("part ", i))
		}
		ms := t0.Add(90*time.Minute + 1234*time.Microsecond) // cursors keep whole ms
		if ok, err := s.EnqueueOnce(ctx, store.Once{Key: "big", TTL: time.Hour, CursorChat: 7, Cursor: ms}, big...); err != nil || !ok {
			t.Fatalf("EnqueueOnce(500 messages) = %t, %v; want true", ok, err)
		}
		wantMsgs(t, claim(t, s, "c1", 1000, time.Hour), big)
		wantCursors(t, s, []int64{7}, map[int64]time.Time{7: ms.Truncate(time.Millisecond)})
		wantCursors(t, s, nil, map[int64]time.Time{})
	})

	t.Run("EnqueueOnceConcurrently", func(t *testing.T) {
		s := newStore(t)
		msgs := []store.OutboxMessage{msg(1, "a"), msg(1, "b"), msg(1, "c")}
		once := store.Once{Key: "race", TTL: time.Hour, CursorChat: 1, Cursor: t0}
		var mu sync.Mutex
		wins := 0
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				ok, err := s.EnqueueOnce(t.Context(), once, msgs...)
				if err != nil {
					t.Errorf("EnqueueOnce = %v", err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("%d of 8 concurrent EnqueueOnce enqueued, want 1", wins)
		}
		if got := claim(t, s, "c1", 100, time.Hour); len(got) != len(msgs) {
			t.Errorf("claimed %d messages, want %d", len(got), len(msgs))
		}
	})

	t.Run("Stats", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		now := time.Now()
		if st := outboxStats(t, s, now); st != (store.OutboxStats{}) {
			t.Errorf("OutboxStats of an empty outbox = %+v, want zero", st)
		}
		msgs := make([]store.OutboxMessage, 5)
		for i := range msgs {
			msgs[i] = msg(int64(i), fmt.Sprint(i))
			msgs[i].CreatedAt = now.Add(-time.Hour)
		}
		if err := s.Enqueue(ctx, msgs...); err != nil {
			t.Fatalf("Enqueue = %v", err)
		}
		st := outboxStats(t, s, now)
		if st.Ready != 5 || st.Pending != 0 || st.Delayed != 0 || st.Dead != 0 {
			t.Errorf("OutboxStats after Enqueue = %+v, want 5 ready", st)
		}
		if st.OldestAge < time.Hour || st.OldestAge > 2*time.Hour {
			t.Errorf("OldestAge = %s, want about 1h", st.OldestAge)
		}
		got := claim(t, s, "c1", 3, time.Hour)
		if len(got) != 3 {
			t.Fatalf("Claim(3) = %d messages", len(got))
		}
		if st := outboxStats(t, s, now); st.Ready != 2 || st.Pending != 3 {
			t.Errorf("OutboxStats after Claim = %+v, want 2 ready, 3 pending", st)
		}
		if err := s.Retry(ctx, got[0].ID, got[0], now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.Bury(ctx, got[1].ID, store.DeadLetter{Message: got[1], Reason: "x", At: now}); err != nil {
			t.Fatal(err)
		}
		if err := s.Ack(ctx, got[2].ID); err != nil {
			t.Fatal(err)
		}
		st = outboxStats(t, s, now)
		if st.Ready != 2 || st.Pending != 0 || st.Delayed != 1 || st.Dead != 1 {
			t.Errorf("OutboxStats after Retry, Bury, Ack = %+v, want 2 ready, 1 delayed, 1 dead", st)
		}
		// Only the delayed message is left: its age still counts.
		for _, m := range claim(t, s, "c1", 10, time.Hour) {
			if err := s.Ack(ctx, m.ID); err != nil {
				t.Fatal(err)
			}
		}
		st = outboxStats(t, s, now)
		if st.Ready != 0 || st.Delayed != 1 || st.OldestAge < time.Hour || st.OldestAge > 2*time.Hour {
			t.Errorf("OutboxStats with only a delayed message = %+v, want 1 delayed about 1h old", st)
		}
	})
}

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

func testActiveSubscribersAfter(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	ids := []int64{11, -1001234567890, 3, -5, 7, 10, 8, 9}
	subs := map[int64]store.Subscriber{}
	for _, id := range ids {
		sub := store.NewSubscriber(id, "private", store.LangEN, t0)
		if id != 10 { // 10 follows no city and is active all the same
			sub.Cities = []string{"lyon"}
		}
		if id < 0 {
			sub.ChatType = "supergroup"
		}
		saveSub(t, s, sub)
		subs[id] = sub
	}
	if err := s.SetActive(ctx, 8, false, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteSubscriber(ctx, 9); err != nil {
		t.Fatal(err)
	}
	inactive := store.NewSubscriber(12, "private", store.LangEN, t0)
	inactive.Active = false
	saveSub(t, s, inactive)

	page := func(after int64, limit int) []int64 {
		t.Helper()
		got, err := s.ActiveSubscribersAfter(ctx, after, limit)
		if err != nil {
			t.Fatalf("ActiveSubscribersAfter(%d, %d) = %v", after, limit, err)
		}
		out := make([]int64, len(got))
		for i, sub := range got {
			out[i] = sub.ChatID
			if !equalSub(sub, subs[sub.ChatID]) {
				t.Errorf("ActiveSubscribersAfter: record\n %+v\nwant\n %+v", sub, subs[sub.ChatID])
			}
		}
		return out
	}
	walk := func(limit int) []int64 {
		t.Helper()
		var all []int64
		after := int64(math.MinInt64)
		for range 100 {
			p := page(after, limit)
			if len(p) == 0 {
				return all
			}
			if len(p) > limit {
				t.Fatalf("page of %d, limit %d", len(p), limit)
			}
			all = append(all, p...)
			after = p[len(p)-1]
		}
		t.Fatal("paging does not end")
		return nil
	}
	want := []int64{-1001234567890, -5, 3, 7, 10, 11}
	for _, limit := range []int{1, 2, 4, 100} {
		if got := walk(limit); !slices.Equal(got, want) {
			t.Errorf("pages of %d = %v, want %v", limit, got, want)
		}
	}
	if got := page(0, 2); !slices.Equal(got, []int64{3, 7}) {
		t.Errorf("ActiveSubscribersAfter(0, 2) = %v, want [3 7]", got)
	}
	if got := page(11, 10); len(got) != 0 {
		t.Errorf("ActiveSubscribersAfter(last) = %v, want none", got)
	}
	if got := page(math.MinInt64, 0); len(got) != 0 {
		t.Errorf("ActiveSubscribersAfter(limit 0) = %v, want none", got)
	}

	// Reactivated, and deactivated by SaveSubscriber, are followed.
	if err := s.SetActive(ctx, 8, true, t0); err != nil {
		t.Fatal(err)
	}
	off := subs[-5]
	off.Active = false
	saveSub(t, s, off)
	got := walk(3)
	if want := []int64{-1001234567890, 3, 7, 8, 10, 11}; !slices.Equal(got, want) {
		t.Errorf("after SetActive(8, true) and saving -5 inactive: %v, want %v", got, want)
	}
}

func testEventsStartingBetween(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	event := func(title string, starts time.Time) store.Post {
		p := post(title, store.KindEvent, "lyon", t0.Add(-24*time.Hour))
		p.StartsAt = &starts
		return createPost(t, s, p)
	}
	event("at 0", t0)
	event("at 1h", t0.Add(time.Hour))
	event("at 2h a", t0.Add(2*time.Hour))
	event("at 2h b", t0.Add(2*time.Hour))
	event("at 3h", t0.Add(3*time.Hour))
	createPost(t, s, post("not an event", store.KindVisit, "lyon", t0.Add(time.Hour)))
	createPost(t, s, post("no start", store.KindEvent, "lyon", t0.Add(time.Hour)))

	for _, tc := range []struct {
		from, to time.Time
		want     []string
	}{
		{t0, t0.Add(2 * time.Hour), []string{"at 0", "at 1h"}},
		{t0.Add(time.Millisecond), t0.Add(2*time.Hour + time.Millisecond), []string{"at 1h", "at 2h a", "at 2h b"}},
		{t0.Add(2 * time.Hour), t0.Add(3 * time.Hour), []string{"at 2h a", "at 2h b"}},
		{t0.Add(-time.Hour), t0.Add(24 * time.Hour), []string{"at 0", "at 1h", "at 2h a", "at 2h b", "at 3h"}},
		{t0.Add(time.Hour), t0.Add(time.Hour), nil},
		{t0.Add(2 * time.Hour), t0, nil},
		{t0.Add(4 * time.Hour), t0.Add(5 * time.Hour), nil},
	} {
		got, err := s.EventsStartingBetween(ctx, tc.from, tc.to)
		if err != nil {
			t.Fatalf("EventsStartingBetween = %v", err)
		}
		if !slices.Equal(titles(got), tc.want) {
			t.Errorf("EventsStartingBetween(%s, %s) = %v, want %v",
				tc.from.Sub(t0), tc.to.Sub(t0), titles(got), tc.want)
		}
	}
}

func testMarkOnce(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	mark := func(key string, ttl time.Duration) bool {
		t.Helper()
		ok, err := s.MarkOnce(ctx, key, ttl)
		if err != nil {
			t.Fatalf("MarkOnce(%q) = %v", key, err)
		}
		return ok
	}
	if !mark("reminder:42", time.Hour) {
		t.Error("MarkOnce(new) = false, want true")
	}
	if mark("reminder:42", time.Hour) {
		t.Error("MarkOnce(set) = true, want false")
	}
	if !mark("reminder:43", time.Hour) {
		t.Error("MarkOnce(other key) = false, want true")
	}
	if !mark("short", 50*time.Millisecond) {
		t.Error("MarkOnce(short) = false, want true")
	}
	testkit.Eventually(t, pollTimeout, func() string { return "MarkOnce flag still set after its TTL" }, func() bool {
		return mark("short", time.Hour)
	})
}

// msg returns an outbox message fixture.
func msg(chatID int64, text string) store.OutboxMessage {
	return store.OutboxMessage{Kind: store.MsgDigest, ChatID: chatID, Text: text, CreatedAt: t0, Ref: "daily:x"}
}

// claim claims without waiting.
func claim(t *testing.T, s store.Store, consumer string, max int, minIdle time.Duration) []store.OutboxMessage {
	t.Helper()
	got, err := s.Claim(t.Context(), consumer, max, 0, minIdle)
	if err != nil {
		t.Fatalf("Claim(%s, %d) = %v", consumer, max, err)
	}
	return got
}

func promote(t *testing.T, s store.Store, now time.Time) int {
	t.Helper()
	n, err := s.PromoteDue(t.Context(), now)
	if err != nil {
		t.Fatalf("PromoteDue = %v", err)
	}
	return n
}

func outboxStats(t *testing.T, s store.Store, now time.Time) store.OutboxStats {
	t.Helper()
	st, err := s.OutboxStats(t.Context(), now)
	if err != nil {
		t.Fatalf("OutboxStats = %v", err)
	}
	return st
}

func deadLetters(t *testing.T, s store.Store, limit int) []store.DeadLetter {
	t.Helper()
	got, err := s.DeadLetters(t.Context(), limit)
	if err != nil {
		t.Fatalf("DeadLetters(%d) = %v", limit, err)
	}
	return got
}

func msgIDs(msgs []store.OutboxMessage) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

// wantMsgs checks got against want in order, ignoring IDs.
func wantMsgs(t *testing.T, got, want []store.OutboxMessage) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !equalMsg(got[i], want[i]) {
			t.Errorf("message %d =\n %+v\nwant\n %+v", i, got[i], want[i])
		}
	}
}

func equalMsg(a, b store.OutboxMessage) bool {
	return reflect.DeepEqual(normMsg(a), normMsg(b))
}

func normMsg(m store.OutboxMessage) store.OutboxMessage {
	m.ID = ""
	m.CreatedAt = m.CreatedAt.UTC()
	return m
}

func equalDead(a, b store.DeadLetter) bool {
	return equalMsg(a.Message, b.Message) && a.Reason == b.Reason && a.At.Equal(b.At)
}

func wantCursors(t *testing.T, s store.Store, ids []int64, want map[int64]time.Time) {
	t.Helper()
	got, err := s.DigestCursors(t.Context(), ids)
	if err != nil {
		t.Fatalf("DigestCursors(%v) = %v", ids, err)
	}
	if len(got) != len(want) {
		t.Errorf("DigestCursors(%v) = %v, want %v", ids, got, want)
		return
	}
	for id, w := range want {
		if g, ok := got[id]; !ok || !g.Equal(w) {
			t.Errorf("DigestCursors(%v)[%d] = %v, want %v", ids, id, g, w)
		}
	}
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
