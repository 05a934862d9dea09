package telegramtest_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

func TestCopyMessage(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	forum := telegramtest.ForumGroup(-1001600000002, "Office")
	srv.KnowChat(forum)
	thread := srv.CreateTopic(forum.ID, "Olena · UK")
	chat, user := telegramtest.PrivateChat(77, "uk")
	text := srv.SendIncoming(chat, user, telegramtest.Incoming{Text: "Hello /help @office"})
	photo := srv.SendIncoming(chat, user, telegramtest.Incoming{Photo: true, Caption: "our school"})
	doc := srv.SendIncoming(chat, user, telegramtest.Incoming{Document: "plan.pdf"})
	voice := srv.SendIncoming(chat, user, telegramtest.Incoming{Voice: true})
	copyTo := func(id int, extra tgbotapi.Params) (int, error) {
		params := tgbotapi.Params{"chat_id": strconv.FormatInt(forum.ID, 10), "message_thread_id": strconv.Itoa(thread),
			"from_chat_id": "77", "message_id": strconv.Itoa(id)}
		for k, v := range extra {
			params[k] = v
		}
		var got struct {
			MessageID int `json:"message_id"`
		}
		err := request(t, bot, "copyMessage", params, &got)
		return got.MessageID, err
	}
	for _, tt := range []struct {
		update           int
		extra            tgbotapi.Params
		media, plain     string
		entities, fileID bool
	}{
		{update: text, plain: "Hello /help @office", entities: true},
		{update: photo, media: "photo", plain: "our school", fileID: true},
		{update: photo, extra: tgbotapi.Params{"caption": "<b>From Olena:</b> our school", "parse_mode": "HTML"}, media: "photo", plain: "From Olena: our school", entities: true},
		{update: doc, media: "document", fileID: true},
		{update: voice, media: "voice", fileID: true},
		// A text keeps its text: only a media message's caption is replaced.
		{update: text, extra: tgbotapi.Params{"caption": "ignored"}, plain: "Hello /help @office", entities: true},
	} {
		id, err := copyTo(srv.IncomingMessageID(tt.update), tt.extra)
		if err != nil {
			t.Fatalf("copy of update %d: %v", tt.update, err)
		}
		m := srv.WaitSent(t, time.Second, func(m telegramtest.Message) bool { return m.ChatID == forum.ID && m.MessageID == id })
		if m.Media != tt.media || m.Plain != tt.plain || m.ThreadID != thread || (len(m.Entities) > 0) != tt.entities {
			t.Errorf("copy of update %d: media %q, text %q, thread %d, entities %v", tt.update, m.Media, m.Plain, m.ThreadID, m.Entities)
		}
		if tt.fileID && (m.FileID == "" || m.FileID != srv.IncomingFileID(tt.update)) {
			t.Errorf("copy of update %d: file %q, want the user's %q", tt.update, m.FileID, srv.IncomingFileID(tt.update))
		}
		if m.CopyOf != (telegramtest.MessageRef{ChatID: 77, MessageID: srv.IncomingMessageID(tt.update)}) {
			t.Errorf("CopyOf = %+v", m.CopyOf)
		}
	}
	_, err := copyTo(999, nil)
	if e := apiError(t, err); e.Code != 400 || e.Message != "Bad Request: message to copy not found" {
		t.Errorf("copy of a missing message: %+v", e)
	}
	_, err = copyTo(srv.IncomingMessageID(photo), tgbotapi.Params{"caption": strings.Repeat("x", 1025)})
	if e := apiError(t, err); e.Message != "Bad Request: message caption is too long" {
		t.Errorf("a new caption over 1024: %+v", e)
	}
	// The bot's own messages copy too, the other way round.
	inTopic := srv.SendIncoming(forum, telegramtest.NewUser(5, "en"), telegramtest.Incoming{ThreadID: thread, Photo: true, Caption: "answer"})
	var got struct {
		MessageID int `json:"message_id"`
	}
	err = request(t, bot, "copyMessage", tgbotapi.Params{"chat_id": "77", "from_chat_id": strconv.FormatInt(forum.ID, 10),
		"message_id": strconv.Itoa(srv.IncomingMessageID(inTopic))}, &got)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := srv.LastTo(77); m.Media != "photo" || m.Plain != "answer" || m.ThreadID != 0 {
		t.Errorf("copy into the private chat: %+v", m)
	}
	srv.DeleteTopic(forum.ID, thread)
	_, err = copyTo(srv.IncomingMessageID(text), nil)
	if e := apiError(t, err); e.Message != "Bad Request: message thread not found" {
		t.Errorf("copy into a deleted topic: %+v", e)
	}
	err = request(t, bot, "copyMessage", tgbotapi.Params{"chat_id": "77", "from_chat_id": strconv.FormatInt(forum.ID, 10),
		"message_id": strconv.Itoa(srv.IncomingMessageID(inTopic))}, &got)
	if e := apiError(t, err); e.Message != "Bad Request: message to copy not found" {
		t.Errorf("copy of a message of a deleted topic: %+v", e)
	}
	srv.Block(77)
	err = request(t, bot, "copyMessage", tgbotapi.Params{"chat_id": "77", "from_chat_id": "77", "message_id": strconv.Itoa(srv.IncomingMessageID(text))}, &got)
	if e := apiError(t, err); e.Message != "Forbidden: bot was blocked by the user" {
		t.Errorf("copy to a chat that blocked the bot: %+v", e)
	}
}

func TestIncomingInTopicsAndReplies(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	forum := telegramtest.ForumGroup(-1001600000003, "Office")
	srv.KnowChat(forum)
	thread := srv.CreateTopic(forum.ID, "Hans · DE")
	official := telegramtest.NewUser(5, "de")
	id := srv.SendIncoming(forum, official, telegramtest.Incoming{ThreadID: thread, Document: "plan.pdf", Caption: "the plan"})
	chat, user := telegramtest.PrivateChat(6, "de")
	sent, err := bot.Send(tgbotapi.NewMessage(6, "card"))
	if err != nil {
		t.Fatal(err)
	}
	reply := srv.SendIncoming(chat, user, telegramtest.Incoming{Voice: true, ReplyTo: sent.MessageID})
	updates, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 0})
	if err != nil || len(updates) != 2 {
		t.Fatalf("GetUpdates = %d updates, %v", len(updates), err)
	}
	for _, u := range updates {
		m := u.Message
		switch u.UpdateID {
		case id:
			if m.Document == nil || m.Document.FileName != "plan.pdf" || m.Caption != "the plan" || m.ReplyToMessage == nil || m.ReplyToMessage.MessageID != thread {
				t.Errorf("document in a topic: %+v", m)
			}
		case reply:
			if m.Voice == nil || m.ReplyToMessage == nil || m.ReplyToMessage.MessageID != sent.MessageID || m.ReplyToMessage.Text != "card" {
				t.Errorf("voice reply: %+v", m)
			}
		}
	}
}
