package telegramtest_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

// request calls a method the library lacks and decodes its result.
func request(t *testing.T, bot *tgbotapi.BotAPI, method string, params tgbotapi.Params, result any) error {
	t.Helper()
	resp, err := bot.MakeRequest(method, params)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.Result, result); err != nil {
		t.Fatalf("%s result %s: %v", method, resp.Result, err)
	}
	return nil
}

type topicMessage struct {
	MessageID       int                      `json:"message_id"`
	MessageThreadID int                      `json:"message_thread_id"`
	IsTopicMessage  bool                     `json:"is_topic_message"`
	Text            string                   `json:"text"`
	Caption         string                   `json:"caption"`
	Entities        []tgbotapi.MessageEntity `json:"entities"`
	ReplyTo         *struct {
		MessageID    int `json:"message_id"`
		TopicCreated *struct {
			Name      string `json:"name"`
			IconColor int    `json:"icon_color"`
		} `json:"forum_topic_created"`
	} `json:"reply_to_message"`
}

func TestForumTopics(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	forum := telegramtest.ForumGroup(-1001600000001, "Twin towns")
	srv.KnowChat(forum)
	chatID := strconv.FormatInt(forum.ID, 10)

	var topic struct {
		ID        int    `json:"message_thread_id"`
		Name      string `json:"name"`
		IconColor int    `json:"icon_color"`
	}
	err := request(t, bot, "createForumTopic", tgbotapi.Params{"chat_id": chatID, "name": "Venlo"}, &topic)
	if e := apiError(t, err); e.Code != 400 || e.Message != "Bad Request: not enough rights to create a topic" {
		t.Errorf("without can_manage_topics: %+v", e)
	}
	var member struct {
		Status          string `json:"status"`
		CanManageTopics *bool  `json:"can_manage_topics"`
	}
	if err := request(t, bot, "getChatMember", tgbotapi.Params{"chat_id": chatID, "user_id": strconv.FormatInt(srv.BotID(), 10)}, &member); err != nil || member.Status != "member" {
		t.Errorf("plain member = %+v, %v", member, err)
	}

	srv.SetTopicRights(forum.ID, true)
	if err := request(t, bot, "getChatMember", tgbotapi.Params{"chat_id": chatID, "user_id": strconv.FormatInt(srv.BotID(), 10)}, &member); err != nil ||
		member.Status != "administrator" || member.CanManageTopics == nil || !*member.CanManageTopics {
		t.Errorf("topic admin = %+v, %v", member, err)
	}
	long := strings.Repeat("ä", 130)
	if err := request(t, bot, "createForumTopic", tgbotapi.Params{"chat_id": chatID, "name": long}, &topic); err != nil {
		t.Fatal(err)
	}
	if topic.ID == 0 || topic.Name != strings.Repeat("ä", 128) || topic.IconColor != 7322096 {
		t.Errorf("topic = %+v (names are cut to 128 characters)", topic)
	}
	err = request(t, bot, "createForumTopic", tgbotapi.Params{"chat_id": chatID, "name": " \n "}, &topic)
	if e := apiError(t, err); e.Message != "Bad Request: title must be non-empty" {
		t.Errorf("blank name: %+v", e)
	}
	venlo := srv.CreateTopic(forum.ID, "Venlo")
	if venlo <= topic.ID {
		t.Errorf("topic ids are message ids: %d after %d", venlo, topic.ID)
	}

	var sent topicMessage
	if err := request(t, bot, "sendMessage", tgbotapi.Params{"chat_id": chatID, "text": "hello", "message_thread_id": strconv.Itoa(venlo)}, &sent); err != nil {
		t.Fatal(err)
	}
	if sent.MessageThreadID != venlo || !sent.IsTopicMessage {
		t.Errorf("sent = %+v", sent)
	}
	srv.RegisterPhoto("P", nil)
	if err := request(t, bot, "sendPhoto", tgbotapi.Params{"chat_id": chatID, "photo": "P", "caption": "pic", "message_thread_id": strconv.Itoa(venlo)}, &sent); err != nil {
		t.Fatal(err)
	}
	if got := srv.SentTo(forum.ID); len(got) != 2 || !telegramtest.InThread(venlo)(got[0]) || got[1].ThreadID != venlo || got[1].Media != "photo" {
		t.Errorf("stored = %+v", got)
	}

	srv.DeleteTopic(forum.ID, venlo)
	if got := srv.SentTo(forum.ID); !got[0].Deleted || !got[1].Deleted {
		t.Errorf("messages of a deleted topic = %+v", got)
	}
	for _, thread := range []int{venlo, 1, 9999} {
		_, err := bot.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": chatID, "text": "x", "message_thread_id": strconv.Itoa(thread)})
		if e := apiError(t, err); e.Code != 400 || e.Message != "Bad Request: message thread not found" {
			t.Errorf("thread %d: %+v", thread, e)
		}
	}
	_, err = bot.MakeRequest("sendMediaGroup", tgbotapi.Params{"chat_id": chatID, "media": `[{"type":"photo","media":"P"},{"type":"photo","media":"P"}]`, "message_thread_id": strconv.Itoa(venlo)})
	if e := apiError(t, err); e.Message != "Bad Request: message thread not found" {
		t.Errorf("album to a deleted topic: %+v", e)
	}
}

