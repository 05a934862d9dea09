// Package pacingtest is the contract of pacing.Buckets: the sending policy
// run over every backend's buckets must pace exactly alike. Each backend's
// tests call Run; the clock is injected, so nothing here waits.
package pacingtest

import (
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store/pacing"
)

// Run runs the suite; newBuckets returns empty buckets for each subtest.
func Run(t *testing.T, newBuckets func(t *testing.T) pacing.Buckets) {
	for _, tc := range append(cases, priorityCases...) {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, &rig{t: t, b: newBuckets(t), now: t0}) })
	}
}

var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// rig is a limiter (or two, standing for two replicas) over one set of
// buckets, with a clock the test moves.
type rig struct {
	t   *testing.T
	b   pacing.Buckets
	now time.Time
}

func (r *rig) limiter(rate int) *pacing.Limiter {
	return pacing.New(r.b, pacing.Config{Rate: rate}).WithClock(func() time.Time { return r.now })
}

func (r *rig) advance(d time.Duration) { r.now = r.now.Add(d) }

func (r *rig) reserve(l *pacing.Limiter, chatID int64, group, bulk bool) time.Duration {
	r.t.Helper()
	d, err := l.Reserve(r.t.Context(), chatID, group, bulk)
	if err != nil {
		r.t.Fatalf("Reserve(%d) = %v", chatID, err)
	}
	return d
}

// allowed counts how many of n chats starting at first may get a message
// now.
func (r *rig) allowed(l *pacing.Limiter, first int64, n int, bulk bool) int {
	r.t.Helper()
	ok := 0
	for chat := first; chat < first+int64(n); chat++ {
		if r.reserve(l, chat, false, bulk) == 0 {
			ok++
		}
	}
	return ok
}

type testCase struct {
	name string
	run  func(t *testing.T, r *rig)
}

