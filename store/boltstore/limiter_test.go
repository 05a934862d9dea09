package boltstore

import (
	"context"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/scheduler"
)

// The limiter implements the scheduler's interface; checked here so that
// boltstore itself does not import the scheduler.
var _ scheduler.Limiter = (*Limiter)(nil)

// fakeClock is a settable clock for the limiter and the store.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestLimiter(rate int, share float64) (*Limiter, *fakeClock) {
	clock := &fakeClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLimiter(rate, share)
	l.now = clock.now
	return l, clock
}

func reserve(t *testing.T, l *Limiter, chatID int64, group, bulk bool) time.Duration {
	t.Helper()
	d, err := l.Reserve(t.Context(), chatID, group, bulk)
	if err != nil {
		t.Fatalf("Reserve(%d) = %v", chatID, err)
	}
	return d
}

func TestLimiterPrivateChat(t *testing.T) {
	l, clock := newTestLimiter(25, 0.8)
	if d := reserve(t, l, 7, false, true); d != 0 {
		t.Fatalf("first bulk Reserve(7) = %s, want 0", d)
	}
	d := reserve(t, l, 7, false, true)
	if d <= 0 || d > time.Second {
		t.Fatalf("second bulk Reserve(7) at once = %s, want a wait of at most 1s", d)
	}
	// Other chats are not held up by chat 7.
	if d := reserve(t, l, 8, false, true); d != 0 {
		t.Errorf("bulk Reserve(8) = %s, want 0", d)
	}
	// Waiting as told is enough.
	clock.advance(d)
	if d := reserve(t, l, 7, false, true); d != 0 {
		t.Errorf("bulk Reserve(7) after waiting = %s, want 0", d)
	}
}

func TestLimiterGroupBurst(t *testing.T) {
	l, clock := newTestLimiter(300, 0.8) // global and bulk bursts above 3
	for i := range 3 {
		if d := reserve(t, l, -100, true, true); d != 0 {
			t.Fatalf("group message %d = %s, want 0 (burst of 3)", i, d)
		}
	}
	d := reserve(t, l, -100, true, true)
	if d <= 0 || d > 3*time.Second {
		t.Fatalf("fourth group message = %s, want a wait of up to 3s (20/min)", d)
	}
	clock.advance(d)
	if d := reserve(t, l, -100, true, true); d != 0 {
		t.Errorf("group message after waiting = %s, want 0", d)
	}
}

func TestLimiterRepliesSkipChatLimit(t *testing.T) {
	l, _ := newTestLimiter(300, 0.8)
	for i := range 5 {
		if d := reserve(t, l, 7, false, false); d != 0 {
			t.Fatalf("reply %d to chat 7 = %s, want 0: replies only count globally", i, d)
		}
	}
}

func TestLimiterBulkShareLeavesRoom(t *testing.T) {
	// Rate 100, bulk 50: bursts of a tenth of a second, 10 and 5.
	l, _ := newTestLimiter(100, 0.5)
	bulk := 0
	for chat := range int64(100) {
		if reserve(t, l, chat, false, true) == 0 {
			bulk++
		}
	}
	if bulk != 5 {
		t.Errorf("bulk messages allowed at once = %d, want 5 (the bulk burst)", bulk)
	}
	replies := 0
	for chat := range int64(100) {
		if reserve(t, l, 1000+chat, false, false) == 0 {
			replies++
		}
	}
	if replies != 5 {
		t.Errorf("replies allowed after the bulk share ran out = %d, want the other 5", replies)
	}
	if d := reserve(t, l, 5000, false, false); d <= 0 {
		t.Errorf("reply beyond the global rate = %s, want a wait", d)
	}
}

func TestLimiterWaitingUsesNothing(t *testing.T) {
	// A bulk message held by its chat's limit must not eat the global
	// rate: everyone else still gets it.
	l, _ := newTestLimiter(100, 1) // bursts of 10
	if d := reserve(t, l, 7, false, true); d != 0 {
		t.Fatalf("first = %s", d)
	}
	for range 100 {
		if d := reserve(t, l, 7, false, true); d <= 0 {
			t.Fatalf("repeat to chat 7 = %s, want a wait", d)
		}
	}
	ok := 0
	for chat := range int64(20) {
		if reserve(t, l, 100+chat, false, true) == 0 {
			ok++
		}
	}
	if ok != 9 {
		t.Errorf("other chats allowed = %d, want the 9 tokens left", ok)
	}
}

func TestLimiterPauseOnlyExtends(t *testing.T) {
	l, clock := newTestLimiter(25, 0.8)
	ctx := t.Context()
	if err := l.Pause(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := l.Pause(ctx, time.Second); err != nil {
		t.Fatal(err)
	}
	for _, bulk := range []bool{true, false} {
		if d := reserve(t, l, 1, false, bulk); d != 10*time.Second {
			t.Errorf("Reserve(bulk=%t) during the pause = %s, want 10s: a shorter pause must not win", bulk, d)
		}
	}
	clock.advance(4 * time.Second)
	if err := l.Pause(ctx, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if d := reserve(t, l, 1, false, true); d != 20*time.Second {
		t.Errorf("Reserve after a longer pause = %s, want 20s", d)
	}
	if err := l.Pause(ctx, -time.Second); err != nil {
		t.Errorf("Pause(negative) = %v", err)
	}
	clock.advance(20 * time.Second)
	if d := reserve(t, l, 1, false, true); d != 0 {
		t.Errorf("Reserve after the pause = %s, want 0", d)
	}
}

func TestLimiterForgetsIdleChats(t *testing.T) {
	l, clock := newTestLimiter(1000, 1)
	for chat := range int64(500) {
		reserve(t, l, chat, chat%2 == 0, true)
		clock.advance(time.Millisecond)
	}
	if n := len(l.chats); n != 500 {
		t.Fatalf("chats tracked = %d, want 500", n)
	}
	clock.advance(2 * chatIdle)
	reserve(t, l, 9999, false, true)
	if n := len(l.chats); n != 1 {
		t.Errorf("chats tracked after %s idle = %d, want 1", 2*chatIdle, n)
	}
}

func TestLimiterCancelledContext(t *testing.T) {
	l := NewLimiter(0, 0) // defaults
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := l.Reserve(ctx, 1, false, true); err == nil {
		t.Error("Reserve with a cancelled context succeeded")
	}
}
