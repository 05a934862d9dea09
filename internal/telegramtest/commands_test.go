package telegramtest_test

import (
	"fmt"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

func TestMyCommands(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	resident := []tgbotapi.BotCommand{{Command: "start", Description: "Start"}, {Command: "cities", Description: "Städte"}}
	official := []tgbotapi.BotCommand{{Command: "publish", Description: "Publish a post"}}

	de := tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeAllPrivateChats(), "de", resident...)
	if _, err := bot.Request(de); err != nil {
		t.Fatal(err)
	}
	// A per-chat scope needs a chat the bot has seen (TestMyCommandsUnknownChat).
	officialChat, _ := telegramtest.PrivateChat(42, "")
	srv.KnowChat(officialChat)
	if _, err := bot.Request(tgbotapi.NewSetMyCommandsWithScope(tgbotapi.NewBotCommandScopeChat(42), official...)); err != nil {
		t.Fatal(err)
	}

	if got := srv.Commands("all_private_chats", 0, "de"); len(got) != 2 || got[1].Description != "Städte" {
		t.Errorf("private/de = %+v", got)
	}
	if got := srv.Commands("chat", 42, ""); len(got) != 1 || got[0].Command != "publish" {
		t.Errorf("chat 42 = %+v", got)
	}
	if got := srv.Commands("all_private_chats", 0, ""); got != nil {
		t.Errorf("no fallback between languages, got %+v", got)
	}

	got, err := bot.GetMyCommandsWithConfig(tgbotapi.NewGetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeAllPrivateChats(), "de"))
	if err != nil || len(got) != 2 {
		t.Errorf("getMyCommands = %+v, %v", got, err)
	}
	got, err = bot.GetMyCommands()
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("default scope = %#v, %v; want []", got, err)
	}

	if _, err := bot.Request(tgbotapi.NewDeleteMyCommandsWithScope(tgbotapi.NewBotCommandScopeChat(42))); err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands("chat", 42, ""); got != nil {
		t.Errorf("after delete = %+v", got)
	}
}

func TestMyCommandsValidation(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	many := make([]tgbotapi.BotCommand, 101)
	for i := range many {
		many[i] = tgbotapi.BotCommand{Command: fmt.Sprintf("c%d", i), Description: "d"}
	}
	tests := []struct {
		name string
		cmds []tgbotapi.BotCommand
		want string
	}{
		{"uppercase", []tgbotapi.BotCommand{{Command: "Start", Description: "x"}}, "Bad Request: BOT_COMMAND_INVALID"},
		{"leading slash", []tgbotapi.BotCommand{{Command: "/start", Description: "x"}}, "Bad Request: BOT_COMMAND_INVALID"},
		{"33 chars", []tgbotapi.BotCommand{{Command: strings.Repeat("a", 33), Description: "x"}}, "Bad Request: BOT_COMMAND_INVALID"},
		{"empty description", []tgbotapi.BotCommand{{Command: "a", Description: ""}}, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"},
		{"257 description", []tgbotapi.BotCommand{{Command: "a", Description: strings.Repeat("ü", 257)}}, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"},
		{"101 commands", many, "Bad Request: BOT_COMMANDS_TOO_MUCH"},
		{"limits are fine", []tgbotapi.BotCommand{{Command: strings.Repeat("a", 32), Description: strings.Repeat("ü", 256)}}, ""},
		{"100 commands", many[:100], ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bot.Request(tgbotapi.NewSetMyCommands(tt.cmds...))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if e := apiError(t, err); e.Code != 400 || e.Message != tt.want {
				t.Errorf("got %+v, want %q", e, tt.want)
			}
		})
	}
}

// A per-chat menu for a chat the bot has never seen fails like on Telegram,
// for every *MyCommands method and every per-chat scope; once the user has
// written (or KnowChat says they did long ago) it works.
func TestMyCommandsUnknownChat(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	official := tgbotapi.BotCommand{Command: "publish", Description: "Publish a post"}
	chatScope := tgbotapi.NewBotCommandScopeChat(42)
	admins := tgbotapi.NewBotCommandScopeChatAdministrators(-100777)
	requests := map[string]func() error{
		"set": func() error {
			_, err := bot.Request(tgbotapi.NewSetMyCommandsWithScope(chatScope, official))
			return err
		},
		"delete": func() error {
			_, err := bot.Request(tgbotapi.NewDeleteMyCommandsWithScope(chatScope))
			return err
		},
		"get": func() error {
			_, err := bot.GetMyCommandsWithConfig(tgbotapi.NewGetMyCommandsWithScope(chatScope))
			return err
		},
		"set admins": func() error {
			_, err := bot.Request(tgbotapi.NewSetMyCommandsWithScope(admins, official))
			return err
		},
	}
	for name, req := range requests {
		if e := apiError(t, req()); e.Code != 400 || e.Message != "Bad Request: chat not found" {
			t.Errorf("%s before the chat is known: %+v", name, e)
		}
	}
	if srv.Commands("chat", 42, "") != nil {
		t.Error("a refused setMyCommands stored a menu")
	}
	// Scopes without a chat never need one.
	if _, err := bot.Request(tgbotapi.NewSetMyCommandsWithScope(tgbotapi.NewBotCommandScopeAllPrivateChats(), official)); err != nil {
		t.Errorf("all_private_chats: %v", err)
	}

	chat, user := telegramtest.PrivateChat(42, "en")
	srv.SendText(chat, user, "/start")
	srv.KnowChat(telegramtest.Group(-100777, "Office"))
	for name, req := range requests {
		if err := req(); err != nil {
			t.Errorf("%s once the chat is known: %v", name, err)
		}
	}
	if got := srv.Commands("chat_administrators", -100777, ""); len(got) != 1 {
		t.Errorf("admins menu = %+v", got)
	}
}
