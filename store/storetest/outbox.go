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
	for _, c := range []struct {
		name string
		run  func(*testing.T, func(*testing.T) store.Store)
	}{
		{"EnqueueClaimAck", outboxEnqueueClaimAck},
		{"ConsumersShareNothing", outboxConsumersShareNothing},
		{"IdleMessageTakenOver", outboxIdleMessageTakenOver},
		{"Retry", outboxRetry},
		{"PromoteConcurrently", outboxPromoteConcurrently},
		{"Bury", outboxBury},
		{"EnqueueOnce", outboxEnqueueOnce},
		{"EnqueueOnceConcurrently", outboxEnqueueOnceConcurrently},
		{"Stats", outboxStatsCounts},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore) })
	}
}

func outboxEnqueueClaimAck(t *testing.T, newStore func(t *testing.T) store.Store) {
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
}

func outboxConsumersShareNothing(t *testing.T, newStore func(t *testing.T) store.Store) {
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
}

func outboxIdleMessageTakenOver(t *testing.T, newStore func(t *testing.T) store.Store) {
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
}

func outboxRetry(t *testing.T, newStore func(t *testing.T) store.Store) {
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
}

func outboxPromoteConcurrently(t *testing.T, newStore func(t *testing.T) store.Store) {
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
}

func outboxBury(t *testing.T, newStore func(t *testing.T) store.Store) {
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
}