var cases = []testCase{
	{"PrivateChatBurstThenOneASecond", func(t *testing.T, r *rig) {
		l := r.limiter(300)
		for _, bulk := range []bool{true, false} { // replies and bulk share the chat's limit
			if d := r.reserve(l, 7, false, bulk); d != 0 {
				t.Fatalf("message to chat 7 within its burst of 2 = %s, want 0", d)
			}
		}
		d := r.reserve(l, 7, false, true)
		if d <= 0 || d > time.Second {
			t.Fatalf("third message to chat 7 at once = %s, want a wait of at most 1s", d)
		}
		if d := r.reserve(l, 8, false, true); d != 0 {
			t.Errorf("chat 8 held up by chat 7: wait %s", d)
		}
		r.advance(d)
		if d := r.reserve(l, 7, false, true); d != 0 {
			t.Errorf("chat 7 after waiting as told = %s, want 0", d)
		}
	}},
	{"GroupTwentyAMinute", func(t *testing.T, r *rig) {
		l := r.limiter(300)
		for i := range 2 {
			if d := r.reserve(l, -100, true, i == 1); d != 0 {
				t.Fatalf("group message %d = %s, want 0 (burst of 2)", i, d)
			}
		}
		d := r.reserve(l, -100, true, false)
		if d <= 2*time.Second || d > 3*time.Second {
			t.Fatalf("third group message = %s, want a wait of up to 3s (20/min)", d)
		}
		r.advance(d)
		if d := r.reserve(l, -100, true, true); d != 0 {
			t.Errorf("group message after waiting = %s, want 0", d)
		}
	}},
	{"BulkLeavesTheRepliesReserve", func(t *testing.T, r *rig) {
		// Rate 100: a burst of 10, of which bulk leaves 1 for replies.
		l := r.limiter(100)
		if n := r.allowed(l, 0, 100, true); n != 9 {
			t.Errorf("bulk messages allowed at once = %d, want 9 (the burst less the reserve)", n)
		}
		if n := r.allowed(l, 1000, 100, false); n != 1 {
			t.Errorf("replies allowed after bulk took what it may = %d, want the reserve of 1", n)
		}
		if d := r.reserve(l, 5000, false, false); d <= 0 || d > 10*time.Millisecond {
			t.Errorf("reply beyond the global rate = %s, want a wait of one token (10ms)", d)
		}
		r.advance(100 * time.Millisecond)
		if n := r.allowed(l, 2000, 100, true); n != 9 {
			t.Errorf("bulk after a tenth of a second = %d, want 9 more", n)
		}
	}},
	{"ReplicasShareBuckets", func(t *testing.T, r *rig) {
		a, b := r.limiter(100), r.limiter(100)
		n := 0
		for chat := range int64(50) {
			l := a
			if chat%2 == 1 {
				l = b
			}
			if r.reserve(l, chat, false, true) == 0 {
				n++
			}
		}
		if n != 9 {
			t.Errorf("bulk messages allowed across two replicas = %d, want the one bulk burst of 9", n)
		}
		if d := r.reserve(b, 100, false, false); d != 0 {
			t.Errorf("reply on replica b after replica a's bulk = %s, want the shared reserve at once", d)
		}
		if d := r.reserve(a, 101, false, false); d <= 0 {
			t.Errorf("second reply on replica a = %s, want a wait: the reserve is one token for both", d)
		}
	}},
	{"WaitingTakesNothing", func(t *testing.T, r *rig) {
		// A message held by its chat's limit must not eat the global rate.
		l := r.limiter(100) // bursts of 10, 9 for bulk
		for range 2 {
			r.reserve(l, 7, false, true)
		}
		for range 100 {
			if d := r.reserve(l, 7, false, true); d <= 0 {
				t.Fatalf("repeat to chat 7 = %s, want a wait", d)
			}
		}
		if n := r.allowed(l, 100, 20, true); n != 7 {
			t.Errorf("other chats allowed = %d, want the 7 bulk tokens left", n)
		}
	}},
	{"PauseOnlyExtends", func(t *testing.T, r *rig) {
		l := r.limiter(25)
		ctx := t.Context()
		if err := l.Pause(ctx, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		if err := l.Pause(ctx, time.Second); err != nil {
			t.Fatal(err)
		}
		for _, bulk := range []bool{true, false} {
			if d := r.reserve(l, 1, false, bulk); d != 10*time.Second {
				t.Errorf("Reserve(bulk=%t) during the pause = %s, want 10s: a shorter pause must not win", bulk, d)
			}
		}
		r.advance(4 * time.Second)
		if err := l.Pause(ctx, 20*time.Second); err != nil {
			t.Fatal(err)
		}
		if d := r.reserve(l, 1, false, true); d != 20*time.Second {
			t.Errorf("Reserve after a longer pause = %s, want 20s", d)
		}
		r.advance(20 * time.Second)
		if d := r.reserve(l, 1, false, true); d != 0 {
			t.Errorf("Reserve after the pause = %s, want 0", d)
		}
	}},
	{"FloodOfOneChatHoldsThatChat", func(t *testing.T, r *rig) {
		l := r.limiter(25)
		global, err := l.Flood(t.Context(), -100, 43*time.Second)
		if err != nil || global {
			t.Fatalf("Flood(-100) = %t, %v; want a chat pause", global, err)
		}
		if d := r.reserve(l, -100, true, false); d != 43*time.Second {
			t.Errorf("the flooded group waits %s, want 43s", d)
		}
		if d := r.reserve(l, 7, false, false); d != 0 {
			t.Errorf("another resident's reply waits %s during one group's flood pause, want 0", d)
		}
		// The same chat again is still that chat's limit.
		r.advance(2 * time.Second)
		if global, _ := l.Flood(t.Context(), -100, 41*time.Second); global {
			t.Error("a second 429 for the same chat paused everyone")
		}
		r.advance(41 * time.Second)
		if d := r.reserve(l, -100, true, false); d != 0 {
			t.Errorf("group after its pause = %s, want 0", d)
		}
	}},
	{"FloodOfTwoChatsHoldsEveryone", func(t *testing.T, r *rig) {
		l := r.limiter(25)
		if global, _ := l.Flood(t.Context(), 7, 3*time.Second); global {
			t.Fatal("first 429 paused everyone")
		}
		r.advance(200 * time.Millisecond)
		global, err := l.Flood(t.Context(), 8, 5*time.Second)
		if err != nil || !global {
			t.Fatalf("429s for two chats within a second: Flood = %t, %v; want a global pause", global, err)
		}
		if d := r.reserve(l, 9, false, true); d != 5*time.Second {
			t.Errorf("a third chat waits %s, want 5s", d)
		}
	}},
	{"FloodsFarApartStayPerChat", func(t *testing.T, r *rig) {
		l := r.limiter(25)
		l.Flood(t.Context(), 7, time.Second)
		r.advance(3 * time.Second)
		if global, _ := l.Flood(t.Context(), 8, time.Second); global {
			t.Error("429s for two chats three seconds apart paused everyone")
		}
		if d := r.reserve(l, 9, false, true); d != 0 {
			t.Errorf("a third chat waits %s, want 0", d)
		}
	}},
}
