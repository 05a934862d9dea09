package storetest

import (
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
