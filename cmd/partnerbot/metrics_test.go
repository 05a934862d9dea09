package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// With METRICS_ADDR set, Prometheus scrapes there and the public listener,
// which serves the feeds, has no /metrics.
func TestMetricsOnOwnListener(t *testing.T) {
	e := newEnv(t)
	e.cfg.MetricsAddr = "127.0.0.1:0"
	httpAddr, metricsAddr := make(chan string, 1), make(chan string, 1)
	m := &Main{Config: e.cfg, Logger: newTestLogger(e.logs),
		OnHTTP: func(a string) { httpAddr <- a }, OnMetrics: func(a string) { metricsAddr <- a }}
	ctx, cancel := contextWithCancel()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	stop := func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("Main.Run: %v", err)
			}
		case <-time.After(wait):
			t.Fatal("Main.Run did not return after cancel")
		}
	}
	defer func() {
		if ctx.Err() == nil {
			stop()
		}
	}()
	e.tg.WaitLongPoll(t, wait)
	public, private := "http://"+<-httpAddr, "http://"+<-metricsAddr

	c := e.private(620, "en")
	c.ask("/start")
	code, body := httpGet(t, private+"/metrics")
	if code != 200 {
		t.Fatalf("metrics listener /metrics = %d", code)
	}
	for _, want := range []string{`partnerbot_updates_total{command="start",type="command"} 1`,
		"partnerbot_storage_up 1", "partnerbot_outbox_messages", "partnerbot_subscribers"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics listener /metrics lacks %s", want)
		}
	}
	for _, tt := range []struct {
		base, path string
		want       int
	}{
		{private, "/healthz", 200},
		{private, "/events.ics", 404},
		{public, "/metrics", 404},
		{public, "/healthz", 200},
		{public, "/readyz", 200},
	} {
		if code, _ := httpGet(t, tt.base+tt.path); code != tt.want {
			t.Errorf("GET %s%s = %d, want %d", tt.base, tt.path, code, tt.want)
		}
	}
	if code, body := httpGet(t, public+"/events/krefeld.ics"); code != 200 || !strings.Contains(body, "BEGIN:VCALENDAR") {
		t.Errorf("calendar on the public listener = %d", code)
	}
	if code, body := httpGet(t, public+"/feed/venlo.atom?lang=en"); code != 200 || !strings.Contains(body, "Venlo") {
		t.Errorf("atom on the public listener = %d", code)
	}

	stop()
	for _, base := range []string{public, private} {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			t.Errorf("%s still answers after the bot stopped", base)
		}
	}
}

// A busy METRICS_ADDR stops the start with an error naming it.
func TestMetricsAddrBusy(t *testing.T) {
	e := newEnv(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	e.cfg.MetricsAddr = busy.Addr().String()
	m := &Main{Config: e.cfg, Logger: newTestLogger(e.logs)}
	ctx, cancel := contextWithCancel()
	defer cancel()
	if err := m.Run(ctx); err == nil || !strings.HasPrefix(err.Error(), "METRICS_ADDR "+busy.Addr().String()) {
		t.Errorf("Run with METRICS_ADDR busy: %v, want an error naming METRICS_ADDR", err)
	}
}

func TestMetricsAddrConfig(t *testing.T) {
	env := func(kv ...string) func(string) (string, bool) {
		m := map[string]string{"TELEGRAM_BOT_TOKEN": "1:a"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return mapEnv(m)
	}
	if c, err := LoadConfig(env()); err != nil || c.MetricsAddr != "" {
		t.Errorf("default METRICS_ADDR = %q, %v; want empty (metrics on HTTP_ADDR)", c.MetricsAddr, err)
	}
	if c, err := LoadConfig(env("METRICS_ADDR", " 127.0.0.1:9090 ")); err != nil || c.MetricsAddr != "127.0.0.1:9090" {
		t.Errorf("METRICS_ADDR=127.0.0.1:9090: %q, %v", c.MetricsAddr, err)
	}
	for _, bad := range []func(string) (string, bool){
		env("METRICS_ADDR", "9090"),
		env("METRICS_ADDR", "127.0.0.1:"),
		env("METRICS_ADDR", "127.0.0.1:8080"), // the default HTTP_ADDR
		env("METRICS_ADDR", ":9000", "HTTP_ADDR", ":9000"),
	} {
		_, err := LoadConfig(bad)
		if err == nil || !strings.HasPrefix(err.Error(), "METRICS_ADDR: ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %v, want one line naming METRICS_ADDR", err)
		}
	}
	if _, err := LoadConfig(env("METRICS_ADDR", "127.0.0.1:0", "HTTP_ADDR", "127.0.0.1:0")); err != nil {
		t.Errorf("both on port 0 (two free ports) refused: %v", err)
	}
}
