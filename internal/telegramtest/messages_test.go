package telegramtest_test

import (
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

func keyboard(data ...string) tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	for _, d := range data {
		row = append(row, tgbotapi.NewInlineKeyboardButtonData("btn "+d, d))
	}
	return tgbotapi.NewInlineKeyboardMarkup(row)
}

func TestSendAndEdit(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)

	msg := tgbotapi.NewMessage(42, "<b>Hello</b> &amp; welcome")
	msg.ParseMode = tgbotapi.ModeHTML
	msg.DisableWebPagePreview = true
	msg.ReplyMarkup = keyboard("a", "b")
	got, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	if got.MessageID != 1 || got.Chat.ID != 42 || got.From.ID != srv.BotID() || got.Text != "Hello & welcome" || got.Date == 0 {
		t.Errorf("returned message = %+v", got)
	}
	if len(got.Entities) != 1 || got.Entities[0].Type != "bold" || got.Entities[0].Length != 5 {
		t.Errorf("entities = %+v", got.Entities)
	}
	if got.ReplyMarkup == nil || *got.ReplyMarkup.InlineKeyboard[0][1].CallbackData != "b" {
		t.Errorf("reply markup = %+v", got.ReplyMarkup)
	}

	m := srv.WaitSent(t, wait, telegramtest.All(telegramtest.To(42), telegramtest.TextContains("welcome")))
	if m.Text != "<b>Hello</b> &amp; welcome" || m.ParseMode != "HTML" || !m.DisablePreview || m.Params["chat_id"] != "42" {
		t.Errorf("stored = %+v", m)
	}
	if b, ok := m.ReplyMarkup.Find("btn b"); !ok || b.CallbackData != "b" {
		t.Errorf("Find = %+v %v", b, ok)
	}

	second, err := bot.Send(tgbotapi.NewMessage(42, "second"))
	if err != nil || second.MessageID != 2 {
		t.Fatalf("second = %+v, %v", second, err)
	}

	edit := tgbotapi.NewEditMessageTextAndMarkup(42, 1, "Hello again", keyboard("c"))
	edited, err := bot.Send(edit)
	if err != nil {
		t.Fatal(err)
	}
	if edited.Text != "Hello again" || edited.EditDate == 0 {
		t.Errorf("edited = %+v", edited)
	}
	m = srv.WaitSent(t, wait, func(m telegramtest.Message) bool { return m.MessageID == 1 })
	if !m.Edited || m.Plain != "Hello again" || len(m.History) != 1 || m.History[0].Plain != "Hello & welcome" {
		t.Errorf("after edit = %+v", m)
	}

	_, err = bot.Send(edit)
	if e := apiError(t, err); e.Code != 400 || !strings.HasPrefix(e.Message, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same") {
		t.Errorf("same edit: %+v", e)
	}

	// Editing the text without reply_markup removes the keyboard, as on Telegram.
	if _, err := bot.Send(tgbotapi.NewEditMessageText(42, 1, "Hello again")); err != nil {
		t.Fatalf("edit dropping keyboard: %v", err)
	}
	if m, _ := srv.LastTo(42); m.MessageID != 2 {
		t.Errorf("LastTo = %+v", m)
	}
	if m := srv.SentTo(42)[0]; m.ReplyMarkup != nil || len(m.History) != 2 {
		t.Errorf("keyboard not removed: %+v", m)
	}

	if _, err := bot.Send(tgbotapi.NewEditMessageReplyMarkup(42, 2, keyboard("z"))); err != nil {
		t.Fatalf("editMessageReplyMarkup: %v", err)
	}
	if m := srv.SentTo(42)[1]; m.Plain != "second" || m.ReplyMarkup.Buttons()[0].CallbackData != "z" {
		t.Errorf("markup edit = %+v", m)
	}

	_, err = bot.Send(tgbotapi.NewEditMessageText(42, 99, "x"))
	if e := apiError(t, err); e.Message != "Bad Request: message to edit not found" {
		t.Errorf("missing: %+v", e)
	}

	chat, user := telegramtest.PrivateChat(42, "en")
	upd := srv.SendText(chat, user, "hi bot")
	userMsg := srv.IncomingMessageID(upd)
	if userMsg != 3 {
		t.Errorf("user message id = %d, want 3 (ids are shared per chat)", userMsg)
	}
	_, err = bot.Send(tgbotapi.NewEditMessageText(42, userMsg, "x"))
	if e := apiError(t, err); e.Message != "Bad Request: message can't be edited" {
		t.Errorf("user's message: %+v", e)
	}

	if _, err := bot.Request(tgbotapi.NewDeleteMessage(42, 2)); err != nil {
		t.Fatal(err)
	}
	_, err = bot.Request(tgbotapi.NewDeleteMessage(42, 2))
	if e := apiError(t, err); e.Message != "Bad Request: message to delete not found" {
		t.Errorf("double delete: %+v", e)
	}
	if len(srv.WaitSentCount(t, wait, 2)) != 2 {
		t.Error("WaitSentCount")
	}
}

