package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
)

// The Redis variables reach a real Sentinel set on TLS with passwords on
// the Sentinels and the data servers: openBackend connects, migrates and
// stores, waiting for the replica (REDIS_MIN_REPLICAS=1) over TLS
// replication. A wrong password or an untrusted CA stops the start at once
// and the error quotes no password.
func TestConfigRedisSentinelTLSPasswords(t *testing.T) {
	t.Parallel()
	start := time.Now()
	sn := redistest.StartSentinel(t, redistest.WithTLS(), redistest.WithPassword("data-pw"), redistest.WithSentinelPassword("sent-pw"))
	t.Logf("TLS sentinel set up in %v", time.Since(start))
	env := func(kv ...string) map[string]string {
		m := map[string]string{
			"TELEGRAM_BOT_TOKEN":      "1:a",
			"REDIS_SENTINEL_ADDRS":    strings.Join(sn.SentinelAddrs(), ","),
			"REDIS_SENTINEL_MASTER":   sn.MasterName(),
			"REDIS_SENTINEL_PASSWORD": "sent-pw",
			"REDIS_PASSWORD":          "data-pw",
			"REDIS_TLS":               "true",
			"REDIS_TLS_CA_FILE":       sn.CAFile(),
			"REDIS_MIN_REPLICAS":      "1",
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	open := func(m map[string]string) (backend, error) {
		t.Helper()
		cfg, err := LoadConfig(mapEnv(m))
		if err != nil {
			t.Fatalf("LoadConfig: %v", err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
		defer cancel()
		st, _, err := openBackend(ctx, cfg, slog.New(slog.DiscardHandler))
		return st, err
	}

	st, err := open(env())
	if err != nil {
		t.Fatalf("openBackend: %v", err)
	}
	defer st.Close()
	ctx := t.Context()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := st.SaveSubscriber(ctx, store.NewSubscriber(7, "private", store.LangEN, now)); err != nil {
		t.Fatalf("SaveSubscriber (WAIT for 1 replica): %v", err)
	}
	if got, err := st.Subscriber(ctx, 7); err != nil || got.ChatID != 7 {
		t.Fatalf("Subscriber(7) = %+v, %v", got, err)
	}

	// Without TLS the servers drop the connection, which looks like Redis
	// being down: the bot waits, and its log says what may be missing.
	plain, err := LoadConfig(mapEnv(env("REDIS_TLS", "false", "REDIS_TLS_CA_FILE", "", "REDIS_MIN_REPLICAS", "0")))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	logs := &testkit.Buffer{}
	waitCtx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := openBackend(waitCtx, plain, slog.New(slog.NewTextHandler(logs, nil)))
		done <- err
	}()
	testkit.Eventually(t, 10*time.Second, func() string { return "no TLS hint in the log:\n" + logs.String() },
		func() bool { return strings.Contains(logs.String(), "set REDIS_TLS=true") })
	stop()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "set REDIS_TLS=true") {
		t.Errorf("openBackend without TLS = %v, want the TLS hint", err)
	}

	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"wrong REDIS_PASSWORD", env("REDIS_PASSWORD", "wrong-data-pw"), "WRONGPASS"},
		{"no REDIS_SENTINEL_PASSWORD", env("REDIS_SENTINEL_PASSWORD", ""), "NOAUTH"},
		{"no REDIS_TLS_CA_FILE", env("REDIS_TLS_CA_FILE", ""), "certificate signed by unknown authority"},
	} {
		start := time.Now()
		st, err := open(tt.env)
		if err == nil {
			st.Close()
			t.Errorf("%s: openBackend succeeded", tt.name)
			continue
		}
		t.Logf("%s: failed in %v: %v", tt.name, time.Since(start).Round(time.Millisecond), err)
		if !strings.HasPrefix(err.Error(), "redis: ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q, want one starting \"redis: \" that says %q", tt.name, err, tt.want)
		}
		if strings.Contains(err.Error(), "data-pw") || strings.Contains(err.Error(), "sent-pw") {
			t.Errorf("%s: error %q quotes a password", tt.name, err)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("%s: took %v; a permanent error should stop the start at once", tt.name, time.Since(start))
		}
	}
}
