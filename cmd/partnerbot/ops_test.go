package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
)

// TestMain lets the test binary play the partnerbot process, so the crash
// test can kill -9 a real process without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("PARTNERBOT_AS_MAIN") == "1" {
		os.Exit(run(nil, os.LookupEnv, os.Stdin, os.Stdout, os.Stderr))
	}
	// As main does for the process: the libraries' chatter goes through
	// slog (here nowhere), not straight to stderr.
	setLibraryLoggers(slog.New(slog.DiscardHandler), "")
	os.Exit(m.Run())
}

func TestStartupTalksToTelegramCorrectly(t *testing.T) {
	e := newEnv(t)
	e.start()
	if e.tg.DeleteWebhookCalls() == 0 {
		t.Error("deleteWebhook not called at start")
	}
	for _, h := range e.tg.AllowedUpdatesHistory() {
		if h == nil {
			t.Fatal("a getUpdates call left allowed_updates out")
		}
		for _, want := range []string{"message", "callback_query", "my_chat_member", "edited_message"} {
			if !slices.Contains(h, want) {
				t.Errorf("allowed_updates %v lacks %s", h, want)
			}
		}
	}
	for _, lang := range []string{"", "uk", "en", "de", "nl"} {
		cmds := e.tg.Commands("default", 0, lang)
		// Residents' commands: start, help, cities, city, events, news,
		// subscribe, unsubscribe, settings, digest, lang, contact, done,
		// privacy, mydata, timezone, quiet, stop.
		if len(cmds) != 18 {
			t.Errorf("menu %q has %d commands, want 18", lang, len(cmds))
			continue
		}
		if cmds[0].Command != "start" {
			t.Errorf("menu %q starts with %q", lang, cmds[0].Command)
		}
	}
	if got := e.tg.Commands("default", 0, "de")[2].Description; got != "Partnerstädte" {
		t.Errorf("German description of /cities = %q", got)
	}
}

func TestRestartKeepsSubscriptions(t *testing.T) {
	e := newEnv(t)
	e.start()
	c := e.private(200, "en")
	c.ask("/subscribe venlo")
	c.ask("/digest weekly")
	e.stop()
	e.start()
	mustContain(t, c.ask("/settings").Plain, "Venlo", "weekly")
}

func TestStopsPromptlyMidLongPoll(t *testing.T) {
	e := newEnv(t)
	e.cfg.PollTimeout = 50 * time.Second
	e.start()
	e.tg.WaitLongPoll(t, wait)
	began := time.Now()
	e.cancel()
	select {
	case err := <-e.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Main.Run still running 2 s after cancel, mid long-poll")
	}
	e.cancel = nil
	t.Logf("stopped %v after cancel", time.Since(began))
}

// An update in hand when shutdown begins is finished and confirmed, so the
// next start does not see it again.
func TestShutdownFinishesUpdateInHand(t *testing.T) {
	e := newEnv(t)
	e.start()
	c := e.private(210, "en")
	e.tg.SetDelay("sendMessage", 300*time.Millisecond)
	id := e.tg.SendText(c.chat, c.user, "/cities")
	waitInFlight(t, e.tg, "sendMessage")
	e.stop()
	e.tg.WaitConfirmed(t, wait, id)
	if n := len(e.tg.SentTo(210)); n != 1 {
		t.Errorf("%d replies, want 1", n)
	}
}

func TestRedisLostWhileRunning(t *testing.T) {
	e := newRedisEnv(t)
	e.start()
	c := e.private(220, "en")
	c.ask("/subscribe krefeld")
	e.redis.Kill()
	mustContain(t, c.ask("/subscribe venlo").Plain, "temporarily unavailable")
	// Commands that need no storage still work.
	mustContain(t, c.ask("/help").Plain, "/subscribe")
	e.redis.Restart(t)
	// go-redis holds back new dials for about a second after failed ones:
	// the bot recovers by itself, the resident may need one more try.
	var last string
	eventually(t, wait, func() string { return "bot did not recover after Redis came back; last reply: " + last }, func() bool {
		last = c.ask("/subscribe venlo").Plain
		return strings.Contains(last, "Subscribed")
	})
	mustContain(t, c.ask("/settings").Plain, "Krefeld", "Venlo")
}

func TestWaitsForRedisAtStart(t *testing.T) {
	e := newRedisEnv(t)
	e.redis.Kill()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	m := &Main{Config: e.cfg, Logger: newTestLogger(e.logs)}
	go func() { done <- m.Run(ctx) }()
	waitLog(t, e.logs, "waiting for redis")
	e.redis.Restart(t)
	e.tg.WaitLongPoll(t, wait)
	mustContain(t, e.private(230, "en").ask("/start").Plain, "Hello")
	cancel()
	<-done
}

