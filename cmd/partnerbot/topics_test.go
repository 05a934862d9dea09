package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

// A forum group subscribes from inside a topic: the answer and the
// group's announcements go to that topic. Once the topic is deleted the
// next announcement falls back to the general topic, and /stats says so.
func TestForumTopicSubscription(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	forum := telegramtest.ForumGroup(-1009876543210, "Venlo friends")
	e.tg.KnowChat(forum)
	thread := e.tg.CreateTopic(forum.ID, "Partnerships")
	e.start()
	member := e.private(641, "en")
	id := e.tg.SendTextInTopic(forum, member.user, thread, "/subscribe@"+e.tg.BotUsername()+" venlo")
	e.tg.WaitConfirmed(t, wait, id)
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(forum.ID), telegramtest.InThread(thread)))

	o := e.private(ownerID, "en")
	o.say("/announce venlo | News for the topic")
	got := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(forum.ID), telegramtest.TextContains("News for the topic")))
	if got.ThreadID != thread {
		t.Errorf("announcement went to topic %d, want %d", got.ThreadID, thread)
	}

	e.tg.DeleteTopic(forum.ID, thread)
	o.say("/announce venlo | News after the topic is gone")
	got = e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(forum.ID), telegramtest.TextContains("after the topic is gone")))
	if got.ThreadID != 0 {
		t.Errorf("after the topic was deleted the announcement went to topic %d, want the general topic", got.ThreadID)
	}
	e.waitOutboxEmpty()
	n := 0
	for _, m := range e.tg.SentTo(forum.ID) {
		if strings.Contains(m.Plain, "after the topic is gone") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the group got the announcement %d times, want once", n)
	}
	mustContain(t, o.ask("/stats").Plain, "Forum topics deleted: 1")
}

// A digest reaches a forum group in the topic it subscribed from, like
// an announcement.
func TestForumTopicDigest(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.cfg.DigestSpec = "@every 1s"
	forum := telegramtest.ForumGroup(-1009876543211, "Krefeld friends")
	e.tg.KnowChat(forum)
	thread := e.tg.CreateTopic(forum.ID, "Digests")
	e.start()
	member := e.private(642, "en")
	id := e.tg.SendTextInTopic(forum, member.user, thread, "/subscribe@"+e.tg.BotUsername()+" venlo")
	e.tg.WaitConfirmed(t, wait, id)
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(forum.ID), telegramtest.InThread(thread)))

	o := e.private(ownerID, "en")
	title := fmt.Sprintf("Topic visit %d", time.Now().UnixNano())
	mustContain(t, o.ask("/visit venlo | 2026-01-01 | "+title+" | Schools").Plain, "Published as")
	got := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(forum.ID), telegramtest.TextContains("What is new"),
		telegramtest.TextContains(title)))
	if got.ThreadID != thread {
		t.Errorf("the digest went to topic %d, want %d", got.ThreadID, thread)
	}
}
