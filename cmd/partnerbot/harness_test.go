package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/pacing"
)

// wait is the deadline for anything the bot should do promptly.
const wait = 10 * time.Second

// env is one bot process under test: the real Main against the fake Bot
// API server and a throwaway Redis.
type env struct {
	t     *testing.T
	tg    *telegramtest.Server
	redis *redistest.Server
	logs  *testkit.Buffer
	cfg   Config

	cancel context.CancelFunc
	done   chan error
	// http is the address of the HTTP server of the running Main.
	http chan string
	// stores holds the running Main's store.
	stores chan store.Store
	// now, when set, is the running Main's clock (Main.Now).
	now store.NowFunc
}

// newEnv prepares a bot on the backend chosen by PARTNERBOT_TEST_BACKEND:
// "redis" (default) or "bolt" (the embedded store); `make test` runs the
// end-to-end suite on both.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := newRedisEnv(t)
	if os.Getenv("PARTNERBOT_TEST_BACKEND") == "bolt" {
		e.cfg.RedisURL, e.cfg.StateDir = "", t.TempDir()
	}
	return e
}

// newRedisEnv prepares a bot on Redis, for tests of Redis itself (outages,
// several replicas).
func newRedisEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, tg: telegramtest.New(t, telegramtest.WithInlineMode()), redis: redistest.Start(t), logs: &testkit.Buffer{}}
	cfg, err := LoadConfig(mapEnv(map[string]string{
		"TELEGRAM_BOT_TOKEN":    e.tg.Token(),
		"TELEGRAM_API_ENDPOINT": e.tg.Endpoint(),
		"REDIS_URL":             e.redis.URL(),
		"LOG_LEVEL":             "debug",
		"HTTP_ADDR":             "127.0.0.1:0",
	}))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	cfg.PollTimeout = 2 * time.Second
	cfg.AlbumWait = 150 * time.Millisecond
	cfg.BackoffMin, cfg.BackoffMax = 10*time.Millisecond, 100*time.Millisecond
	// Scripted conversations type faster than any resident; the tests of
	// the inbound limits set them back.
	cfg.Inbound = bot.InboundLimits{PerUser: time.Millisecond, UserBurst: 1000, PerGroup: time.Millisecond, GroupBurst: 1000}
	cfg.PrivateLimit = pacing.Bucket{Every: time.Millisecond, Burst: 1000}
	cfg.GroupLimit = pacing.Bucket{Every: time.Millisecond, Burst: 1000}
	e.cfg = cfg
	return e
}

func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// start runs Main and waits until it is polling.
func (e *env) start() {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done, e.http, e.stores = cancel, make(chan error, 1), make(chan string, 1), make(chan store.Store, 1)
	m := &Main{Config: e.cfg, Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnHTTP: func(addr string) { e.http <- addr }, OnStore: func(st store.Store) { e.stores <- st }, Now: e.now}
	go func() { e.done <- m.Run(ctx) }()
	e.tg.WaitLongPoll(e.t, wait)
	e.t.Cleanup(e.stop)
}

// httpURL is the base URL of the running Main's HTTP server.
func (e *env) httpURL() string {
	e.t.Helper()
	select {
	case addr := <-e.http:
		e.http <- addr // keep it for the next caller
		return "http://" + addr
	case <-time.After(wait):
		e.t.Fatal("HTTP server never listened")
		return ""
	}
}

// stop cancels Main and waits for it to return.
func (e *env) stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	select {
	case err := <-e.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			e.t.Errorf("Main.Run: %v", err)
		}
	case <-time.After(wait):
		e.t.Errorf("Main.Run did not return after cancel")
	}
	e.cancel = nil
}

// chat is a resident (or a group) talking to the bot.
type chat struct {
	e    *env
	chat telegramtest.Chat
	user telegramtest.User
}

func (e *env) private(id int64, lang string) *chat {
	c, u := telegramtest.PrivateChat(id, lang)
	return &chat{e: e, chat: c, user: u}
}

func (e *env) group(id int64, member *chat) *chat {
	return &chat{e: e, chat: telegramtest.Group(id, "Residents group"), user: member.user}
}

// say sends a text and returns what the bot sent to the chat in reply.
func (c *chat) say(text string) []telegramtest.Message {
	c.e.t.Helper()
	before := len(c.e.tg.SentTo(c.chat.ID))
	id := c.e.tg.SendText(c.chat, c.user, text)
	c.e.tg.WaitConfirmed(c.e.t, wait, id)
	return c.e.tg.SentTo(c.chat.ID)[before:]
}

// ask sends a text and returns the single reply, failing otherwise.
func (c *chat) ask(text string) telegramtest.Message {
	c.e.t.Helper()
	got := c.say(text)
	if len(got) != 1 {
		c.e.t.Fatalf("%q: got %d replies, want 1: %+v", text, len(got), plains(got))
	}
	return got[0]
}

// tap presses a button on a message by its visible text and returns the
// message as it is afterwards, plus any new messages.
func (c *chat) tap(m telegramtest.Message, label string) (telegramtest.Message, []telegramtest.Message) {
	c.e.t.Helper()
	b, ok := findButton(m, label)
	if !ok {
		c.e.t.Fatalf("no button %q on %q; buttons: %+v", label, m.Plain, m.ReplyMarkup.Buttons())
	}
	before := len(c.e.tg.SentTo(c.chat.ID))
	id, cbID := c.e.tg.SendCallback(c.chat, c.user, m.MessageID, b.CallbackData)
	c.e.tg.WaitConfirmed(c.e.t, wait, id)
	c.e.tg.WaitAnswer(c.e.t, wait, cbID)
	all := c.e.tg.SentTo(c.chat.ID)
	for _, x := range all {
		if x.MessageID == m.MessageID {
			m = x
		}
	}
	return m, all[before:]
}

func findButton(m telegramtest.Message, label string) (telegramtest.Button, bool) {
	for _, b := range m.ReplyMarkup.Buttons() {
		if strings.Contains(b.Text, label) {
			return b, true
		}
	}
	return telegramtest.Button{}, false
}

func plains(ms []telegramtest.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Plain
	}
	return out
}

func mustContain(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("reply lacks %q:\n%s", w, got)
		}
	}
}

func newTestLogger(w *testkit.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

// eventually waits until cond holds (see testkit.Eventually).
func eventually(t testing.TB, within time.Duration, what func() string, cond func() bool) {
	t.Helper()
	testkit.Eventually(t, within, what, cond)
}