func TestTokenNeverLogged(t *testing.T) {
	e := newEnv(t)
	token := e.tg.Token()

	// An endpoint that refuses connections: the library's errors carry the
	// URL, and so the token.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/bot%s/%s"
	l.Close()
	cfg := e.cfg
	cfg.Endpoint = refused
	ctx, cancel := context.WithCancel(context.Background())
	m := &Main{Config: cfg, Logger: newTestLogger(e.logs)}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	waitLog(t, e.logs, "waiting for telegram")
	cancel()
	runErr := <-done
	if runErr == nil || strings.Contains(runErr.Error(), token) {
		t.Errorf("Run error %v: want an error without the token", runErr)
	}

	// A running bot whose Telegram starts failing mid-poll.
	e.start()
	e.tg.FailNextRaw("getUpdates", 2, 502, "<html>502 Bad Gateway</html>", "text/html")
	e.tg.WaitCall(t, wait, "getUpdates", func(c telegramtest.Call) bool { return c.Status == 502 })
	e.tg.WaitLongPoll(t, wait)
	e.tg.Close()
	waitLog(t, e.logs, "getUpdates failed")
	e.stop()

	if strings.Contains(e.logs.String(), token) {
		t.Fatalf("token in logs:\n%s", e.logs.String())
	}
	if strings.Contains(e.logs.String(), "secret") {
		t.Fatalf("part of the token in logs:\n%s", e.logs.String())
	}
}

// A crash (kill -9) while an update is being handled: the offset was not
// confirmed, so the restarted bot gets the update again and answers it once.
func TestCrashRedeliversUnconfirmedUpdate(t *testing.T) {
	e := newRedisEnv(t)
	c := e.private(240, "en")
	e.tg.SetDelay("sendMessage", time.Minute)

	first := e.spawn()
	e.tg.WaitLongPoll(t, wait)
	id := e.tg.SendText(c.chat, c.user, "/cities")
	// The reply is on its way when the process dies.
	e.tg.WaitCall(t, wait, "getUpdates", func(call telegramtest.Call) bool { return strings.Contains(call.Response, "/cities") })
	waitInFlight(t, e.tg, "sendMessage")
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	e.tg.SetDelay("sendMessage", 0)
	before := len(e.tg.SentTo(240))

	second := e.spawn()
	defer func() { _ = second.Process.Signal(syscall.SIGTERM); _ = second.Wait() }()
	e.tg.WaitConfirmed(t, wait, id)
	e.tg.WaitLongPoll(t, wait)
	after := e.tg.SentTo(240)[before:]
	if len(after) != 1 || !strings.Contains(after[0].Plain, "Krefeld") {
		t.Fatalf("after restart: %d replies %v, want the /cities answer once", len(after), plains(after))
	}
}

// spawn runs this test binary as a partnerbot process.
func (e *env) spawn() *exec.Cmd {
	e.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		"PARTNERBOT_AS_MAIN=1",
		"TELEGRAM_BOT_TOKEN="+e.tg.Token(),
		"TELEGRAM_API_ENDPOINT="+e.tg.Endpoint(),
		"REDIS_URL="+e.redis.URL(),
		"HTTP_ADDR=127.0.0.1:0",
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if e.t.Failed() {
			e.t.Logf("process output:\n%s", out.String())
		}
	})
	return cmd
}

func waitInFlight(t *testing.T, tg *telegramtest.Server, method string) {
	t.Helper()
	eventually(t, wait, func() string { return "no " + method + " in flight" }, func() bool {
		for _, c := range tg.Calls(method) {
			if c.Status == 0 {
				return true
			}
		}
		return false
	})
}

// waitLog waits until the log holds substr.
func waitLog(t *testing.T, logs *testkit.Buffer, substr string) {
	t.Helper()
	eventually(t, wait, func() string { return fmt.Sprintf("log never said %q:\n%s", substr, logs.String()) },
		func() bool { return strings.Contains(logs.String(), substr) })
}

