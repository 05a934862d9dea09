package scheduler_test

import (
	"context"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/pacing"
	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// A 429 storm hits two replicas' workers sharing one Redis. A 429 holds its
// own chat; once 429s come for a second chat within a second it is the
// bot's global limit, and then no sendMessage reaches Telegram before
// retry_after has passed (the pause is shared). Every message is delivered
// exactly once.
//
// Not parallel: it asserts on gaps between calls, and a quiet machine keeps
// the allowance for sends already under way small.
func TestFloodWaitPausesEveryReplica(t *testing.T) {
	const (
		chats      = 120
		retryAfter = time.Second
		// inFlight allows for a send that passed the limiter just before
		// the pause was stored and reaches the fake just after the 429.
		inFlight = 150 * time.Millisecond
	)
	r := newRig(t, 0)
	for id := int64(1); id <= chats; id++ {
		r.enqueue(id, "Flood test message")
	}
	// Sends take a little while and the shared rate is 80 bulk messages a
	// second, so both replicas are still sending when the storms hit.
	r.tg.SetDelay("sendMessage", 10*time.Millisecond)
	r.tg.FloodWait("sendMessage", 3, 1)

	replica := func(name string) (*scheduler.Workers, *reasons) {
		st, err := redisstore.Open(context.Background(), r.redis.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		var rec reasons
		return &scheduler.Workers{Store: shortBlock{st}, Limiter: st.Limiter(pacing.Config{Rate: 100}),
			Consumer: name, Count: 3, Events: rec.events()}, &rec
	}
	wa, ra := replica("a")
	wb, rb := replica("b")
	stopA, stopB := r.startWorkers(wa), r.startWorkers(wb)

	// A second storm while both replicas are busy sending.
	r.tg.WaitCall(t, wait, "sendMessage", func(c telegramtest.Call) bool { return c.Status == 200 })
	r.tg.FloodWait("sendMessage", 2, 1)

	r.waitSettled()
	stopA()
	stopB()

	calls := r.tg.Calls("sendMessage")
	var floods []telegramtest.Call
	for _, c := range calls {
		if c.Status == 429 {
			floods = append(floods, c)
		}
	}
	if len(floods) != 5 {
		t.Fatalf("%d calls answered 429, want 5", len(floods))
	}
	globals := 0
	for i, f := range floods {
		// A 429 after one for another chat less than a second before is
		// the global limit: everyone waits. Otherwise only its chat does.
		global := i > 0 && floods[i-1].Param("chat_id") != f.Param("chat_id") && f.Time.Sub(floods[i-1].Time) < time.Second
		if global {
			globals++
		}
		for _, c := range calls {
			if (global || c.Param("chat_id") == f.Param("chat_id")) &&
				c.Time.After(f.Time.Add(inFlight)) && c.Time.Before(f.Time.Add(retryAfter)) {
				t.Errorf("a sendMessage to %s came %v after a 429 (for %s, global %t) with retry_after 1s",
					c.Param("chat_id"), c.Time.Sub(f.Time), f.Param("chat_id"), global)
			}
		}
	}
	if globals == 0 {
		t.Error("no 429 was taken for the global limit, though two storms hit several chats at once")
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
