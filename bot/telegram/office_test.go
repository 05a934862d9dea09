package telegram_test

import (
	"slices"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/internal/tgerr"
)

// What the bot lacks in the office group, as Telegram tells it.
func TestMissingTopicRights(t *testing.T) {
	tg := telegramtest.New(t, telegramtest.WithToken(secret))
	c := newFileClient(t, tg, "")
	forum := telegramtest.ForumGroup(-1001990000001, "Office")
	plain := telegramtest.Group(-1001990000002, "Not a forum")
	tg.KnowChat(forum)
	tg.KnowChat(plain)
	kicked := telegramtest.ForumGroup(-1001990000003, "Left")
	tg.KnowChat(kicked)
	tg.Kick(kicked.ID)
	for _, tt := range []struct {
		chat   int64
		rights bool
		want   []string
	}{
		{forum.ID, true, nil},
		{forum.ID, false, []string{telegram.RightAdmin}},
		{plain.ID, false, []string{telegram.RightForum, telegram.RightAdmin}},
		{kicked.ID, false, []string{telegram.RightInGroup}},
	} {
		tg.SetTopicRights(tt.chat, tt.rights)
		got, err := c.MissingTopicRights(t.Context(), tt.chat)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("chat %d, manage topics %v: %v, %v; want %v", tt.chat, tt.rights, got, err, tt.want)
		}
	}
}

// A topic made and a message copied into it; a deleted topic is
// "message thread not found", which tgerr reads as ThreadGone.
func TestCreateForumTopicAndCopy(t *testing.T) {
	tg := telegramtest.New(t, telegramtest.WithToken(secret))
	c := newFileClient(t, tg, "")
	forum := telegramtest.ForumGroup(-1001990000004, "Office")
	tg.KnowChat(forum)
	if _, err := c.CreateForumTopic(t.Context(), forum.ID, "Olena · UK"); tgerr.Classify(err).Outcome != tgerr.NoRights {
		t.Errorf("without the right: %v, want NoRights", err)
	}
	tg.SetTopicRights(forum.ID, true)
	thread, err := c.CreateForumTopic(t.Context(), forum.ID, "Olena · UK")
	if err != nil || thread == 0 {
		t.Fatalf("CreateForumTopic = %d, %v", thread, err)
	}
	chat, user := telegramtest.PrivateChat(7, "uk")
	msg := tg.IncomingMessageID(tg.SendIncoming(chat, user, telegramtest.Incoming{Photo: true, Caption: "school"}))
	id, err := c.CopyMessage(t.Context(), forum.ID, thread, 7, msg, true)
	if err != nil || id == 0 {
		t.Fatalf("CopyMessage = %d, %v", id, err)
	}
	m := tg.WaitSent(t, 5*time.Second, telegramtest.HasCopyOf(7, msg))
	if m.MessageID != id || m.ThreadID != thread || m.Media != "photo" || m.Plain != "school" {
		t.Errorf("copy: %+v", m)
	}
	tg.DeleteTopic(forum.ID, thread)
	if _, err := c.CopyMessage(t.Context(), forum.ID, thread, 7, msg, true); tgerr.Classify(err).Outcome != tgerr.ThreadGone {
		t.Errorf("into a deleted topic: %v, want ThreadGone", err)
	}
	if _, err := c.CopyMessage(t.Context(), forum.ID, 0, 7, 999, true); tgerr.Classify(err).Outcome != tgerr.Permanent {
		t.Errorf("a message that is not there: %v, want Permanent", err)
	}
}
