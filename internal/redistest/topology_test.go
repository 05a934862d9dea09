package redistest_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/internal/redistest"
)

// A write through the failover client survives the primary's crash: the
// sentinels promote the replica and the same client reads it back there.
func TestSentinelFailover(t *testing.T) {
	start := time.Now()
	sn := redistest.StartSentinel(t, redistest.WithPassword("s3cret"))
	t.Logf("sentinel set up in %v", time.Since(start))
	if got := len(sn.SentinelAddrs()); got != 3 {
		t.Fatalf("SentinelAddrs() has %d addresses, want 3", got)
	}
	ctx := context.Background()
	c := sn.Client(t)
	first := sn.Primary()
	if err := c.Set(ctx, "k", "before", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	// The failover client talks to the primary, not the replica.
	direct := first.Client(t)
	if got, err := direct.Get(ctx, "k").Result(); err != nil || got != "before" {
		t.Fatalf("GET k on the primary = %q, %v; want %q", got, err, "before")
	}
	if n, err := c.Wait(ctx, 1, 5*time.Second).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT 1 = %d, %v; want 1", n, err)
	}

	start = time.Now()
	sn.KillPrimary()
	addr := sn.WaitFailover(t)
	t.Logf("failover in %v", time.Since(start))
	if addr == first.Addr() || sn.Primary().Addr() != addr || sn.Replica() != first {
		t.Fatalf("after failover: addr %s, Primary %s, Replica %s; first primary %s",
			addr, sn.Primary().Addr(), sn.Replica().Addr(), first.Addr())
	}
	got, err := c.Get(ctx, "k").Result()
	if err != nil || got != "before" {
		t.Fatalf("GET k after failover = %q, %v; want %q", got, err, "before")
	}
	if err := c.Set(ctx, "k", "after", 0).Err(); err != nil {
		t.Fatalf("SET on the new primary: %v", err)
	}
	if got, err := sn.Primary().Client(t).Get(ctx, "k").Result(); err != nil || got != "after" {
		t.Fatalf("GET k on the new primary = %q, %v; want %q", got, err, "after")
	}
	// With the old primary dead there is no replica left to wait for.
	sn.Flush(t)
	if _, err := c.Get(ctx, "k").Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET k after Flush: err = %v, want redis.Nil", err)
	}
}

func TestSentinelFlushReachesReplica(t *testing.T) {
	sn, stop, err := redistest.StartSentinelMain(redistest.WithoutAOF())
	if err != nil {
		t.Fatalf("StartSentinelMain: %v", err)
	}
	defer stop()
	ctx := context.Background()
	if err := sn.Client(t).Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	sn.Flush(t)
	// Flush waited for the replica, so it has no key left right away.
	if n, err := sn.Replica().Client(t).DBSize(ctx).Result(); err != nil || n != 0 {
		t.Fatalf("DBSIZE on the replica after Flush = %d, %v; want 0", n, err)
	}
}

func TestCluster(t *testing.T) {
	start := time.Now()
	cl := redistest.StartCluster(t, redistest.WithPassword("s3cret"))
	t.Logf("cluster up in %v", time.Since(start))
	ctx := context.Background()
	c := cl.Client(t)

	// Keys spread over the slots land on every node.
	for i := range 30 {
		if err := c.Set(ctx, "key"+strconv.Itoa(i), i, 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
	}
	nodes := cl.Nodes()
	if len(nodes) != 3 || len(cl.Addrs()) != 3 {
		t.Fatalf("%d nodes, %d addrs; want 3", len(nodes), len(cl.Addrs()))
	}
	total := int64(0)
	for _, n := range nodes {
		size, err := n.Client(t).DBSize(ctx).Result()
		if err != nil || size == 0 {
			t.Errorf("DBSIZE on %s = %d, %v; want some keys on every node", n.Addr(), size, err)
		}
		total += size
	}
	if total != 30 {
		t.Errorf("%d keys on the nodes together, want 30", total)
	}

	// Keys with one hash tag share a slot, so multi-key commands and
	// transactions work on them.
	if err := c.MSet(ctx, "{t}a", "1", "{t}b", "2").Err(); err != nil {
		t.Fatalf("MSET of hash-tagged keys: %v", err)
	}
	_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "{t}a")
		p.Incr(ctx, "{t}b")
		return nil
	})
	if err != nil {
		t.Fatalf("MULTI/EXEC on hash-tagged keys: %v", err)
	}
	if got, err := c.MGet(ctx, "{t}a", "{t}b").Result(); err != nil || got[0] != "2" || got[1] != "3" {
		t.Fatalf("MGET = %v, %v; want [2 3]", got, err)
	}
	// Keys in different slots do not.
	err = c.MSet(ctx, "key1", "x", "key2", "y").Err()
	if err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Fatalf("cross-slot MSET: err = %v, want CROSSSLOT", err)
	}

	cl.Flush(t)
	for _, n := range nodes {
		if size, err := n.Client(t).DBSize(ctx).Result(); err != nil || size != 0 {
			t.Errorf("DBSIZE on %s after Flush = %d, %v; want 0", n.Addr(), size, err)
		}
	}
}

func TestStartClusterMain(t *testing.T) {
	cl, stop, err := redistest.StartClusterMain(redistest.WithoutAOF())
	if err != nil {
		t.Fatalf("StartClusterMain: %v", err)
	}
	defer stop()
	if err := cl.Client(t).Set(context.Background(), "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
}
