package telegramtest_test

import (
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

func TestWebhookConflict(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	srv.SetWebhook("https://old.example.org/hook")
	_, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	e := apiError(t, err)
	if e.Code != 409 || e.Message != "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" {
		t.Errorf("err = %+v", e)
	}
	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		t.Fatal(err)
	}
	if srv.DeleteWebhookCalls() != 1 || srv.WebhookURL() != "" {
		t.Errorf("deleteWebhook calls = %d, url %q", srv.DeleteWebhookCalls(), srv.WebhookURL())
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil {
		t.Errorf("after deleteWebhook: %v", err)
	}
}

func TestDeleteWebhookDropPending(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	chat, user := telegramtest.PrivateChat(1, "")
	srv.SendText(chat, user, "old")
	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{DropPendingUpdates: true}); err != nil {
		t.Fatal(err)
	}
	if srv.Pending() != 0 {
		t.Errorf("pending = %d", srv.Pending())
	}
}
