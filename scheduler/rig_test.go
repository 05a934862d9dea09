package scheduler_test

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/data"
	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// wait bounds every condition a test waits for.
const wait = 15 * time.Second

// rig is one delivery pipeline under test: a real Redis, the fake Bot API
// and the real bot client as the scheduler's Sender.
type rig struct {
	t      *testing.T
	redis  *redistest.Server
	st     *redisstore.Store
	tg     *telegramtest.Server
	client *telegram.Client
	logs   *testkit.Buffer
	log    *slog.Logger
}

// newRig starts Redis and the fake. sendTimeout bounds one request of the
// bot client (0: 5 s).
func newRig(t *testing.T, sendTimeout time.Duration) *rig {
	t.Helper()
	if sendTimeout <= 0 {
		sendTimeout = 5 * time.Second
	}
	r := &rig{t: t, redis: redistest.Start(t), tg: telegramtest.New(t), logs: &testkit.Buffer{}}
	r.log = slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := redisstore.Open(context.Background(), r.redis.URL())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	r.st = st
	c, err := telegram.NewClient(telegram.ClientConfig{Token: r.tg.Token(), Endpoint: r.tg.Endpoint(), SendTimeout: sendTimeout})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	r.client = c
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", r.logs.String())
		}
	})
	return r
}

// startWorkers runs outbox workers until the test ends (or the returned
// stop is called, which waits for them).
func (r *rig) startWorkers(w *scheduler.Workers) (stop func()) {
	r.t.Helper()
	if w.Store == nil {
		w.Store = shortBlock{r.st}
	}
	if w.Sender == nil {
		w.Sender = r.client
	}
	if w.Limiter == nil {
		w.Limiter = noLimit{}
	}
	if w.Log == nil {
		w.Log = r.log
	}
	if w.Consumer == "" {
		w.Consumer = "test"
	}
	if w.Count == 0 {
		w.Count = 2
	}
	if w.ClaimIdle == 0 {
		w.ClaimIdle = 5 * time.Second
	}
	if w.BackoffMin == 0 {
		w.BackoffMin, w.BackoffMax = 20*time.Millisecond, 100*time.Millisecond
	}
	if w.Grace == 0 {
		w.Grace = time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = w.Run(ctx)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(wait):
				r.t.Errorf("workers %s did not stop", w.Consumer)
			}
		})
	}
	r.t.Cleanup(stop)
	return stop
}

// shortBlock shortens the workers' blocking read of the outbox (1 s), which
// go-redis does not interrupt on cancel, so stopping workers in a test
// takes a tenth of a second rather than a second.
type shortBlock struct{ *redisstore.Store }

func (s shortBlock) Claim(ctx context.Context, consumer string, max int, block, minIdle time.Duration) ([]store.OutboxMessage, error) {
	return s.Store.Claim(ctx, consumer, max, min(block, 100*time.Millisecond), minIdle)
}

func (s shortBlock) ClaimPersonal(ctx context.Context, consumer string, max int, block, minIdle time.Duration) ([]store.OutboxMessage, error) {
	return s.Store.ClaimPersonal(ctx, consumer, max, min(block, 100*time.Millisecond), minIdle)
}

// subscriber stores an active subscriber and returns it.
func (r *rig) subscriber(id int64, lang store.Lang, freq store.Frequency, cities []string, kinds ...store.Kind) store.Subscriber {
	r.t.Helper()
	typ := "private"
	if id < 0 {
		typ = "group"
	}
	s := store.NewSubscriber(id, typ, lang, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s.Cities = cities
	s.Frequency = freq
	if len(kinds) > 0 {
		s.Kinds = kinds
	}
	if err := r.st.SaveSubscriber(context.Background(), s); err != nil {
		r.t.Fatalf("save subscriber %d: %v", id, err)
	}
	return s
}

// enqueue puts one message for chatID in the outbox.
func (r *rig) enqueue(chatID int64, text string) {
	r.t.Helper()
	m := store.OutboxMessage{Kind: store.MsgAnnouncement, ChatID: chatID, Group: chatID < 0, Text: text,
		CreatedAt: time.Now(), Ref: "test"}
	if err := r.st.Enqueue(context.Background(), m); err != nil {
		r.t.Fatalf("enqueue: %v", err)
	}
}

// waitSettled waits until every message was sent, dropped or buried.
func (r *rig) waitSettled() store.OutboxStats {
	r.t.Helper()
	return testkit.WaitOutboxSettled(r.t, r.st, wait)
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.Eventually(t, wait, func() string { return what }, cond)
}

// sendCalls returns the sendMessage calls addressed to chatID.
func sendCalls(tg *telegramtest.Server, chatID int64) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range tg.Calls("sendMessage") {
		if c.Param("chat_id") == strconv.FormatInt(chatID, 10) {
			out = append(out, c)
		}
	}
	return out
}

// noLimit lets every send go at once; worker tests about error handling
// do not want the per-chat pace of one message a second.
type noLimit struct{}

func (noLimit) Reserve(context.Context, int64, bool, bool) (time.Duration, error) { return 0, nil }
func (noLimit) Flood(context.Context, int64, time.Duration) (bool, error)         { return false, nil }

// renderer is the real bot's renderer, so digests are split and escaped
// exactly as in production.
func renderer(t *testing.T, _ store.Store) (*render.Renderer, *store.Dataset) {
	t.Helper()
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := render.NewTranslator()
	if err != nil {
		t.Fatal(err)
	}
	return render.New(tr, ds, kyiv(t)), ds
}

func kyiv(t *testing.T) *time.Location {
	t.Helper()
	l, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// clock is a settable Now for planners.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
