package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// The primary Redis dies (kill -9) in the middle of a digest to 1,000
// subscribers, with a replica and three Sentinels watching: the Sentinels
// promote the replica, the bot finds it by itself, and every subscriber
// gets the digest. At most the messages in flight when the primary died
// are sent twice.
func TestSentinelFailoverMidDigest(t *testing.T) {
	sen := redistest.StartSentinel(t)
	e := newRedisEnv(t)
	e.cfg.RedisURL = ""
	e.cfg.Redis = redisstore.Conn{SentinelAddrs: sen.SentinelAddrs(), SentinelMaster: sen.MasterName()}
	e.cfg.AdminIDs = []int64{ownerID}
	e.cfg.SendRate, e.cfg.PaidBroadcast = 1000, true
	e.cfg.ClaimIdle, e.cfg.LockTTL = time.Second, 500*time.Millisecond
	e.cfg.DigestSpec = "@every 1s"
	subs := e.subscribeMany(e.store(), "venlo", 9000, 1000)
	e.start()
	// Eight workers at 50 ms a send: the digest takes several seconds.
	e.tg.SetDelay("sendMessage", 50*time.Millisecond)

	official := e.private(ownerID, "en")
	title := fmt.Sprintf("Failover visit %d", time.Now().UnixNano())
	mustContain(t, official.ask("/visit venlo | 2026-01-01 | "+title+" | Talks about twinning schools").Plain, "Published as")
	missing := 0
	eventually(t, 2*wait, func() string { return fmt.Sprintf("digest did not start: %d chats still waiting", missing) },
		func() bool { missing, _, _ = deliveries(e.tg, subs, title); return missing <= 900 })
	old := sen.Primary().Addr()
	sen.KillPrimary()
	missing, _, _ = deliveries(e.tg, subs, title)
	t.Logf("primary %s killed with %d of 1000 chats still waiting", old, missing)
	if missing == 0 {
		t.Fatal("the digest was over before the primary died")
	}
	promoted := sen.WaitFailover(t)
	t.Logf("Sentinels promoted %s", promoted)

	waitDelivered(t, e.tg, subs, title, 6*wait)
	e.waitOutboxEmpty()
	_, dups, _ := deliveries(e.tg, subs, title)
	t.Logf("duplicates after a failover mid digest: %d", dups)
	// At most one per worker (default Workers.Count): the sends under way
	// when the primary died, whose acknowledgement was lost.
	if dups > 8 {
		t.Errorf("%d duplicates, want at most the 8 sends in flight", dups)
	}
	e.tg.SetDelay("sendMessage", 0)
	mustContain(t, official.ask("/help").Plain, "/subscribe")
}
