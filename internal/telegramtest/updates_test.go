package telegramtest_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

type pollResult struct {
	updates []tgbotapi.Update
	err     error
}

func pollAsync(bot *tgbotapi.BotAPI, cfg tgbotapi.UpdateConfig) <-chan pollResult {
	ch := make(chan pollResult, 1)
	go func() {
		u, err := bot.GetUpdates(cfg)
		ch <- pollResult{u, err}
	}()
	return ch
}

func receive(t *testing.T, ch <-chan pollResult) pollResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(wait):
		t.Fatal("getUpdates did not return")
		return pollResult{}
	}
}

func TestLongPollReturnsOnEnqueue(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithPollUnit(time.Hour))
	bot := srv.NewBotAPI(t)
	ch := pollAsync(bot, tgbotapi.UpdateConfig{Timeout: 30})
	srv.WaitLongPoll(t, wait)
	chat, user := telegramtest.PrivateChat(42, "uk")
	id := srv.SendText(chat, user, "привіт")
	r := receive(t, ch)
	if r.err != nil || len(r.updates) != 1 {
		t.Fatalf("got %+v, %v", r.updates, r.err)
	}
	u := r.updates[0]
	if u.UpdateID != id || u.Message.Text != "привіт" || u.Message.From.LanguageCode != "uk" || u.Message.Chat.Type != "private" || u.Message.Chat.ID != 42 {
		t.Errorf("update = %+v / %+v", u, u.Message)
	}
}

func TestLongPollTimesOut(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithPollUnit(20*time.Millisecond))
	bot := srv.NewBotAPI(t)
	start := time.Now()
	r := receive(t, pollAsync(bot, tgbotapi.UpdateConfig{Timeout: 3}))
	if r.err != nil || r.updates == nil || len(r.updates) != 0 {
		t.Fatalf("got %+v, %v; want an empty, non-nil list", r.updates, r.err)
	}
	if el := time.Since(start); el < 60*time.Millisecond {
		t.Errorf("returned after %v, want >= 3 poll units", el)
	}
	if c := srv.Calls("getUpdates")[0]; c.Response != `{"ok":true,"result":[]}` {
		t.Errorf("response = %s", c.Response)
	}
}

func TestLongPollEndsWhenClientLeaves(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithPollUnit(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL()+"/bot"+srv.Token()+"/getUpdates?timeout=30", nil)
	done := make(chan error, 1)
	go func() {
		resp, err := srv.HTTPClient().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	srv.WaitLongPoll(t, wait)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if c := srv.Calls("getUpdates"); len(c) != 1 || c[0].Status != 0 {
		t.Errorf("abandoned poll recorded as %+v, want no reply", c)
	}
}

func TestOffsetConfirmation(t *testing.T) {
	// The calls repeat offsets; a clock that moves on between them keeps
	// anti-hammering (tested on its own) out of the way.
	clock := newClock()
	srv := telegramtest.New(t, telegramtest.WithFirstUpdateID(500), telegramtest.WithClock(clock.Now))
	bot := srv.NewBotAPI(t)
	chat, user := telegramtest.PrivateChat(1, "")
	a := srv.SendText(chat, user, "a")
	b := srv.SendText(chat, user, "b")
	c := srv.SendText(chat, user, "c")
	if a != 500 || b != 501 || c != 502 {
		t.Fatalf("ids = %d %d %d", a, b, c)
	}

	got, err := bot.GetUpdates(tgbotapi.UpdateConfig{Limit: 2})
	if err != nil || len(got) != 2 || got[0].UpdateID != a || got[1].UpdateID != b {
		t.Fatalf("limit 2: %+v, %v", got, err)
	}
	// Without an offset nothing is confirmed: the same updates come again.
	clock.Advance(calm)
	got, _ = bot.GetUpdates(tgbotapi.UpdateConfig{})
	if len(got) != 3 || srv.Pending() != 3 {
		t.Fatalf("redelivery: %d updates, %d pending", len(got), srv.Pending())
	}
	// offset = b confirms only a: "greater than update_id".
	got, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: b})
	if len(got) != 2 || got[0].UpdateID != b || srv.Pending() != 2 {
		t.Fatalf("offset b: %+v, pending %d", got, srv.Pending())
	}
	srv.WaitConfirmed(t, wait, a)
	if srv.LastOffset() != int64(b) || srv.GetUpdatesCalls() != 3 {
		t.Errorf("LastOffset = %d, calls = %d", srv.LastOffset(), srv.GetUpdatesCalls())
	}
	got, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: c + 1})
	if len(got) != 0 || srv.Pending() != 0 {
		t.Fatalf("all confirmed: %+v, pending %d", got, srv.Pending())
	}
	srv.WaitConfirmed(t, wait, c)
	if srv.HeldPolls() != 0 || srv.LimitedPolls() != 0 {
		t.Errorf("held %d, limited %d; the clock should have kept anti-hammering out", srv.HeldPolls(), srv.LimitedPolls())
	}
}

