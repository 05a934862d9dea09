package main

import (
	"fmt"
	"testing"
	"time"
)

// Redis dies (and comes back from its append-only file) in the middle of
// an announcement to 150 chats: delivery resumes by itself and everyone
// gets it. A message Telegram accepted while Redis could not record it is
// sent again; nothing else is.
func TestRedisRestartMidFanOut(t *testing.T) {
	e := newRedisEnv(t)
	e.cfg.AdminIDs = []int64{ownerID}
	e.cfg.SendRate, e.cfg.PaidBroadcast = 500, true
	e.cfg.ClaimIdle, e.cfg.LockTTL = time.Second, 500*time.Millisecond
	subs := e.subscribeMany(e.store(), "venlo", 8000, 150)
	e.start()
	e.tg.SetDelay("sendMessage", 50*time.Millisecond)

	official := e.private(ownerID, "en")
	text := fmt.Sprintf("Road works %d", time.Now().UnixNano())
	mustContain(t, official.ask("/announce venlo | "+text).Plain, "150")
	missing := 0
	eventually(t, wait, func() string { return fmt.Sprintf("fan-out did not start: %d chats still waiting", missing) },
		func() bool { missing, _, _ = deliveries(e.tg, subs, text); return missing <= 120 })
	e.redis.Kill()
	missing, _, _ = deliveries(e.tg, subs, text)
	t.Logf("Redis killed with %d of 150 chats still waiting", missing)
	if missing == 0 {
		t.Fatal("the fan-out was over before Redis went down")
	}
	// The workers notice, then Redis comes back.
	waitLog(t, e.logs, "outbox: claim failed")
	e.redis.Restart(t)

	waitDelivered(t, e.tg, subs, text, 2*wait)
	e.waitOutboxEmpty()
	_, dups, _ := deliveries(e.tg, subs, text)
	t.Logf("duplicates after a Redis restart mid fan-out: %d", dups)
	// At most one per worker (default Workers.Count): the sends under way
	// when Redis went away, whose acknowledgement was lost.
	if dups > 8 {
		t.Errorf("%d duplicates, want at most 8", dups)
	}
}

// The announcement is published, but its fan-out cannot be queued (Redis
// refuses writes to the outbox: an ACL stands in for a failure between the
// two steps). The official hears it goes out shortly; once the outbox
// takes writes again the planner releases the post by itself, and every
// subscriber gets it once.
func TestAnnouncementReleasedWhenItsFanOutFailed(t *testing.T) {
	e := newRedisEnv(t)
	e.cfg.AdminIDs = []int64{ownerID}
	subs := e.subscribeMany(e.store(), "venlo", 8500, 20)
	e.start()
	rdb := e.redis.Client(t)
	ctx := t.Context()
	// Everything but the outbox stays writable ("once:" flags too).
	if err := rdb.Do(ctx, "ACL", "SETUSER", "default", "resetkeys", "%R~*",
		"%RW~{partnerbot}:[^o]*", "%RW~{partnerbot}:o[^u]*").Err(); err != nil {
		t.Fatal(err)
	}
	official := e.private(ownerID, "en")
	text := fmt.Sprintf("Bridge closed %d", time.Now().UnixNano())
	mustContain(t, official.ask("/announce venlo | "+text).Plain, "Published as", "within a minute")
	if missing, _, _ := deliveries(e.tg, subs, text); missing != len(subs) {
		t.Fatalf("%d chats got the announcement while the outbox refused writes", len(subs)-missing)
	}
	if err := rdb.Do(ctx, "ACL", "SETUSER", "default", "resetkeys", "~*").Err(); err != nil {
		t.Fatal(err)
	}
	waitDelivered(t, e.tg, subs, text, 2*wait)
	e.waitOutboxEmpty()
	if _, dups, _ := deliveries(e.tg, subs, text); dups != 0 {
		t.Errorf("%d duplicates", dups)
	}
}
