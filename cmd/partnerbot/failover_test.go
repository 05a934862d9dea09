package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// The primary Redis dies (kill -9) in the middle of a digest to 1,000
// subscribers, with a replica and three Sentinels watching: the Sentinels
// promote the replica, the bot finds it by itself, and every subscriber
// gets the digest. At most the messages in flight when the primary died
// are sent twice.
//
// With REDIS_MIN_REPLICAS=1 the promoted primary has no replica until the
// dead one comes back (as a replica, reconfigured by the Sentinels):
// writes wait for it, then everything goes on.
func TestSentinelFailoverMidDigest(t *testing.T) {
	for _, minReplicas := range []int{0, 1} {
		t.Run(fmt.Sprintf("min_replicas=%d", minReplicas), func(t *testing.T) {
			t.Parallel() // each has its own Sentinels, Redis servers and fake
			testFailoverMidDigest(t, minReplicas)
		})
	}
}

func testFailoverMidDigest(t *testing.T, minReplicas int) {
	sen := redistest.StartSentinel(t)
	e := newRedisEnv(t)
	e.cfg.RedisURL = ""
	e.cfg.Redis = redisstore.Conn{SentinelAddrs: sen.SentinelAddrs(), SentinelMaster: sen.MasterName()}
	e.cfg.MinReplicas = minReplicas
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
	old := sen.Primary()
	sen.KillPrimary()
	missing, _, _ = deliveries(e.tg, subs, title)
	t.Logf("primary %s killed with %d of 1000 chats still waiting", old.Addr(), missing)
	if missing == 0 {
		t.Fatal("the digest was over before the primary died")
	}
	promoted := sen.WaitFailover(t)
	t.Logf("Sentinels promoted %s", promoted)
	later := ""
	if minReplicas > 0 {
		// Alone, the new primary cannot satisfy WAIT 1. A post is kept
		// (an official told "try again" would publish it twice), with a
		// warning; its digest is planned only once a replica holds it.
		later = fmt.Sprintf("Visit after the failover %d", time.Now().UnixNano())
		mustContain(t, official.ask("/visit venlo | 2026-01-02 | "+later+" | Sister schools").Plain, "Published as")
		waitLog(t, e.logs, "acknowledged by 0 of 1 replicas")
		old.Restart(t)
		waitReplicaOf(t, old, promoted)
	}

	waitDelivered(t, e.tg, subs, title, 6*wait)
	if later != "" {
		waitDelivered(t, e.tg, subs, later, 6*wait)
	}
	e.waitOutboxEmpty()
	_, dups, _ := deliveries(e.tg, subs, title)
	t.Logf("duplicates after a failover mid digest: %d", dups)
	// At most one per worker (default Workers.Count): the sends under way
	// when the primary died, whose acknowledgement was lost.
	if dups > 8 {
		t.Errorf("%d duplicates, want at most the 8 sends in flight", dups)
	}
	if _, dups, _ := deliveries(e.tg, subs, later); later != "" && dups > 0 {
		t.Errorf("%d duplicates of the post published after the failover", dups)
	}
	e.tg.SetDelay("sendMessage", 0)
	mustContain(t, official.ask("/help").Plain, "/subscribe")
}

// waitReplicaOf waits until srv, back after a crash, replicates primary
// (the Sentinels reconfigure a returning old primary).
func waitReplicaOf(t *testing.T, srv *redistest.Server, primary string) {
	t.Helper()
	c := srv.Client(t)
	info := ""
	testkit.Eventually(t, 6*wait, func() string { return srv.Addr() + " never became a replica of " + primary + ":\n" + info }, func() bool {
		info, _ = c.Info(context.Background(), "replication").Result()
		port := primary[strings.LastIndex(primary, ":")+1:]
		return strings.Contains(info, "role:slave") && strings.Contains(info, "master_port:"+port) && strings.Contains(info, "master_link_status:up")
	})
}