func TestNegativeOffsetAndUpdateIDReset(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	chat, user := telegramtest.PrivateChat(1, "")
	srv.SendText(chat, user, "a")
	srv.SendText(chat, user, "b")
	last := srv.SendText(chat, user, "c")
	got, _ := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: -1})
	if len(got) != 1 || got[0].UpdateID != last || srv.Pending() != 1 {
		t.Fatalf("offset -1: %+v, pending %d", got, srv.Pending())
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: last + 1}); err != nil {
		t.Fatal(err)
	}

	// After a week of silence Telegram may restart ids lower than the
	// poller's offset; such updates must still be delivered.
	srv.SetNextUpdateID(1000)
	low := srv.SendText(chat, user, "after a quiet week")
	got, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: last + 1})
	if len(got) != 1 || got[0].UpdateID != low {
		t.Fatalf("after reset: %+v", got)
	}
	got, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: low + 1})
	if len(got) != 0 {
		t.Fatalf("reset update not confirmed: %+v", got)
	}
	srv.WaitConfirmed(t, wait, low)
}

func TestTwoPollersConflict(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithPollUnit(time.Hour))
	first := srv.NewBotAPI(t)
	second := srv.NewBotAPI(t)
	older := pollAsync(first, tgbotapi.UpdateConfig{Timeout: 30})
	srv.WaitLongPoll(t, wait)
	newer := pollAsync(second, tgbotapi.UpdateConfig{Timeout: 30})

	r := receive(t, older)
	e := apiError(t, r.err)
	if e.Code != 409 || e.Message != "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running" {
		t.Errorf("older poller: %+v", e)
	}
	srv.WaitLongPoll(t, wait)
	chat, user := telegramtest.PrivateChat(3, "")
	srv.SendText(chat, user, "x")
	if r := receive(t, newer); r.err != nil || len(r.updates) != 1 {
		t.Errorf("newer poller: %+v, %v", r.updates, r.err)
	}
}

func TestAllowedUpdates(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	chat, user := telegramtest.PrivateChat(1, "")
	msg := srv.SendText(chat, user, "hello")
	srv.SendCallback(chat, user, 1, "x")
	member := srv.SendMyChatMember(chat, user, "member", "kicked")
	srv.Enqueue(map[string]any{"chat_member": map[string]any{"chat": chat}})

	got, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"message", "my_chat_member"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].UpdateID != msg || got[1].UpdateID != member {
		t.Fatalf("filtered = %+v", got)
	}
	if got[1].MyChatMember.NewChatMember.Status != "kicked" || got[1].MyChatMember.NewChatMember.User.ID != srv.BotID() {
		t.Errorf("my_chat_member = %+v", got[1].MyChatMember)
	}
	if srv.Pending() != 2 {
		t.Errorf("pending = %d; the callback and chat_member should be dropped", srv.Pending())
	}

	// Omitted means "as before": the setting is sticky.
	srv.SendCallback(chat, user, 1, "y")
	srv.SendText(chat, user, "again")
	got, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: member + 1})
	if len(got) != 1 || got[0].Message == nil {
		t.Fatalf("sticky: %+v", got)
	}
	if !slices.Equal(srv.AllowedUpdates(), []string{"message", "my_chat_member"}) {
		t.Errorf("AllowedUpdates = %v", srv.AllowedUpdates())
	}
	h := srv.AllowedUpdatesHistory()
	if len(h) != 2 || h[1] != nil {
		t.Errorf("history = %v", h)
	}

	// An empty list restores the default, which still excludes chat_member.
	srv.SendCallback(chat, user, 1, "z")
	srv.Enqueue(`{"chat_member": {"chat": {"id": 1, "type": "private"}}}`)
	got, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: got[0].UpdateID + 1, AllowedUpdates: []string{}})
	if len(got) != 1 || got[0].CallbackQuery == nil {
		t.Fatalf("default set: %+v", got)
	}

	// A blocked bot cannot send there.
	_, err = bot.Send(tgbotapi.NewMessage(1, "still there?"))
	if e := apiError(t, err); e.Message != "Forbidden: bot was blocked by the user" {
		t.Errorf("after my_chat_member kicked: %+v", e)
	}
}

