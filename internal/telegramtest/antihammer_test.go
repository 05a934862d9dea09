package telegramtest_test

import (
	"encoding/json"
	"net/url"
	"strconv"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

const unit = 20 * time.Millisecond

// getUpdatesTimed polls and fails the test on error; it returns how long the
// call took, for "was held at least" checks.
func getUpdatesTimed(t *testing.T, bot *tgbotapi.BotAPI, cfg tgbotapi.UpdateConfig) ([]tgbotapi.Update, time.Duration) {
	t.Helper()
	start := time.Now()
	got, err := bot.GetUpdates(cfg)
	if err != nil {
		t.Fatalf("getUpdates %+v: %v", cfg, err)
	}
	return got, time.Since(start)
}

func wantPenalties(t *testing.T, srv *telegramtest.Server, step string, held, limited int) {
	t.Helper()
	if srv.HeldPolls() != held || srv.LimitedPolls() != limited {
		t.Fatalf("%s: held %d, limited %d; want %d, %d", step, srv.HeldPolls(), srv.LimitedPolls(), held, limited)
	}
}

func TestAntiHammering(t *testing.T) {
	clock := newClock()
	srv := telegramtest.New(t, telegramtest.WithPollUnit(unit), telegramtest.WithClock(clock.Now))
	bot := srv.NewBotAPI(t)
	chat, user := telegramtest.PrivateChat(1, "")

	if got, _ := getUpdatesTimed(t, bot, tgbotapi.UpdateConfig{}); len(got) != 0 {
		t.Fatalf("first call: %+v", got)
	}
	wantPenalties(t, srv, "first call", 0, 0)

	// The same offset (absent means 0) at once: a short poll becomes a 3 s
	// (3 unit) long poll.
	if _, took := getUpdatesTimed(t, bot, tgbotapi.UpdateConfig{}); took < 3*unit {
		t.Errorf("repeated short poll returned after %v, want it held >= %v", took, 3*unit)
	}
	wantPenalties(t, srv, "repeat within 0.5 s", 1, 1)

	// Waiting updates come at once even when held, but within 0.5 s only
	// one of them.
	var last int
	for _, text := range []string{"a", "b", "c"} {
		last = srv.SendText(chat, user, text)
	}
	if got, _ := getUpdatesTimed(t, bot, tgbotapi.UpdateConfig{}); len(got) != 1 || got[0].Message.Text != "a" {
		t.Fatalf("within 0.5 s: %+v, want only the first update", got)
	}
	wantPenalties(t, srv, "repeat with updates", 2, 2)

	clock.Advance(time.Second) // inside 3 s, outside 0.5 s
	if got, _ := getUpdatesTimed(t, bot, tgbotapi.UpdateConfig{}); len(got) != 3 {
		t.Fatalf("after 1 s: %d updates, want 3", len(got))
	}
	wantPenalties(t, srv, "after 1 s", 3, 2)

	// A long poll of 3 s or more is never raised, only limited.
	clock.Advance(100 * time.Millisecond)
	if got, _ := getUpdatesTimed(t, bot, tgbotapi.UpdateConfig{Timeout: 3}); len(got) != 1 {
		t.Fatalf("long poll within 0.5 s: %d updates, want 1", len(got))
	}
	wantPenalties(t, srv, "long poll", 3, 3)

	clock.Advance(calm)
	if got, _ := getUpdatesTimed(t, bot, tgbotapi.UpdateConfig{}); len(got) != 3 {
		t.Fatalf("after a calm pause: %d updates, want 3", len(got))
	}
	wantPenalties(t, srv, "calm", 3, 3)

	// A new offset is never penalised, however soon it comes.
	if got, _ := getUpdatesTimed(t, bot, tgbotapi.UpdateConfig{Offset: last + 1}); len(got) != 0 {
		t.Fatalf("new offset: %+v", got)
	}
	wantPenalties(t, srv, "new offset", 3, 3)
	srv.WaitConfirmed(t, wait, last)
}

// The windows are wall-clock by default: a poller that re-polls as soon as
// a short long poll times out is held.
func TestAntiHammeringRealClock(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithPollUnit(unit))
	bot := srv.NewBotAPI(t)
	if _, took := getUpdatesTimed(t, bot, tgbotapi.UpdateConfig{Timeout: 1}); took < unit {
		t.Errorf("timeout 1 returned after %v", took)
	}
	if _, took := getUpdatesTimed(t, bot, tgbotapi.UpdateConfig{Timeout: 1}); took < 3*unit {
		t.Errorf("re-poll returned after %v, want it held >= %v", took, 3*unit)
	}
	if srv.HeldPolls() != 1 {
		t.Errorf("HeldPolls = %d, want 1", srv.HeldPolls())
	}
}

// Offset -1 as the very first call is not "the same offset" (the server
// starts with -1 but an old start time), and a call refused because a
// webhook is set never reaches the rule.
func TestAntiHammeringFirstCallAndWebhookConflict(t *testing.T) {
	clock := newClock()
	srv := telegramtest.New(t, telegramtest.WithPollUnit(unit), telegramtest.WithClock(clock.Now))
	bot := srv.NewBotAPI(t)
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: -1}); err != nil {
		t.Fatal(err)
	}
	wantPenalties(t, srv, "offset -1 first", 0, 0)

	clock.Advance(calm)
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(calm)
	srv.SetWebhook("https://example.org/hook")
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err == nil {
		t.Fatal("getUpdates with a webhook set succeeded")
	}
	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		t.Fatal(err)
	}
	// Had the 409 counted, this would repeat its offset at the same instant.
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil {
		t.Fatal(err)
	}
	wantPenalties(t, srv, "after the 409", 0, 0)
}

// limit and timeout are read like the Bot API server's get_integer_arg:
// absent gives the default, anything else is clamped, so limit=0 is 1.
func TestGetUpdatesClampsLikeTelegram(t *testing.T) {
	clock := newClock()
	srv := telegramtest.New(t, telegramtest.WithPollUnit(unit), telegramtest.WithClock(clock.Now))
	chat, user := telegramtest.PrivateChat(1, "")
	for i := range 3 {
		srv.SendText(chat, user, strconv.Itoa(i))
	}
	tests := []struct {
		params url.Values
		want   int
	}{
		{url.Values{}, 3},
		{url.Values{"limit": {"0"}}, 1},
		{url.Values{"limit": {"-7"}}, 1},
		{url.Values{"limit": {"garbage"}}, 1},
		{url.Values{"limit": {"500"}}, 3},
		{url.Values{"limit": {"2"}, "timeout": {"-5"}}, 2},
		{url.Values{"offset": {""}, "limit": {""}}, 3},
	}
	client := srv.HTTPClient()
	for _, tt := range tests {
		clock.Advance(calm)
		resp, err := client.PostForm(srv.URL()+"/bot"+srv.Token()+"/getUpdates", tt.params)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			OK     bool              `json:"ok"`
			Result []json.RawMessage `json:"result"`
		}
		err = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if err != nil || !env.OK || len(env.Result) != tt.want {
			t.Errorf("%v: ok=%v, %d updates, err %v; want %d", tt.params, env.OK, len(env.Result), err, tt.want)
		}
	}
	wantPenalties(t, srv, "calm calls", 0, 0)
}
