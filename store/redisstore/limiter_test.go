package redisstore

import (
	"testing"
	"time"
)

func TestLimiterSharesRateAndPause(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	// Rate 100, bulk 50: bursts of a tenth of a second, 10 and 5. Two
	// limiters on one Redis stand for two replicas.
	a, b := s.Limiter(LimiterConfig{Rate: 100, BulkShare: 0.5}), s.Limiter(LimiterConfig{Rate: 100, BulkShare: 0.5})
	began := time.Now()
	bulk := 0
	for chat := range int64(50) {
		l := a
		if chat%2 == 1 {
			l = b
		}
		if d, err := l.Reserve(ctx, chat, false, true); err != nil {
			t.Fatal(err)
		} else if d == 0 {
			bulk++
		}
	}
	// Tokens refill while the loop runs; allow exactly what refilled.
	if limit := 5 + int(50*time.Since(began).Seconds()) + 1; bulk < 5 || bulk > limit {
		t.Errorf("bulk messages allowed across replicas = %d, want between the burst of 5 and %d", bulk, limit)
	}
	replies := 0
	for chat := range int64(50) {
		if d, _ := a.Reserve(ctx, 1000+chat, false, false); d == 0 {
			replies++
		}
	}
	// Replies find the part of the global burst bulk could not take.
	if limit := 10 + int(100*time.Since(began).Seconds()) + 1; replies < 10-bulk || bulk+replies > limit {
		t.Errorf("bulk %d + replies %d: want replies >= %d and the total <= %d", bulk, replies, 10-bulk, limit)
	}
	// A private chat gets one bulk message a second; replies are not held.
	if d, _ := a.Reserve(ctx, 0, false, true); d <= 0 {
		t.Errorf("second bulk message to chat 0 at once: wait %s, want > 0", d)
	}

	if err := a.Pause(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := b.Pause(ctx, time.Second); err != nil { // must not shorten it
		t.Fatal(err)
	}
	for _, bulk := range []bool{true, false} {
		d, err := b.Reserve(ctx, 4242, false, bulk)
		if err != nil {
			t.Fatal(err)
		}
		if d < 9*time.Second {
			t.Errorf("during a 10s pause (bulk=%v) the other replica waits %s", bulk, d)
		}
	}
}
