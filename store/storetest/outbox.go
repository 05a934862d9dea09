package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
)

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
