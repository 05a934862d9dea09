package redistest_test

import (
	"context"
	"crypto/x509"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/internal/redistest"
)

// A WithTLS server answers TLS clients that trust its CA and nobody else.
func TestTLSServer(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.WithTLS(), redistest.WithPassword("s3cret"))
	ctx := context.Background()
	if err := srv.Client(t).Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET over TLS: %v", err)
	}
	if !strings.HasPrefix(srv.URL(), "rediss://") {
		t.Errorf("URL() = %q, want rediss://", srv.URL())
	}
	pem, err := os.ReadFile(srv.CAFile())
	if err != nil || !x509.NewCertPool().AppendCertsFromPEM(pem) {
		t.Fatalf("CAFile %q: %v (or no PEM certificate)", srv.CAFile(), err)
	}

	plain := srv.Options()
	plain.TLSConfig = nil
	assertFails(t, "plain TCP", redis.NewClient(plain))
	untrusted := srv.Options()
	untrusted.TLSConfig = redistest.Start(t, redistest.WithTLS(), redistest.WithoutAOF()).TLSConfig()
	assertFails(t, "TLS with another CA", redis.NewClient(untrusted))

	srv.Restart(t)
	if got, err := srv.Client(t).Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET k after Restart = %q, %v", got, err)
	}
}

// A Sentinel set on TLS with passwords on the servers and the sentinels
// replicates, is discovered and fails over like a plain one.
func TestSentinelTLSPasswordFailover(t *testing.T) {
	t.Parallel()
	start := time.Now()
	sn := redistest.StartSentinel(t, redistest.WithTLS(), redistest.WithPassword("data-pw"), redistest.WithSentinelPassword("sent-pw"))
	t.Logf("TLS sentinel set up in %v", time.Since(start))
	if sn.CAFile() == "" || sn.TLSConfig() == nil || sn.SentinelPassword() != "sent-pw" {
		t.Fatalf("CAFile %q, TLSConfig %v, SentinelPassword %q", sn.CAFile(), sn.TLSConfig(), sn.SentinelPassword())
	}
	ctx := context.Background()
	c := sn.Client(t)
	if err := c.Set(ctx, "k", "before", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	sn.Flush(t) // WAITs for the replica, over TLS replication

	// No retries: each failed round asks all three sentinels again.
	o := sn.FailoverOptions()
	o.SentinelPassword, o.MaxRetries = "", -1
	assertFails(t, "sentinels without their password", redis.NewFailoverClient(o))
	o = sn.FailoverOptions()
	o.TLSConfig, o.MaxRetries = nil, -1
	assertFails(t, "sentinels without TLS", redis.NewFailoverClient(o))

	if err := c.Set(ctx, "k", "before", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if n, err := c.Wait(ctx, 1, 5*time.Second).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT 1 = %d, %v; want 1", n, err)
	}
	start = time.Now()
	sn.KillPrimary()
	sn.WaitFailover(t)
	t.Logf("TLS failover in %v", time.Since(start))
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "before" {
		t.Fatalf("GET k after failover = %q, %v; want %q", got, err, "before")
	}
}

// assertFails checks that c cannot PING, and closes it.
func assertFails(t *testing.T, what string, c *redis.Client) {
	t.Helper()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.Ping(ctx).Err()
	if err == nil {
		t.Errorf("PING with %s succeeded, want an error", what)
		return
	}
	t.Logf("PING with %s: %v", what, err)
}
