package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

func outboxEnqueueOnce(t *testing.T, newStore func(t *testing.T) store.Store) {
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
}

func outboxEnqueueOnceConcurrently(t *testing.T, newStore func(t *testing.T) store.Store) {
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
}

func outboxStatsCounts(t *testing.T, newStore func(t *testing.T) store.Store) {
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
}
