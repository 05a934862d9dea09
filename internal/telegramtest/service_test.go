package telegramtest_test

import (
	"encoding/json"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

func TestServiceAccountsAndSenderChat(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	group := telegramtest.Group(-1001234567890, "Residents")
	channel := telegramtest.Channel(-1009876543210, "City news")

	anon := srv.SendTextAsChat(group, group, "/announce@"+srv.BotUsername()+" all | hi")
	asChannel := srv.SendTextAsChat(group, channel, "from the channel")
	forward := srv.SendAutoForward(group, channel, "/start a new post")

	got, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(got) != 3 {
		t.Fatalf("got %d updates, %v", len(got), err)
	}
	byID := map[int]*tgbotapi.Message{}
	for _, u := range got {
		byID[u.UpdateID] = u.Message
	}

	m := byID[anon]
	if m.From.ID != telegramtest.AnonymousAdminID || !m.From.IsBot || m.From.UserName != "GroupAnonymousBot" {
		t.Errorf("anonymous admin from = %+v", m.From)
	}
	if m.SenderChat == nil || m.SenderChat.ID != group.ID || m.Chat.ID != group.ID {
		t.Errorf("anonymous admin sender_chat = %+v", m.SenderChat)
	}
	if !m.IsCommand() || m.Command() != "announce" || m.CommandArguments() != "all | hi" {
		t.Errorf("anonymous admin command: %q %q", m.Command(), m.CommandArguments())
	}

	m = byID[asChannel]
	if m.From.ID != telegramtest.ChannelBotID || !m.From.IsBot || m.From.UserName != "Channel_Bot" {
		t.Errorf("channel from = %+v", m.From)
	}
	if m.SenderChat == nil || m.SenderChat.ID != channel.ID || m.SenderChat.Type != "channel" {
		t.Errorf("channel sender_chat = %+v", m.SenderChat)
	}

	m = byID[forward]
	if m.From.ID != telegramtest.TelegramServiceID || m.From.IsBot || m.From.FirstName != "Telegram" {
		t.Errorf("automatic forward from = %+v", m.From)
	}
	if !m.IsAutomaticForward || m.SenderChat == nil || m.SenderChat.ID != channel.ID {
		t.Errorf("automatic forward: is_automatic_forward %v, sender_chat %+v", m.IsAutomaticForward, m.SenderChat)
	}
	if m.ForwardFromChat == nil || m.ForwardFromChat.ID != channel.ID || m.ForwardFromMessageID == 0 || m.ForwardDate == 0 {
		t.Errorf("automatic forward origin: %+v, %d, %d", m.ForwardFromChat, m.ForwardFromMessageID, m.ForwardDate)
	}
	if !m.IsCommand() || m.Command() != "start" {
		t.Errorf("automatic forward entities: %+v", m.Entities)
	}

	// The library predates forward_origin; check the raw update for it.
	var raw struct {
		Result []struct {
			Message struct {
				ForwardOrigin struct {
					Type      string             `json:"type"`
					Chat      struct{ ID int64 } `json:"chat"`
					MessageID int                `json:"message_id"`
				} `json:"forward_origin"`
			} `json:"message"`
		} `json:"result"`
	}
	calls := srv.Calls("getUpdates")
	if err := json.Unmarshal([]byte(calls[len(calls)-1].Response), &raw); err != nil || len(raw.Result) != 3 {
		t.Fatalf("raw updates: %v", err)
	}
	o := raw.Result[2].Message.ForwardOrigin
	if o.Type != "channel" || o.Chat.ID != channel.ID || o.MessageID != m.ForwardFromMessageID {
		t.Errorf("forward_origin = %+v", o)
	}
}

func TestServiceUsers(t *testing.T) {
	for _, tt := range []struct {
		user  telegramtest.User
		id    int64
		isBot bool
	}{
		{telegramtest.AnonymousAdmin(), 1087968824, true},
		{telegramtest.ChannelBot(), 136817688, true},
		{telegramtest.TelegramService(), 777000, false},
	} {
		if tt.user.ID != tt.id || tt.user.IsBot != tt.isBot {
			t.Errorf("%+v: want id %d, is_bot %v", tt.user, tt.id, tt.isBot)
		}
	}
}