func TestSendValidation(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	long := strings.Repeat("я", 4096)
	tests := []struct {
		name      string
		text      string
		parseMode string
		want      string // "" for success
	}{
		{"empty", "", "", "Bad Request: message text is empty"},
		{"whitespace only", "  \n ", "", "Bad Request: message text is empty"},
		{"only tags", "<b> </b>", "HTML", "Bad Request: message text is empty"},
		{"4096 runes", long, "", ""},
		{"4097 runes", long + "!", "", "Bad Request: message is too long"},
		{"4096 after unescaping", strings.Repeat("&lt;", 4096), "HTML", ""},
		{"4096 after stripping tags", "<b>" + long + "</b>", "HTML", ""},
		{"4097 after unescaping", strings.Repeat("&amp;", 4097), "HTML", "Bad Request: message is too long"},
		{"unknown parse mode", "x", "BBCode", "Bad Request: unsupported parse_mode"},
		{"markdown not parsed", "*x*", "MarkdownV2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := tgbotapi.NewMessage(5, tt.text)
			msg.ParseMode = tt.parseMode
			_, err := bot.Send(msg)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if e := apiError(t, err); e.Code != 400 || e.Message != tt.want {
				t.Errorf("got %d %q, want 400 %q", e.Code, e.Message, tt.want)
			}
		})
	}
}

func TestCallbackDataLength(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)

	ok := tgbotapi.NewMessage(1, "fits")
	ok.ReplyMarkup = keyboard(strings.Repeat("x", 64))
	if _, err := bot.Send(ok); err != nil {
		t.Fatalf("64 bytes: %v", err)
	}

	tooLong := tgbotapi.NewMessage(1, "too long")
	tooLong.ReplyMarkup = keyboard(strings.Repeat("é", 33)) // 33 runes, 66 bytes
	_, err := bot.Send(tooLong)
	if e := apiError(t, err); e.Code != 400 || e.Message != "Bad Request: BUTTON_DATA_INVALID" {
		t.Errorf("65+ bytes: %+v", e)
	}

	_, err = bot.Send(tgbotapi.NewEditMessageReplyMarkup(1, 1, keyboard(strings.Repeat("y", 65))))
	if e := apiError(t, err); e.Message != "Bad Request: BUTTON_DATA_INVALID" {
		t.Errorf("edit with 65 bytes: %+v", e)
	}

	plain := tgbotapi.NewMessage(1, "text button")
	plain.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup([]tgbotapi.InlineKeyboardButton{{Text: "no action"}})
	_, err = bot.Send(plain)
	if e := apiError(t, err); !strings.Contains(e.Message, "Text buttons are unallowed in the inline keyboard") {
		t.Errorf("button without action: %+v", e)
	}
	if n := len(srv.Sent()); n != 1 {
		t.Errorf("sent = %d, want only the valid one", n)
	}
}