func TestConfig(t *testing.T) {
	base := map[string]string{"TELEGRAM_BOT_TOKEN": "123:abc-DEF_g", "REDIS_URL": "redis://localhost:6379/0"}
	// with is base with the pairs kv (name, value, name, value…) set.
	with := func(kv ...string) map[string]string {
		m := maps.Clone(base)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	good, err := LoadConfig(mapEnv(base))
	if err != nil {
		t.Fatalf("minimal config: %v", err)
	}
	if embedded, err := LoadConfig(mapEnv(map[string]string{"TELEGRAM_BOT_TOKEN": "1:a"})); err != nil || embedded.StateDir != "./data" || embedded.RedisURL != "" {
		t.Errorf("only a token: %+v %v; want the embedded store in ./data", embedded, err)
	}
	if good.Endpoint != "https://api.telegram.org/bot%s/%s" || good.TimeZone.String() != "Europe/Kyiv" || good.LogFormat != "text" {
		t.Errorf("defaults: %+v", good)
	}
	if c, err := LoadConfig(mapEnv(with("ADMIN_IDS", " 42, 7 ,"))); err != nil || !slices.Equal(c.AdminIDs, []int64{42, 7}) {
		t.Errorf("ADMIN_IDS: %v %v", c.AdminIDs, err)
	}
	if good.Approval != store.ApprovalOff {
		t.Errorf("APPROVAL defaults to %q, want off", good.Approval)
	}
	for in, want := range map[string]store.Approval{"editors": store.ApprovalEditors, " ALL ": store.ApprovalAll, "off": store.ApprovalOff} {
		if c, err := LoadConfig(mapEnv(with("APPROVAL", in))); err != nil || c.Approval != want {
			t.Errorf("APPROVAL=%q: %q, %v; want %q", in, c.Approval, err, want)
		}
	}
	// Telegram's documented bulk limit by default; more only as paid
	// broadcast, up to its 1000 a second.
	if good.SendRate != 30 || good.PaidBroadcast {
		t.Errorf("SEND_RATE defaults to %d (paid broadcast %v), want 30 without", good.SendRate, good.PaidBroadcast)
	}
	if c, err := LoadConfig(mapEnv(with("SEND_RATE", "1000", "ALLOW_PAID_BROADCAST", "true"))); err != nil || c.SendRate != 1000 || !c.PaidBroadcast {
		t.Errorf("SEND_RATE=1000 with ALLOW_PAID_BROADCAST=true: %d, %v, %v", c.SendRate, c.PaidBroadcast, err)
	}
	if _, err := LoadConfig(mapEnv(with("REDIS_URL", "rediss://:pw@redis.example:6380/3"))); err != nil {
		t.Errorf("rediss URL with password and db refused: %v", err)
	}
	bad := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"REDIS_URL": "redis://x"}, "TELEGRAM_BOT_TOKEN"},
		{with("TELEGRAM_BOT_TOKEN", "not a token"), "TELEGRAM_BOT_TOKEN"},
		{with("TELEGRAM_API_ENDPOINT", "https://api.telegram.org/bot"), "TELEGRAM_API_ENDPOINT"},
		{with("TELEGRAM_API_ENDPOINT", "ftp://x/bot%s/%s"), "TELEGRAM_API_ENDPOINT"},
		{with("REDIS_URL", "mysql://secretpw@db"), "REDIS_URL"},
		{with("ADMIN_IDS", "42,bob"), "ADMIN_IDS"},
		{with("ADMIN_IDS", "-5"), "ADMIN_IDS"},
		{with("TIMEZONE", "Mars/Olympus"), "TIMEZONE"},
		{with("LOG_LEVEL", "loud"), "LOG_LEVEL"},
		{with("LOG_FORMAT", "xml"), "LOG_FORMAT"},
		{with("APPROVAL", "owners"), "APPROVAL"},
		{with("APPROVAL", "yes"), "APPROVAL"},
		{with("SEND_RATE", "31"), "SEND_RATE"},
		{with("SEND_RATE", "1001", "ALLOW_PAID_BROADCAST", "true"), "SEND_RATE"},
		{with("SEND_RATE", "0"), "SEND_RATE"},
		{with("SEND_RATE", "fast"), "SEND_RATE"},
		{with("ALLOW_PAID_BROADCAST", "maybe"), "ALLOW_PAID_BROADCAST"},
	}
	for _, tt := range bad {
		_, err := LoadConfig(mapEnv(tt.env))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one naming %s", tt.env, err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), "secretpw") || strings.Contains(err.Error(), "\n") {
			t.Errorf("error is not one clean line: %q", err)
		}
	}
}

func TestHelpAndBadStart(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-h"}, mapEnv(nil), nil, &out, &errOut); code != 0 {
		t.Errorf("-h exit %d", code)
	}
	for _, v := range envVars {
		mustContain(t, out.String(), v.Name)
	}
	out.Reset()
	if code := run(nil, mapEnv(map[string]string{"REDIS_URL": "redis://x"}), nil, &out, &errOut); code != 2 {
		t.Errorf("missing token: exit %d", code)
	}
	if lines := strings.Count(strings.TrimSpace(errOut.String()), "\n"); lines != 0 || !strings.Contains(errOut.String(), "TELEGRAM_BOT_TOKEN") {
		t.Errorf("want one line naming the variable, got %q", errOut.String())
	}
	errOut.Reset()
	env := map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "REDIS_URL": "redis://127.0.0.1:1/0", "DATA_FILE": "/nonexistent/city.json"}
	if code := run(nil, mapEnv(env), nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "/nonexistent/city.json") {
		t.Errorf("bad DATA_FILE: exit %d, %q", code, errOut.String())
	}
}

// The README's configuration table and -h come from the same list; this
// keeps the README from drifting.
func TestReadmeDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range envVars {
		if !strings.Contains(string(readme), "| `"+v.Name+"` |") {
			t.Errorf("README's configuration table lacks %s", v.Name)
		}
	}
	for _, cmd := range []string{"partnerbot export", "partnerbot import", "partnerbot healthcheck", "make test"} {
		if !strings.Contains(string(readme), cmd) {
			t.Errorf("README never mentions %q", cmd)
		}
	}
}