func TestIncomingShapes(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	chat, user := telegramtest.PrivateChat(5, "de")
	group := telegramtest.Group(-1001234567890, "Partnerstädte")
	srv.SendText(chat, user, "/start city_7")
	srv.SendText(group, user, "🎉/x /subscribe@partnerbot_test_bot now, @someone")
	edited := srv.SendEdited(chat, user, 1, "fixed")
	srv.SendSticker(chat, user, "👍")
	srv.SendPhoto(chat, user, "/caption")
	srv.SendChannelPost(telegramtest.Channel(-1009, "News"), "post")
	mig := srv.SendMigration(telegramtest.Group(-77, "Old"), user, -1000000000077)

	got, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"message", "edited_message", "channel_post"}})
	if err != nil || len(got) != 8 {
		t.Fatalf("got %d updates, %v", len(got), err)
	}
	start := got[0].Message
	if !start.IsCommand() || start.Command() != "start" || start.CommandArguments() != "city_7" {
		t.Errorf("start: %+v", start)
	}
	grp := got[1].Message
	if grp.Chat.Type != "supergroup" || grp.Chat.Title != "Partnerstädte" {
		t.Errorf("group chat = %+v", grp.Chat)
	}
	// "🎉/x" is not a command (no word start); the emoji is 2 UTF-16 units.
	want := []tgbotapi.MessageEntity{
		{Type: "bot_command", Offset: 5, Length: 30},
		{Type: "mention", Offset: 41, Length: 8},
	}
	if len(grp.Entities) != 2 || grp.Entities[0] != want[0] || grp.Entities[1] != want[1] {
		t.Errorf("group entities = %+v, want %+v", grp.Entities, want)
	}
	if got[2].UpdateID != edited || got[2].EditedMessage.Text != "fixed" || got[2].EditedMessage.EditDate == 0 {
		t.Errorf("edited = %+v", got[2].EditedMessage)
	}
	if s := got[3].Message.Sticker; s == nil || s.Emoji != "👍" || got[3].Message.Text != "" {
		t.Errorf("sticker = %+v", got[3].Message)
	}
	if p := got[4].Message; len(p.Photo) != 2 || p.Caption != "/caption" || len(p.CaptionEntities) != 1 || p.IsCommand() {
		t.Errorf("photo = %+v", p)
	}
	if p := got[5].ChannelPost; p == nil || p.From != nil || p.SenderChat.ID != -1009 {
		t.Errorf("channel post = %+v", got[5])
	}
	if m := got[6].Message; got[6].UpdateID != mig || m.MigrateToChatID != -1000000000077 {
		t.Errorf("migration = %+v", m)
	}
	if m := got[7].Message; m.MigrateFromChatID != -77 || m.Chat.Type != "supergroup" {
		t.Errorf("migration 2 = %+v", m)
	}
	if srv.IncomingMessageID(got[0].UpdateID) != 1 {
		t.Errorf("IncomingMessageID = %d", srv.IncomingMessageID(got[0].UpdateID))
	}
}