func TestChatFailures(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	srv.Block(1)
	srv.Deactivate(2)
	srv.Kick(-3)
	srv.Kick(-1001234567890)
	srv.ChatNotFound(4)
	srv.Migrate(-5, -1000000000005)

	tests := []struct {
		chat    int64
		code    int
		message string
		migrate int64
	}{
		{1, 403, "Forbidden: bot was blocked by the user", 0},
		{2, 403, "Forbidden: user is deactivated", 0},
		{-3, 403, "Forbidden: bot was kicked from the group chat", 0},
		{-1001234567890, 403, "Forbidden: bot was kicked from the supergroup chat", 0},
		{4, 400, "Bad Request: chat not found", 0},
		{-5, 400, "Bad Request: group chat was upgraded to a supergroup chat", -1000000000005},
	}
	for _, tt := range tests {
		_, err := bot.Send(tgbotapi.NewMessage(tt.chat, "hi"))
		e := apiError(t, err)
		if e.Code != tt.code || e.Message != tt.message || e.MigrateToChatID != tt.migrate || e.RetryAfter != 0 {
			t.Errorf("chat %d: got %+v", tt.chat, e)
		}
	}
	srv.Unblock(1)
	if _, err := bot.Send(tgbotapi.NewMessage(1, "hi")); err != nil {
		t.Errorf("after Unblock: %v", err)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(-1000000000005, "moved")); err != nil {
		t.Errorf("new supergroup: %v", err)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(777, "never talked to us")); err != nil {
		t.Errorf("unknown chat must be allowed: %v", err)
	}
}

func TestFloodWaitEnvelope(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	srv.FailNext("sendMessage", 2, 429, "", 7)
	for i := range 2 {
		_, err := bot.Send(tgbotapi.NewMessage(1, "x"))
		e := apiError(t, err)
		if e.Code != 429 || e.Message != "Too Many Requests: retry after 7" || e.RetryAfter != 7 {
			t.Errorf("attempt %d: %+v", i, e)
		}
	}
	if _, err := bot.Send(tgbotapi.NewMessage(1, "x")); err != nil {
		t.Errorf("third attempt: %v", err)
	}
	calls := srv.Calls("sendMessage")
	if len(calls) != 3 || calls[0].Status != 429 || !strings.Contains(calls[0].Response, `"parameters":{"retry_after":7}`) {
		t.Errorf("calls = %+v", calls)
	}

	srv.FailNextWith("sendMessage", 1, &telegramtest.APIError{Code: 400, Description: "Bad Request: group chat was upgraded to a supergroup chat", MigrateToChatID: -100777})
	_, err := bot.Send(tgbotapi.NewMessage(-1, "x"))
	if e := apiError(t, err); e.MigrateToChatID != -100777 {
		t.Errorf("migrate envelope: %+v", e)
	}
}

func TestCallbackAnswer(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	msg := tgbotapi.NewMessage(9, "pick")
	msg.ReplyMarkup = keyboard("city:1")
	sent, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	chat, user := telegramtest.PrivateChat(9, "de")
	_, cbID := srv.SendCallback(chat, user, sent.MessageID, "city:1")

	updates, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(updates) != 1 {
		t.Fatalf("updates = %+v, %v", updates, err)
	}
	q := updates[0].CallbackQuery
	if q == nil || q.ID != cbID || q.Data != "city:1" || q.From.LanguageCode != "de" || q.Message.Text != "pick" || q.Message.MessageID != sent.MessageID {
		t.Fatalf("callback = %+v", q)
	}

	if _, err := bot.Request(tgbotapi.NewCallbackWithAlert(cbID, "Saved")); err != nil {
		t.Fatal(err)
	}
	a := srv.WaitAnswer(t, wait, cbID)
	if a.Text != "Saved" || !a.ShowAlert {
		t.Errorf("answer = %+v", a)
	}
	_, err = bot.Request(tgbotapi.NewCallback(cbID, ""))
	if e := apiError(t, err); e.Message != "Bad Request: query is too old and response timeout expired or query ID is invalid" {
		t.Errorf("second answer: %+v", e)
	}
	_, err = bot.Request(tgbotapi.NewCallback("123", ""))
	if e := apiError(t, err); e.Code != 400 {
		t.Errorf("unknown id: %+v", e)
	}
}
