package redistest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/internal/testkit"
)

// KillPrimary kills the current primary with SIGKILL, like a crash; the
// sentinels notice it within about a second and promote the replica.
func (s *Sentinel) KillPrimary() { s.Primary().Kill() }

// WaitFailover waits until every sentinel names a primary other than the
// current one and that server answers ROLE as master, makes it the current
// primary and returns its address. It fails the test after 30 s.
func (s *Sentinel) WaitFailover(tb testing.TB) string {
	tb.Helper()
	old, next := s.Primary(), s.Replica()
	clients := make([]*redis.SentinelClient, len(s.sentinels))
	for i, sn := range s.sentinels {
		clients[i] = redis.NewSentinelClient(sn.Options())
		defer clients[i].Close()
	}
	nc := redis.NewClient(next.Options())
	defer nc.Close()
	var state string
	testkit.Eventually(tb, topologyTimeout, func() string {
		return "no failover from " + old.Addr() + " to " + next.Addr() + ": " + state
	}, func() bool {
		state = failedOver(clients, nc, next.Addr())
		return state == ""
	})
	s.mu.Lock()
	s.primary = 1 - s.primary
	s.mu.Unlock()
	return next.Addr()
}

// failedOver returns "" when every sentinel names want as the primary and
// the server behind nc answers ROLE as master, or else what differs.
func failedOver(sentinels []*redis.SentinelClient, nc *redis.Client, want string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, c := range sentinels {
		addr, err := c.GetMasterAddrByName(ctx, masterName).Result()
		if err != nil {
			return err.Error()
		}
		if len(addr) != 2 || addr[0]+":"+addr[1] != want {
			return fmt.Sprintf("a sentinel names %v", addr)
		}
	}
	role, err := nc.Do(ctx, "ROLE").Slice()
	if err != nil {
		return err.Error()
	}
	if len(role) == 0 || role[0] != "master" {
		return fmt.Sprintf("ROLE = %v", role)
	}
	return ""
}
