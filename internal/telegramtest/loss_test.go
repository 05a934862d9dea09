package telegramtest_test

import (
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

// transportError fails the test unless err is what a dropped connection
// gives the real client: no Telegram error, an EOF or a reset.
func transportError(t *testing.T, err error) {
	t.Helper()
	var e *tgbotapi.Error
	switch {
	case err == nil:
		t.Fatal("the client got a reply; want the connection dropped")
	case errors.As(err, &e):
		t.Fatalf("err = Telegram error %+v, want a transport error", e)
	case !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, syscall.ECONNRESET):
		t.Fatalf("err = %v (%T), want EOF or connection reset", err, err)
	}
}

// A lost reply: Telegram stored the message, the client saw EOF, and
// net/http did not quietly resend the POST, so a retry by the bot is what
// would make the duplicate.
func TestLoseNextProcessesThenDrops(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t) // getMe leaves an idle connection to reuse
	srv.LoseNext("sendMessage", 1)

	_, err := bot.Send(tgbotapi.NewMessage(5, "hello"))
	transportError(t, err)
	sent := srv.SentTo(5)
	if len(sent) != 1 || sent[0].Plain != "hello" {
		t.Fatalf("sent = %+v, want the message stored", sent)
	}
	calls := srv.Calls("sendMessage")
	if len(calls) != 1 {
		t.Fatalf("%d sendMessage requests reached the server, want 1 (no transparent retry)", len(calls))
	}
	if c := calls[0]; !c.Lost || c.Status != 200 || !strings.Contains(c.Response, `"ok":true`) {
		t.Errorf("lost call recorded as %+v", c)
	}
	if srv.Lost() != 1 || srv.LostTo(5) != 1 {
		t.Errorf("Lost = %d, LostTo(5) = %d", srv.Lost(), srv.LostTo(5))
	}
	// WaitCall counts it as completed: the state already reflects it.
	srv.WaitCall(t, wait, "sendMessage", func(c telegramtest.Call) bool { return c.Lost })

	// Used up: a retry succeeds, and the chat now has the message twice.
	if _, err := bot.Send(tgbotapi.NewMessage(5, "hello")); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.SentTo(5)); n != 2 {
		t.Errorf("%d messages after the retry, want 2", n)
	}
}

func TestLoseNextToOnlyThatChat(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	srv.LoseNextTo("sendMessage", 7, 1)
	srv.LoseNextTo(telegramtest.AnyMethod, 9, 1)

	if _, err := bot.Send(tgbotapi.NewMessage(8, "other chat")); err != nil {
		t.Fatalf("chat 8 hit chat 7's fault: %v", err)
	}
	_, err := bot.Send(tgbotapi.NewMessage(7, "to seven"))
	transportError(t, err)
	if _, err := bot.Send(tgbotapi.NewMessage(7, "again")); err != nil {
		t.Fatalf("fault not used up: %v", err)
	}
	if n := len(srv.SentTo(7)); n != 2 {
		t.Errorf("chat 7 has %d messages, want 2", n)
	}

	// Any method, here an edit: applied, reply lost.
	srv.ClearFaults()
	m, err := bot.Send(tgbotapi.NewMessage(9, "draft"))
	if err != nil {
		t.Fatal(err)
	}
	srv.LoseNextTo(telegramtest.AnyMethod, 9, 1)
	_, err = bot.Send(tgbotapi.NewEditMessageText(9, m.MessageID, "final"))
	transportError(t, err)
	if got, _ := srv.LastTo(9); got.Plain != "final" || !got.Edited {
		t.Errorf("edit not applied: %+v", got)
	}
	if srv.Lost() != 2 || srv.LostTo(7) != 1 || srv.LostTo(9) != 1 || srv.LostTo(8) != 0 {
		t.Errorf("Lost = %d, to 7/8/9 = %d/%d/%d", srv.Lost(), srv.LostTo(7), srv.LostTo(8), srv.LostTo(9))
	}
}

// A lost getUpdates reply confirms nothing new: the updates come again.
func TestLoseNextGetUpdates(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	chat, user := telegramtest.PrivateChat(1, "")
	id := srv.SendText(chat, user, "hi")
	srv.LoseNext("getUpdates", 1)
	_, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	transportError(t, err)
	got, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(got) != 1 || got[0].UpdateID != id {
		t.Fatalf("after the lost reply: %+v, %v", got, err)
	}
}

func TestFailNextTo(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	srv.FailNextTo("sendMessage", 7, 2, 502, "")
	srv.FailNextTo(telegramtest.AnyMethod, 9, 1, 403, "Forbidden: bot was blocked by the user")

	if _, err := bot.Send(tgbotapi.NewMessage(8, "x")); err != nil {
		t.Fatalf("chat 8 hit chat 7's fault: %v", err)
	}
	for i := range 2 {
		_, err := bot.Send(tgbotapi.NewMessage(7, "x"))
		if e := apiError(t, err); e.Code != 502 || e.Message != "Bad Gateway" {
			t.Errorf("attempt %d: %+v", i, e)
		}
	}
	if n := len(srv.SentTo(7)); n != 0 {
		t.Errorf("a failed call was processed: %d messages", n)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(7, "x")); err != nil {
		t.Errorf("third attempt: %v", err)
	}

	_, err := bot.Request(tgbotapi.NewChatAction(9, tgbotapi.ChatTyping))
	if e := apiError(t, err); e.Code != 403 || e.Message != "Forbidden: bot was blocked by the user" {
		t.Errorf("chat 9: %+v", e)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(9, "x")); err != nil {
		t.Errorf("chat 9 fault not used up: %v", err)
	}
	if srv.Lost() != 0 {
		t.Errorf("FailNextTo counted as lost: %d", srv.Lost())
	}
}

func TestFloodWaitTo(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	srv.FloodWaitTo("sendMessage", 7, 1, 43)
	if _, err := bot.Send(tgbotapi.NewMessage(8, "x")); err != nil {
		t.Fatalf("chat 8 hit chat 7's flood wait: %v", err)
	}
	_, err := bot.Send(tgbotapi.NewMessage(7, "x"))
	if e := apiError(t, err); e.Code != 429 || e.Message != "Too Many Requests: retry after 43" || e.RetryAfter != 43 {
		t.Errorf("chat 7: %+v", e)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(7, "x")); err != nil {
		t.Errorf("second send to chat 7: %v", err)
	}
}
