package telegramtest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

const wait = 5 * time.Second

// apiError extracts the library's error type, failing the test if the
// error is something else; that distinction is what senders branch on.
func apiError(t *testing.T, err error) *tgbotapi.Error {
	t.Helper()
	var e *tgbotapi.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *tgbotapi.Error", err, err)
	}
	return e
}

func TestGetMe(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	if bot.Self.ID != srv.BotID() || bot.Self.UserName != "partnerbot_test_bot" || !bot.Self.IsBot {
		t.Errorf("Self = %+v", bot.Self)
	}
	if srv.BotID() != 123456 {
		t.Errorf("BotID = %d, want the token's prefix 123456", srv.BotID())
	}
	if got := len(srv.Calls("getMe")); got != 1 {
		t.Errorf("getMe calls = %d, want 1 (the constructor's)", got)
	}
	if !strings.Contains(srv.Endpoint(), "/bot%s/%s") {
		t.Errorf("Endpoint = %q", srv.Endpoint())
	}
}

func TestOptions(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithToken("987:other"), telegramtest.WithBotUsername("x_bot"))
	bot := srv.NewBotAPI(t)
	if bot.Self.ID != 987 || bot.Self.UserName != "x_bot" || srv.Token() != "987:other" {
		t.Errorf("Self = %+v, token %q", bot.Self, srv.Token())
	}
}

func TestWrongTokenAndUnknownMethod(t *testing.T) {
	srv := telegramtest.New(t)
	_, err := tgbotapi.NewBotAPIWithClient("1:wrong", srv.Endpoint(), srv.HTTPClient())
	if e := apiError(t, err); e.Code != 401 || e.Message != "Unauthorized" {
		t.Errorf("wrong token: %+v", e)
	}

	bot := srv.NewBotAPI(t)
	_, err = bot.MakeRequest("noSuchMethod", nil)
	if e := apiError(t, err); e.Code != 404 || e.Message != "Not Found" {
		t.Errorf("unknown method: %+v", e)
	}

	resp, err := http.Post(fmt.Sprintf(srv.Endpoint(), "1:wrong", "getMe"), "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || string(body) != `{"description":"Unauthorized","error_code":401,"ok":false}` {
		t.Errorf("raw 401 = %d %s", resp.StatusCode, body)
	}
}

func TestMethodNamesAreCaseInsensitive(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	if _, err := bot.MakeRequest("GETME", nil); err != nil {
		t.Fatal(err)
	}
}

func TestParamsJSONAndMultipart(t *testing.T) {
	srv := telegramtest.New(t)

	body := `{"chat_id": 7, "text": "json body", "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}}`
	resp, err := http.Post(fmt.Sprintf(srv.Endpoint(), srv.Token(), "sendMessage"), "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	m := srv.WaitSent(t, wait, telegramtest.To(7))
	if m.Plain != "json body" || m.ReplyMarkup[0][0].CallbackData != "a" {
		t.Errorf("json-body message = %+v", m)
	}

	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("chat_id", "8")
	_ = w.WriteField("caption", "hi")
	fw, _ := w.CreateFormFile("document", "report.csv")
	_, _ = fw.Write([]byte("a,b\n"))
	w.Close()
	srv.Handle("sendDocument", func(c telegramtest.Call) (any, error) {
		return map[string]any{"message_id": 1, "date": 0, "chat": map[string]any{"id": 8, "type": "private"}}, nil
	})
	resp, err = http.Post(fmt.Sprintf(srv.Endpoint(), srv.Token(), "sendDocument"), w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c := srv.WaitCall(t, wait, "sendDocument", nil)
	if c.Param("chat_id") != "8" || c.Param("caption") != "hi" || c.Files["document"] != "report.csv" || c.Status != 200 {
		t.Errorf("multipart call = %+v", c)
	}
}

func TestHandleOverridesAndFails(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	srv.Handle("getChatMember", func(c telegramtest.Call) (any, error) {
		if c.Param("user_id") == "13" {
			return nil, &telegramtest.APIError{Code: 400, Description: "Bad Request: user not found"}
		}
		return map[string]any{"status": "member", "user": telegramtest.NewUser(1, "")}, nil
	})
	m, err := bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: -5, UserID: 1}})
	if err != nil || m.Status != "member" {
		t.Fatalf("GetChatMember = %+v, %v", m, err)
	}
	_, err = bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: -5, UserID: 13}})
	if e := apiError(t, err); e.Code != 400 || e.Message != "Bad Request: user not found" {
		t.Errorf("err = %+v", e)
	}
}

func TestCloseRefusesConnections(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithPollUnit(time.Hour))
	bot := srv.NewBotAPI(t)
	done := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		done <- err
	}()
	srv.WaitLongPoll(t, wait)
	srv.Close() // must not wait for the parked poll
	select {
	case err := <-done:
		if err == nil {
			t.Error("parked poll ended without error on Close")
		}
		var e *tgbotapi.Error
		if errors.As(err, &e) {
			t.Errorf("parked poll got a Telegram error %v, want a transport error", e)
		}
	case <-time.After(wait):
		t.Fatal("parked poll not released by Close")
	}
	_, err := bot.GetMe()
	if err == nil || !strings.Contains(err.Error(), "connect") {
		t.Errorf("after Close: err = %v, want connection refused", err)
	}
	srv.Close() // idempotent
}

func TestSetDelayHitsClientTimeout(t *testing.T) {
	srv := telegramtest.New(t)
	client := &http.Client{Timeout: 50 * time.Millisecond}
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.Endpoint(), client)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetDelay("sendMessage", time.Minute)
	_, err = bot.Send(tgbotapi.NewMessage(1, "slow"))
	if err == nil || !strings.Contains(err.Error(), "Client.Timeout") {
		t.Fatalf("err = %v, want a client timeout", err)
	}
	if !strings.Contains(err.Error(), srv.Token()) {
		// This is the library behaviour the project warns about (README, "How it works"): the
		// token leaks through *url.Error. The fake must preserve it so the
		// project's redaction can be tested.
		t.Errorf("transport error %q no longer contains the token; redaction tests would be vacuous", err)
	}
	srv.SetDelay("sendMessage", 0)
	if _, err := bot.Send(tgbotapi.NewMessage(1, "fast")); err != nil {
		t.Fatal(err)
	}
}

func TestRawFaultIsNotTelegramError(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	srv.FailNextRaw(telegramtest.AnyMethod, 1, 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
	_, err := bot.Send(tgbotapi.NewMessage(1, "x"))
	var e *tgbotapi.Error
	if err == nil || errors.As(err, &e) {
		t.Fatalf("err = %v, want a JSON decode error", err)
	}
	var syn *json.SyntaxError
	if !errors.As(err, &syn) {
		t.Errorf("err = %T %v, want *json.SyntaxError", err, err)
	}
	if c := srv.Calls("sendMessage"); len(c) != 1 || c[0].Status != 502 {
		t.Errorf("calls = %+v", c)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(1, "x")); err != nil {
		t.Errorf("fault not consumed: %v", err)
	}
}