// Outside forums: a group ignores message_thread_id, a private chat
// without topics refuses it, createForumTopic needs a forum.
func TestThreadOutsideForums(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	group := telegramtest.Group(-1001600000002, "Plain supergroup")
	chat, user := telegramtest.PrivateChat(21, "")
	srv.KnowChat(group)
	srv.SendText(chat, user, "hi")

	var sent topicMessage
	if err := request(t, bot, "sendMessage", tgbotapi.Params{"chat_id": strconv.FormatInt(group.ID, 10), "text": "x", "message_thread_id": "5"}, &sent); err != nil {
		t.Fatalf("group: %v", err)
	}
	if sent.MessageThreadID != 0 || sent.IsTopicMessage {
		t.Errorf("group message = %+v", sent)
	}
	if m, _ := srv.LastTo(group.ID); m.ThreadID != 0 {
		t.Errorf("stored thread = %d", m.ThreadID)
	}
	_, err := bot.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": "21", "text": "x", "message_thread_id": "5"})
	if e := apiError(t, err); e.Message != "Bad Request: message thread not found" {
		t.Errorf("private chat: %+v", e)
	}
	srv.SetTopicRights(group.ID, true)
	_, err = bot.MakeRequest("createForumTopic", tgbotapi.Params{"chat_id": strconv.FormatInt(group.ID, 10), "name": "x"})
	if e := apiError(t, err); e.Message != "Bad Request: the chat is not a forum" {
		t.Errorf("createForumTopic in a plain group: %+v", e)
	}
}

// A member's message in a topic carries the thread and, as on Telegram, a
// reply_to_message that is the topic's opening, not a reply the user made.
func TestSendTextInTopic(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	forum := telegramtest.ForumGroup(-1001600000003, "Twin towns")
	srv.KnowChat(forum)
	thread := srv.CreateTopic(forum.ID, "Venlo")
	_, user := telegramtest.PrivateChat(31, "de")
	upd := srv.SendTextInTopic(forum, user, thread, "/visit@"+srv.BotUsername()+" venlo")

	var updates []struct {
		UpdateID int          `json:"update_id"`
		Message  topicMessage `json:"message"`
	}
	if err := request(t, bot, "getUpdates", tgbotapi.Params{}, &updates); err != nil || len(updates) != 1 {
		t.Fatalf("updates = %+v, %v", updates, err)
	}
	m := updates[0].Message
	if updates[0].UpdateID != upd || m.MessageThreadID != thread || !m.IsTopicMessage || m.MessageID != thread+1 {
		t.Errorf("topic message = %+v", m)
	}
	if m.ReplyTo == nil || m.ReplyTo.MessageID != thread || m.ReplyTo.TopicCreated == nil || m.ReplyTo.TopicCreated.Name != "Venlo" {
		t.Errorf("reply_to_message = %+v", m.ReplyTo)
	}
	if e := m.Entities; len(e) != 1 || e[0].Type != "bot_command" || e[0].Length != len("/visit@"+srv.BotUsername()) {
		t.Errorf("entities = %+v", e)
	}
}
