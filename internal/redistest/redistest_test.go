package redistest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/internal/redistest"
)

func TestStartSetGet(t *testing.T) {
	srv := redistest.Start(t)
	if strings.HasSuffix(srv.Addr(), ":6379") {
		t.Fatalf("Addr() = %s, want a port other than the shared 6379", srv.Addr())
	}
	ctx := context.Background()
	c := srv.Client(t)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	got, err := c.Get(ctx, "k").Result()
	if err != nil || got != "v" {
		t.Fatalf("GET k = %q, %v; want %q, nil", got, err, "v")
	}

	srv.Flush(t)
	if _, err := c.Get(ctx, "k").Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET k after Flush: err = %v, want redis.Nil", err)
	}
}

func TestURL(t *testing.T) {
	srv := redistest.Start(t, redistest.WithoutAOF())
	want := "redis://" + srv.Addr() + "/0"
	if got := srv.URL(); got != want {
		t.Fatalf("URL() = %q, want %q", got, want)
	}
	opt, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", srv.URL(), err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("PING via URL: %v", err)
	}
}

func TestKillRestartKeepsAOFData(t *testing.T) {
	srv := redistest.Start(t, redistest.WithArgs("--appendfsync", "always"))
	ctx := context.Background()
	c := srv.Client(t)
	if err := c.Set(ctx, "survivor", "yes", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}

	srv.Kill()
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.Ping(short).Err(); err == nil {
		t.Fatal("PING after Kill succeeded, want an error")
	}

	addr := srv.Addr()
	srv.Restart(t)
	if srv.Addr() != addr {
		t.Fatalf("Addr() after Restart = %s, want %s", srv.Addr(), addr)
	}
	// The same client reconnects on its own.
	got, err := c.Get(ctx, "survivor").Result()
	if err != nil || got != "yes" {
		t.Fatalf("GET survivor after restart = %q, %v; want %q, nil", got, err, "yes")
	}
}

func TestPassword(t *testing.T) {
	srv := redistest.Start(t, redistest.WithPassword("s3cret"), redistest.WithoutAOF())
	ctx := context.Background()

	if err := srv.Client(t).Ping(ctx).Err(); err != nil {
		t.Fatalf("PING with password: %v", err)
	}
	if got, want := srv.DBURL(2), "redis://:s3cret@"+srv.Addr()+"/2"; got != want {
		t.Fatalf("DBURL(2) = %q, want %q", got, want)
	}

	anon := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer anon.Close()
	if err := anon.Set(ctx, "k", "v", 0).Err(); err == nil {
		t.Fatal("SET without password succeeded, want NOAUTH")
	}
}

func TestStopTwice(t *testing.T) {
	srv := redistest.Start(t, redistest.WithoutAOF())
	srv.Stop()
	srv.Stop()
	srv.Kill()
}

func TestStartMain(t *testing.T) {
	srv, stop, err := redistest.StartMain(redistest.WithoutAOF())
	if err != nil {
		t.Fatalf("StartMain: %v", err)
	}
	defer stop()
	if err := srv.Client(t).Ping(context.Background()).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
}
