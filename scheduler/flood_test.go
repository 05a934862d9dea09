package scheduler_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/pacing"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// A 429 storm hits two replicas' workers sharing one Redis. A 429 holds its
// own chat; once 429s come for a second chat within a second it is the
// bot's global limit, and then no replica's sender is let through before
// retry_after has passed (the pause is shared). Every message is delivered
// exactly once.
//
// Nothing here compares gaps between calls. The limiter and the workers
// read a clock the test moves forward (aheadClock), and the 429s say
// retry_after 30s: a pause lasts until the test ends it, however slow the
// machine. Every limiter call is recorded in causal order (recLimiter), and
// the test checks what the limiter was told and what it answered: each 429
// became a Flood for its chat; no Reserve that began after a Flood returned
// was granted before that Flood's pause ended, for its chat or, when it was
// global, for any chat on either replica; and every sendMessage the fake saw
// was granted by the limiter.
//
// Not parallel: a storm's 429s must reach the limiter within the flood
// window, which Redis keeps for a real second; they come back together,
// and a quiet machine keeps it that way.
func TestFloodWaitPausesEveryReplica(t *testing.T) {
	const (
		chats          = 120
		retryAfterSecs = 30
		retryAfter     = retryAfterSecs * time.Second
	)
	r := newRig(t, 0)
	for id := int64(1); id <= chats; id++ {
		r.enqueue(id, "Flood test message")
	}
	// Sends take a little while and the shared rate is 100 messages a
	// second (all of it bulk's, as nobody writes), so both replicas have sends in flight when the storms hit.
	r.tg.SetDelay("sendMessage", 10*time.Millisecond)
	r.tg.FloodWait("sendMessage", 3, retryAfterSecs)

	clock := &aheadClock{}
	calls := &limiterLog{}
	var promoted atomic.Int64 // retries the replicas' workers moved back to the queue
	replica := func(name string) (*scheduler.Workers, *reasons) {
		st, err := redisstore.Open(context.Background(), r.redis.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		var rec reasons
		lim := &recLimiter{replica: name, l: st.Limiter(pacing.Config{Rate: 100}).WithClock(clock.Now),
			now: clock.Now, log: calls}
		return &scheduler.Workers{Store: countPromoted{shortBlock{st}, &promoted}, Limiter: lim, Now: clock.Now,
			Consumer: name, Count: 3, Events: rec.events()}, &rec
	}
	wa, ra := replica("a")
	wb, rb := replica("b")
	stopA, stopB := r.startWorkers(wa), r.startWorkers(wb)

	// The first storm hits the first sends. Whenever nothing more can go
	// before the clock moves (every message sent or waiting for a retry
	// time), the test moves it past the pauses, which makes every waiting
	// message due, and waits for the workers to take them back; the second
	// storm meets both replicas as they resume after the first.
	for round := 0; ; round++ {
		ob, before := waitQuiet(t, r.st, &promoted)
		if ob.Delayed == 0 {
			break
		}
		if round == 5 {
			t.Fatalf("outbox not drained after %d pauses: %+v", round, ob)
		}
		if round == 0 {
			r.tg.FloodWait("sendMessage", 2, retryAfterSecs)
		}
		due := before + ob.Delayed
		clock.Advance(retryAfter)
		waitFor(t, fmt.Sprintf("the workers to promote the %d retries due after the pause", ob.Delayed),
			func() bool { return promoted.Load() >= due })
	}
	r.waitSettled()
	stopA()
	stopB()

	sends := r.tg.Calls("sendMessage")
	log := calls.all()
	var floods, grants []limiterCall
	for _, c := range log {
		switch {
		case c.err != nil:
			t.Errorf("replica %s: limiter call for chat %d failed: %v", c.replica, c.chat, c.err)
		case c.flood:
			floods = append(floods, c)
		case c.wait == 0:
			grants = append(grants, c)
		}
	}

	// Every 429 was reported to the limiter, for its chat, with its
	// retry_after; and every send the fake saw was let through by it.
	tooMany, sent := map[int64]int{}, map[int64]int{}
	for _, c := range sends {
		id, _ := strconv.ParseInt(c.Param("chat_id"), 10, 64)
		sent[id]++
		if c.Status == 429 {
			tooMany[id]++
		}
	}
	if n := len(floods); n != 5 {
		t.Errorf("the limiter was told of %d floods, want 5 (one per 429)", n)
	}
	flooded, granted := map[int64]int{}, map[int64]int{}
	for _, f := range floods {
		flooded[f.chat]++
		if f.d != retryAfter {
			t.Errorf("Flood(chat %d, %v), want retry_after %v", f.chat, f.d, retryAfter)
		}
	}
	for _, g := range grants {
		granted[g.chat]++
	}
	for id := int64(1); id <= chats; id++ {
		if flooded[id] != tooMany[id] {
			t.Errorf("chat %d: %d sends answered 429, but the limiter was told of %d", id, tooMany[id], flooded[id])
		}
		if granted[id] != sent[id] {
			t.Errorf("chat %d: %d sendMessage calls, but the limiter let %d through", id, sent[id], granted[id])
		}
	}

	// No send was let through while a pause the limiter had been told of
	// was in force. A Reserve that began before the Flood returned may
	// still be granted: that send was under way before the 429 was known.
	// f.before+f.d is at most when f's pause ends, and g.after at least
	// the time g was decided at, so this never fails a correct limiter,
	// however long the calls took.
	globals := 0
	for _, f := range floods {
		if f.global {
			globals++
		}
		for _, g := range grants {
			if g.began > f.ended && (f.global || g.chat == f.chat) && g.after.Before(f.before.Add(f.d)) {
				t.Errorf("replica %s: send to chat %d let through %v after a 429 for chat %d (global %t) with retry_after %v",
					g.replica, g.chat, g.after.Sub(f.before), f.chat, f.global, f.d)
			}
		}
	}
	if globals == 0 {
		t.Error("no 429 was taken for the global limit, though two storms hit several chats at once")
	}
	// And the global pause did hold both replicas: each asked during it
	// and was told to wait until it ends.
	heldBoth := false
	for _, f := range floods {
		if !f.global {
			continue
		}
		held := map[string]bool{}
		for _, c := range log {
			if !c.flood && c.err == nil && c.began > f.ended && c.wait > 0 && !c.after.Add(c.wait).Before(f.before.Add(f.d)) {
				held[c.replica] = true
			}
		}
		heldBoth = heldBoth || held["a"] && held["b"]
	}
	if !heldBoth {
		t.Error("no global pause was seen to hold the senders of both replicas")
	}

	for id := int64(1); id <= chats; id++ {
		if n := len(r.tg.SentTo(id)); n != 1 {
			t.Errorf("chat %d got %d messages, want 1", id, n)
		}
	}
	_, sentA := ra.get()
	_, sentB := rb.get()
	if sentA == 0 || sentB == 0 || sentA+sentB != chats {
		t.Errorf("replica a sent %d, b sent %d: want both to share the %d messages", sentA, sentB, chats)
	}
	if ob, _ := r.st.OutboxStats(context.Background(), time.Now()); ob.Dead != 0 {
		t.Errorf("%d dead letters", ob.Dead)
	}
}

// waitQuiet waits until nothing is ready or claimed: every message was
// sent or waits for a retry time, so nothing more goes out before the
// clock moves. It also returns the count of promoted retries read just
// before those figures, so every delayed one is promoted after it.
func waitQuiet(t *testing.T, st *redisstore.Store, promoted *atomic.Int64) (store.OutboxStats, int64) {
	t.Helper()
	var ob store.OutboxStats
	var before int64
	var err error
	testkit.Eventually(t, wait, func() string { return fmt.Sprintf("outbox still busy: %+v %v", ob, err) }, func() bool {
		before = promoted.Load()
		ob, err = st.OutboxStats(context.Background(), time.Now())
		return err == nil && ob.Ready == 0 && ob.Pending == 0
	})
	return ob, before
}

// countPromoted counts the retries the workers promote.
type countPromoted struct {
	shortBlock
	n *atomic.Int64
}

func (c countPromoted) PromoteDue(ctx context.Context, now time.Time) (int, error) {
	n, err := c.shortBlock.PromoteDue(ctx, now)
	c.n.Add(int64(n))
	return n, err
}

// aheadClock is the real time plus an offset the test moves forward. The
// limiter and the workers read it, so a flood pause (or a retry time) ends
// when the test advances the clock past it. It never runs slower than real
// time, so the Redis expiries the limiter sets (real milliseconds) never
// end a pause before its end by this clock.
type aheadClock struct {
	mu    sync.Mutex
	ahead time.Duration
}

func (c *aheadClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.ahead)
}

