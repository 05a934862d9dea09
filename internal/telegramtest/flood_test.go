package telegramtest_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

// limitedServer starts a fake with Telegram's limits on a clock that only
// moves when the test says so.
func limitedServer(t *testing.T, l telegramtest.Limits) (*telegramtest.Server, *tgbotapi.BotAPI, *clock) {
	t.Helper()
	c := newClock()
	srv := telegramtest.New(t, telegramtest.WithClock(c.Now), telegramtest.WithPollUnit(unit))
	srv.EnforceLimits(l)
	return srv, srv.NewBotAPI(t), c
}

func wantFlood(t *testing.T, err error, retryAfter int) {
	t.Helper()
	e := apiError(t, err)
	want := fmt.Sprintf("Too Many Requests: retry after %d", retryAfter)
	if e.Code != 429 || e.Message != want || e.RetryAfter != retryAfter {
		t.Fatalf("got %+v, want 429 %q with retry_after %d", e, want, retryAfter)
	}
}

func TestFloodPrivateChat(t *testing.T) {
	srv, bot, clock := limitedServer(t, telegramtest.TelegramLimits())
	for i := range 3 {
		if _, err := bot.Send(tgbotapi.NewMessage(1, "burst")); err != nil {
			t.Fatalf("burst message %d: %v", i, err)
		}
	}
	_, err := bot.Send(tgbotapi.NewMessage(1, "one too many"))
	wantFlood(t, err, 1)
	if n := len(srv.SentTo(1)); n != 3 {
		t.Errorf("%d messages stored, want the refused one not processed", n)
	}
	// Another chat has its own bucket.
	if _, err := bot.Send(tgbotapi.NewMessage(2, "elsewhere")); err != nil {
		t.Errorf("chat 2: %v", err)
	}
	// Edits count too.
	_, err = bot.Send(tgbotapi.NewEditMessageText(1, 1, "edited"))
	wantFlood(t, err, 1)

	clock.Advance(time.Second)
	if _, err := bot.Send(tgbotapi.NewMessage(1, "a second later")); err != nil {
		t.Errorf("after 1 s: %v", err)
	}
	if srv.FloodHits() != 2 || srv.FloodHitsTo(1) != 2 || srv.FloodHitsTo(2) != 0 || srv.GlobalFloodHits() != 0 {
		t.Errorf("hits %d, to 1 %d, to 2 %d, global %d", srv.FloodHits(), srv.FloodHitsTo(1), srv.FloodHitsTo(2), srv.GlobalFloodHits())
	}
}

// A group refills a token every 3 s (20 a minute), and retry_after counts
// down as time passes.
func TestFloodGroupRetryAfter(t *testing.T) {
	srv, bot, clock := limitedServer(t, telegramtest.TelegramLimits())
	const group = -1001234567890
	for range 3 {
		if _, err := bot.Send(tgbotapi.NewMessage(group, "burst")); err != nil {
			t.Fatal(err)
		}
	}
	_, err := bot.Send(tgbotapi.NewMessage(group, "x"))
	wantFlood(t, err, 3)
	clock.Advance(time.Second)
	_, err = bot.Send(tgbotapi.NewMessage(group, "x"))
	wantFlood(t, err, 2)
	clock.Advance(2 * time.Second)
	if _, err := bot.Send(tgbotapi.NewMessage(group, "x")); err != nil {
		t.Errorf("after 3 s: %v", err)
	}
	// A small negative id the fake has never seen is a group too.
	for range 3 {
		if _, err := bot.Send(tgbotapi.NewMessage(-5, "basic group")); err != nil {
			t.Fatal(err)
		}
	}
	_, err = bot.Send(tgbotapi.NewMessage(-5, "x"))
	wantFlood(t, err, 3)
	if srv.FloodHitsTo(group) != 2 || srv.FloodHitsTo(-5) != 1 {
		t.Errorf("hits to group %d, to -5 %d", srv.FloodHitsTo(group), srv.FloodHitsTo(-5))
	}
}

func TestFloodGlobal(t *testing.T) {
	srv, bot, clock := limitedServer(t, telegramtest.Limits{GlobalPerSecond: 2, GlobalBurst: 2})
	for _, chat := range []int64{1, 2} {
		if _, err := bot.Send(tgbotapi.NewMessage(chat, "x")); err != nil {
			t.Fatal(err)
		}
	}
	_, err := bot.Send(tgbotapi.NewMessage(3, "x"))
	wantFlood(t, err, 1)
	if srv.FloodHits() != 1 || srv.GlobalFloodHits() != 1 || srv.FloodHitsTo(3) != 1 {
		t.Errorf("hits %d, global %d, to 3 %d", srv.FloodHits(), srv.GlobalFloodHits(), srv.FloodHitsTo(3))
	}
	clock.Advance(500 * time.Millisecond)
	if _, err := bot.Send(tgbotapi.NewMessage(3, "x")); err != nil {
		t.Errorf("after a refill: %v", err)
	}
}

// Only sending methods are limited, only successful calls use tokens, and a
// method the fake does not model is limited as well when it sends.
func TestFloodCountsOnlySuccessfulSends(t *testing.T) {
	srv, bot, clock := limitedServer(t, telegramtest.Limits{PrivatePerSecond: 1, PrivateBurst: 1, GlobalPerSecond: 1, GlobalBurst: 1})
	cmds := tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "start", Description: "Start"})
	for range 5 {
		clock.Advance(calm) // polls spaced out; the buckets are full anyway
		if _, err := bot.Request(cmds); err != nil {
			t.Fatalf("setMyCommands limited: %v", err)
		}
		if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: -1}); err != nil {
			t.Fatalf("getUpdates limited: %v", err)
		}
		if _, err := bot.Request(tgbotapi.NewChatAction(1, tgbotapi.ChatTyping)); err != nil {
			t.Fatalf("sendChatAction limited: %v", err)
		}
	}
	srv.Block(2)
	for range 5 {
		if _, err := bot.Send(tgbotapi.NewMessage(2, "blocked")); err == nil {
			t.Fatal("sent to a blocked chat")
		}
		if _, err := bot.Send(tgbotapi.NewMessage(1, "")); err == nil {
			t.Fatal("sent an empty text")
		}
	}
	srv.Handle("sendPhoto", func(telegramtest.Call) (any, error) {
		return map[string]any{"message_id": 1, "date": 0, "chat": map[string]any{"id": 1, "type": "private"}}, nil
	})
	if _, err := bot.Send(tgbotapi.NewPhoto(1, tgbotapi.FileID("AgACAgIAAx"))); err != nil {
		t.Fatalf("first send after failures: %v", err)
	}
	_, err := bot.Send(tgbotapi.NewMessage(1, "second"))
	wantFlood(t, err, 1)
	if srv.FloodHits() != 1 {
		t.Errorf("FloodHits = %d, want 1", srv.FloodHits())
	}
	srv.EnforceLimits(telegramtest.Limits{})
	if _, err := bot.Send(tgbotapi.NewMessage(1, "limits off")); err != nil {
		t.Errorf("after EnforceLimits(Limits{}): %v", err)
	}
}

// Concurrent sends to one chat cannot share a token: exactly the burst
// gets through.
func TestFloodConcurrentSends(t *testing.T) {
	srv, bot, _ := limitedServer(t, telegramtest.TelegramLimits())
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { _, _ = bot.Send(tgbotapi.NewMessage(1, "x")) })
	}
	wg.Wait()
	if n, hits := len(srv.SentTo(1)), srv.FloodHitsTo(1); n != 3 || hits != 7 {
		t.Errorf("%d sent, %d refused; want 3 and 7", n, hits)
	}
}
