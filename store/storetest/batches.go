package storetest

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// testAckMany: one call settles a batch, counts it in the runs' figures,
// skips runs that do not exist, and is harmless when repeated.
func testAckMany(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	if err := s.AckMany(ctx, nil); err != nil {
		t.Fatalf("AckMany(nothing) = %v", err)
	}
	run := startRun(t, s, store.DigestRun{Key: "daily:2030-05-01T09:00:00Z", Frequency: store.FreqDaily,
		Slot: t0, StartedAt: t0, Cursor: math.MinInt64})
	if err := s.Enqueue(ctx, msg(1, "one"), msg(2, "two"), msg(3, "three"), msg(4, "four"), msg(5, "five")); err != nil {
		t.Fatalf("Enqueue = %v", err)
	}
	got := claim(t, s, "c1", 10, time.Hour)
	if len(got) != 5 {
		t.Fatalf("claimed %d messages, want 5", len(got))
	}
	batch := []store.Settled{
		{ID: got[0].ID, RunKey: run.Key, Sent: true},
		{ID: got[1].ID, RunKey: run.Key, Sent: true},
		{ID: got[2].ID, RunKey: "daily:no-such-run", Sent: true},
		{RunKey: run.Key}, // buried: counted as failed, nothing to remove
		{ID: got[3].ID},
	}
	if err := s.AckMany(ctx, batch); err != nil {
		t.Fatalf("AckMany = %v", err)
	}
	if st := outboxStats(t, s, time.Now()); st.Pending != 1 || st.Ready != 0 || st.Dead != 0 {
		t.Errorf("outbox after AckMany of 4 of 5 = %+v, want 1 pending", st)
	}
	if r := getRun(t, s, run.Key); r.Sent != 2 || r.Failed != 1 {
		t.Errorf("run figures = sent %d, failed %d; want 2 and 1", r.Sent, r.Failed)
	}
	// Only the message not settled comes back to another consumer.
	if again := claim(t, s, "c2", 10, 0); len(again) != 1 || again[0].ChatID != 5 {
		t.Errorf("Claim of idle messages after AckMany = %v, want chat 5's alone", msgIDs(again))
	}
	// Acknowledging again removes nothing more; only the counts move.
	if err := s.AckMany(ctx, batch[:2]); err != nil {
		t.Fatalf("AckMany again = %v", err)
	}
	if st := outboxStats(t, s, time.Now()); st.Pending != 1 {
		t.Errorf("outbox after a repeated AckMany = %+v, want the 1 pending", st)
	}
}

// testEnqueueOnceMany: each item behaves as EnqueueOnce, in order, and a
// key set before (or earlier in the same call) skips its item.
func testEnqueueOnceMany(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	if got, err := s.EnqueueOnceMany(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("EnqueueOnceMany(nothing) = %v, %v", got, err)
	}
	if ok, err := s.EnqueueOnce(ctx, store.Once{Key: "digest:r:2", TTL: time.Hour, CursorChat: 2, Cursor: t0}, msg(2, "earlier")); err != nil || !ok {
		t.Fatalf("EnqueueOnce = %t, %v", ok, err)
	}
	later := t0.Add(24 * time.Hour)
	item := func(chat int64, texts ...string) store.OnceMessages {
		it := store.OnceMessages{Once: store.Once{Key: fmt.Sprintf("digest:r:%d", chat), TTL: time.Hour, CursorChat: chat, Cursor: later}}
		for _, x := range texts {
			it.Msgs = append(it.Msgs, msg(chat, x))
		}
		return it
	}
	noCursor := store.OnceMessages{Once: store.Once{Key: "announce:9:chat:4", TTL: time.Hour}, Msgs: []store.OutboxMessage{msg(4, "news")}}
	items := []store.OnceMessages{item(1, "one 1/2", "one 2/2"), item(2, "two again"), item(3, "three"), noCursor, item(3, "three twice")}
	got, err := s.EnqueueOnceMany(ctx, items)
	if err != nil {
		t.Fatalf("EnqueueOnceMany = %v", err)
	}
	if want := []bool{true, false, true, true, false}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("EnqueueOnceMany = %v, want %v", got, want)
	}
	wantMsgs(t, claim(t, s, "c1", 10, time.Hour), []store.OutboxMessage{msg(2, "earlier"),
		msg(1, "one 1/2"), msg(1, "one 2/2"), msg(3, "three"), msg(4, "news")})
	wantCursors(t, s, []int64{1, 2, 3, 4}, map[int64]time.Time{1: later, 2: t0, 3: later})
	if again, err := s.EnqueueOnceMany(ctx, items[:1]); err != nil || len(again) != 1 || again[0] {
		t.Errorf("EnqueueOnceMany repeated = %v, %v; want [false]", again, err)
	}
	if _, err := s.EnqueueOnceMany(ctx, []store.OnceMessages{{Msgs: []store.OutboxMessage{msg(5, "x")}}}); err == nil {
		t.Error("EnqueueOnceMany with an empty key succeeded")
	}
	// A message with a NotBefore waits with the delayed ones, as it does
	// from EnqueueOnce.
	held := msg(6, "held")
	held.NotBefore = time.Now().Add(time.Hour)
	if ok, err := s.EnqueueOnceMany(ctx, []store.OnceMessages{{Once: store.Once{Key: "held:6", TTL: time.Hour}, Msgs: []store.OutboxMessage{held}}}); err != nil || !ok[0] {
		t.Fatalf("EnqueueOnceMany(held) = %v, %v", ok, err)
	}
	if got := claim(t, s, "c2", 10, time.Hour); len(got) != 0 {
		t.Errorf("a held message was claimed at once: %+v", got)
	}
	if st := outboxStats(t, s, time.Now()); st.Delayed != 1 {
		t.Errorf("OutboxStats = %+v, want the held message delayed", st)
	}
}
