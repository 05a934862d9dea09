package scheduler_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// reasons records the Events hooks of a Workers.
type reasons struct {
	mu     sync.Mutex
	failed []string
	sent   int
}

func (r *reasons) events() scheduler.Events {
	return scheduler.Events{
		Sent: func(store.MessageKind) { r.mu.Lock(); r.sent++; r.mu.Unlock() },
		Failed: func(_ store.MessageKind, reason string) {
			r.mu.Lock()
			r.failed = append(r.failed, reason)
			r.mu.Unlock()
		},
	}
}

func (r *reasons) get() ([]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.failed), r.sent
}

// Every Telegram error a sender must handle (internal/tgerr's outcomes),
// through the real client and the fake Bot API.
func TestWorkersMapEveryTelegramError(t *testing.T) {
	t.Parallel()
	const text = "Hello <b>residents</b>"
	type row struct {
		name        string
		chat        int64
		text        string
		sendTimeout time.Duration
		maxAttempts int
		backoffMin  time.Duration
		// fault sets up the failure; it runs after the message is queued
		// and before the workers start, unless it starts them itself.
		fault func(t *testing.T, r *rig, start func())
		check func(t *testing.T, r *rig, ob store.OutboxStats, failed []string, sent int)
	}
	ctx := context.Background()
	inactive := func(t *testing.T, r *rig, chat int64) {
		t.Helper()
		s, err := r.st.Subscriber(ctx, chat)
		if err != nil {
			t.Fatalf("subscriber %d: %v", chat, err)
		}
		if s.Active {
			t.Errorf("subscriber %d still active", chat)
		}
		ids, _ := r.st.CitySubscribers(ctx, "venlo")
		if slices.Contains(ids, chat) {
			t.Errorf("inactive chat %d still among Venlo's subscribers %v", chat, ids)
		}
	}
	sentOnce := func(t *testing.T, r *rig, chat int64) {
		t.Helper()
		got := r.tg.SentTo(chat)
		if len(got) != 1 || got[0].Text != text {
			t.Errorf("chat %d got %d messages %q, want the message once", chat, len(got), plainsOf(got))
		}
	}
	calls := func(t *testing.T, r *rig, chat int64, want int) []telegramtest.Call {
		t.Helper()
		cs := sendCalls(r.tg, chat)
		if len(cs) != want {
			t.Errorf("%d sendMessage calls to %d, want %d", len(cs), chat, want)
		}
		return cs
	}
	// spaced checks that retries waited for their backoff (half of the
	// minimum: the backoff has jitter).
	spaced := func(t *testing.T, cs []telegramtest.Call, atLeast time.Duration) {
		t.Helper()
		for i := 1; i < len(cs); i++ {
			if gap := cs[i].Time.Sub(cs[i-1].Time); gap < atLeast {
				t.Errorf("call %d came %v after the previous one, want a backoff of at least %v", i, gap, atLeast)
			}
		}
	}
	noDead := func(t *testing.T, ob store.OutboxStats) {
		t.Helper()
		if ob.Dead != 0 {
			t.Errorf("%d dead letters, want none", ob.Dead)
		}
	}
	rows := []row{
		{name: "403 blocked", chat: 101,
			fault: func(_ *testing.T, r *rig, _ func()) { r.tg.Block(101) },
			check: func(t *testing.T, r *rig, ob store.OutboxStats, failed []string, _ int) {
				inactive(t, r, 101)
				calls(t, r, 101, 1)
				noDead(t, ob)
				if !slices.Equal(failed, []string{"gone"}) {
					t.Errorf("failures %v, want [gone]", failed)
				}
			}},
		{name: "403 deactivated", chat: 102,
			fault: func(_ *testing.T, r *rig, _ func()) { r.tg.Deactivate(102) },
			check: func(t *testing.T, r *rig, ob store.OutboxStats, _ []string, _ int) {
				if _, err := r.st.Subscriber(ctx, 102); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("deactivated account's subscriber: err %v, want ErrNotFound", err)
				}
				calls(t, r, 102, 1)
				noDead(t, ob)
			}},
		{name: "403 kicked from group", chat: -103,
			fault: func(_ *testing.T, r *rig, _ func()) { r.tg.Kick(-103) },
			check: func(t *testing.T, r *rig, ob store.OutboxStats, _ []string, _ int) {
				inactive(t, r, -103)
				cs := calls(t, r, -103, 1)
				if len(cs) == 1 && !strings.Contains(cs[0].Response, "kicked from the group chat") {
					t.Errorf("fake answered %s", cs[0].Response)
				}
				noDead(t, ob)
			}},
		{name: "400 chat not found", chat: 104,
			fault: func(_ *testing.T, r *rig, _ func()) { r.tg.ChatNotFound(104) },
			check: func(t *testing.T, r *rig, ob store.OutboxStats, _ []string, _ int) {
				inactive(t, r, 104)
				calls(t, r, 104, 1)
				noDead(t, ob)
			}},
		{name: "400 migrated to supergroup", chat: -105,
			fault: func(_ *testing.T, r *rig, _ func()) { r.tg.Migrate(-105, -1000000000105) },
			check: func(t *testing.T, r *rig, ob store.OutboxStats, failed []string, _ int) {
				const to = -1000000000105
				if _, err := r.st.Subscriber(ctx, -105); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("old group id still subscribed: %v", err)
				}
				s, err := r.st.Subscriber(ctx, to)
				if err != nil || !s.Active || !slices.Equal(s.Cities, []string{"venlo"}) || s.ChatType != "supergroup" {
					t.Errorf("supergroup subscriber %+v %v, want active, Venlo, supergroup", s, err)
				}
				ids, _ := r.st.CitySubscribers(ctx, "venlo")
				if !slices.Equal(ids, []int64{to}) {
					t.Errorf("Venlo subscribers %v, want [%d]", ids, int64(to))
				}
				calls(t, r, -105, 1)
				sentOnce(t, r, to)
				noDead(t, ob)
				if !slices.Contains(failed, "migrated") {
					t.Errorf("failures %v lack migrated", failed)
				}
			}},
		{name: "502 JSON", chat: 106, backoffMin: 200 * time.Millisecond,
			fault: func(_ *testing.T, r *rig, _ func()) { r.tg.FailNext("sendMessage", 2, 502, "", 0) },
			check: func(t *testing.T, r *rig, ob store.OutboxStats, failed []string, _ int) {
				sentOnce(t, r, 106)
				spaced(t, calls(t, r, 106, 3), 100*time.Millisecond)
				noDead(t, ob)
				if !slices.Equal(failed, []string{"transient", "transient"}) {
					t.Errorf("failures %v, want two transient", failed)
				}
			}},
		{name: "502 HTML page from a proxy", chat: 107, backoffMin: 200 * time.Millisecond,
			fault: func(_ *testing.T, r *rig, _ func()) {
				r.tg.FailNextRaw("sendMessage", 2, 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
			},
			check: func(t *testing.T, r *rig, ob store.OutboxStats, _ []string, _ int) {
				sentOnce(t, r, 107)
				spaced(t, calls(t, r, 107, 3), 100*time.Millisecond)
				noDead(t, ob)
			}},
		{name: "reply slower than the send timeout", chat: 108, sendTimeout: 300 * time.Millisecond,
			fault: func(t *testing.T, r *rig, start func()) {
				r.tg.SetDelay("sendMessage", 5*time.Second)
				start()
				waitFor(t, "a sendMessage in flight", func() bool { return len(sendCalls(r.tg, 108)) > 0 })
				r.tg.SetDelay("sendMessage", 0) // the retry is answered at once
			},
			check: func(t *testing.T, r *rig, ob store.OutboxStats, failed []string, _ int) {
				sentOnce(t, r, 108)
				cs := sendCalls(r.tg, 108)
				if len(cs) != 2 {
					t.Errorf("%d calls, want the timed-out one and one retry", len(cs))
				} else if gap := cs[1].Time.Sub(cs[0].Time); gap < 300*time.Millisecond {
					t.Errorf("retry %v after the first call: it did not wait for the timeout", gap)
				}
				noDead(t, ob)
				if !slices.Equal(failed, []string{"transient"}) {
					t.Errorf("failures %v, want one transient", failed)
				}
			}},
		{name: "persistent 500 is dead-lettered", chat: 109, maxAttempts: 3,
			fault: func(_ *testing.T, r *rig, _ func()) {
				r.tg.FailChat(109, &telegramtest.APIError{Code: 500, Description: "Internal Server Error"})
			},
			check: func(t *testing.T, r *rig, ob store.OutboxStats, failed []string, _ int) {
				calls(t, r, 109, 3)
				if ob.Dead != 1 {
					t.Fatalf("Dead = %d, want 1", ob.Dead)
				}
				dl, err := r.st.DeadLetters(ctx, 10)
				if err != nil || len(dl) != 1 {
					t.Fatalf("dead letters %+v %v", dl, err)
				}
				if dl[0].Message.ChatID != 109 || dl[0].Message.Text != text || dl[0].Message.Attempts != 3 || dl[0].Reason == "" {
					t.Errorf("dead letter %+v", dl[0])
				}
				if s, err := r.st.Subscriber(ctx, 109); err != nil || !s.Active {
					t.Errorf("a transient failure changed the subscriber: %+v %v", s, err)
				}
				if !slices.Equal(failed, []string{"transient", "transient", "dead_lettered"}) {
					t.Errorf("failures %v", failed)
				}
			}},
		{name: "400 can't parse entities", chat: 110, text: "<b>x",
			check: func(t *testing.T, r *rig, ob store.OutboxStats, failed []string, _ int) {
				calls(t, r, 110, 1)
				if len(r.tg.SentTo(110)) != 0 {
					t.Error("bad markup delivered")
				}
				dl, err := r.st.DeadLetters(ctx, 10)
				if ob.Dead != 1 || err != nil || len(dl) != 1 || dl[0].Message.Text != "<b>x" ||
					!strings.Contains(dl[0].Reason, "can't parse entities") {
					t.Errorf("dead letters %d %+v %v, want the message with Telegram's reason", ob.Dead, dl, err)
				}
				logs := r.logs.String()
				if !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "can't parse entities") {
					t.Errorf("bad markup not logged as an error:\n%s", logs)
				}
				if !slices.Equal(failed, []string{"dead_lettered"}) {
					t.Errorf("failures %v", failed)
				}
			}},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, tt.sendTimeout)
			r.subscriber(tt.chat, store.LangEN, store.FreqDaily, []string{"venlo"})
			msg := tt.text
			if msg == "" {
				msg = text
			}
			r.enqueue(tt.chat, msg)
			var rec reasons
			w := &scheduler.Workers{Events: rec.events(), MaxAttempts: tt.maxAttempts, Count: 1}
			if tt.backoffMin > 0 {
				w.BackoffMin, w.BackoffMax = tt.backoffMin, 2*tt.backoffMin
			}
			var stop func()
			start := func() { stop = r.startWorkers(w) }
			if tt.fault != nil {
				tt.fault(t, r, start)
			}
			if stop == nil {
				start()
			}
			ob := r.waitSettled()
			// Settling comes before the subscriber change is reported:
			// stopping the workers waits for the message in hand.
			stop()
			failed, sent := rec.get()
			tt.check(t, r, ob, failed, sent)
		})
	}
}

func plainsOf(ms []telegramtest.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Plain
	}
	return out
}
