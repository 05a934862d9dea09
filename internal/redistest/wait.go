package redistest

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// topologyTimeout bounds each wait of a Sentinel or Cluster start (the
// replica syncing, the sentinels finding each other, the cluster agreeing
// on its slots) and of a failover. Healthy ones take a few seconds.
const topologyTimeout = 30 * time.Second

// waitFor polls cond every pollInterval until it holds, or returns an error
// naming what() once within has passed. It is testkit.Eventually for code
// that has no testing.TB (TestMain).
func waitFor(within time.Duration, what func() string, cond func() bool) error {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v: %s", within, what())
		}
		time.Sleep(pollInterval)
	}
	return nil
}

// info returns INFO section of the server at opt.Addr, or "" and the error.
func info(opt *redis.Options, section string) (string, error) {
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return c.Info(ctx, section).Result()
}