func (c *aheadClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ahead += d
}

// limiterCall is one Reserve or Flood as a replica's workers made it.
type limiterCall struct {
	replica string
	flood   bool
	chat    int64
	d       time.Duration // Flood: the retry_after told
	global  bool          // Flood: the answer
	wait    time.Duration // Reserve: the answer
	err     error
	// began and ended order the calls of both replicas causally: a call
	// whose began is above another's ended started after that one had
	// returned (so after its Redis writes).
	began, ended uint64
	// before and after are the clock just before and after the call; the
	// limiter read it in between.
	before, after time.Time
}

// limiterLog is the calls of every replica, in the order they returned.
type limiterLog struct {
	mu    sync.Mutex
	seq   uint64
	calls []limiterCall
}

func (l *limiterLog) tick() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	return l.seq
}

func (l *limiterLog) add(c limiterCall) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	c.ended = l.seq
	l.calls = append(l.calls, c)
}

func (l *limiterLog) all() []limiterCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]limiterCall(nil), l.calls...)
}

// recLimiter records every call to a replica's limiter.
type recLimiter struct {
	replica string
	l       *pacing.Limiter
	now     func() time.Time
	log     *limiterLog
}

func (r *recLimiter) Reserve(ctx context.Context, chatID int64, group, bulk bool) (time.Duration, error) {
	c := limiterCall{replica: r.replica, chat: chatID, began: r.log.tick(), before: r.now()}
	c.wait, c.err = r.l.Reserve(ctx, chatID, group, bulk)
	c.after = r.now()
	r.log.add(c)
	return c.wait, c.err
}

func (r *recLimiter) Flood(ctx context.Context, chatID int64, d time.Duration) (bool, error) {
	c := limiterCall{replica: r.replica, flood: true, chat: chatID, d: d, began: r.log.tick(), before: r.now()}
	c.global, c.err = r.l.Flood(ctx, chatID, d)
	c.after = r.now()
	r.log.add(c)
	return c.global, c.err
}

var _ scheduler.Limiter = (*recLimiter)(nil)
