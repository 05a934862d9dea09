package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

// Without OFFICE_CHAT_ID a resident's messages go to the owners' private
// chats, each after the resident's card; an owner answers by replying to
// either, and blocks by replying /block.
func TestOfficePrivateChatMode(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	const second = 901
	e.cfg.AdminIDs = []int64{ownerID, second}
	e.start()
	o := e.private(ownerID, "en")
	o.ask("/lang en")
	r := e.private(5701, "de")
	r.ask("/subscribe venlo")
	r.ask("/contact")
	text, got := r.write("Wir suchen eine Partnerschule")
	mustContain(t, got.Plain, "Erhalten")
	photo, _ := r.send(telegramtest.Incoming{Photo: true, Caption: "unsere Schule"})
	for _, owner := range []int64{ownerID, second} {
		for _, id := range []int{text, photo} {
			if m := e.copyOf(5701, id); m.ChatID != ownerID && m.ChatID != second {
				t.Errorf("a copy went to %d", m.ChatID)
			}
		}
		e.waitOutboxEmpty()
		var cards int
		for _, m := range e.tg.SentTo(owner) {
			if strings.Contains(m.Plain, "@user5701") {
				cards++
			}
		}
		if cards != 2 {
			t.Errorf("owner %d got %d cards, want one before each message", owner, cards)
		}
	}
	mine := e.tg.SentTo(ownerID)
	card := mine[len(mine)-4]
	mustContain(t, card.Plain, "User5701", "@user5701", "Deutsch", "Venlo", "Reply to this message")
	copyOfText := mine[len(mine)-3]
	if copyOfText.CopyOf.ChatID != 5701 {
		t.Fatalf("after the card comes %+v, want the copy", copyOfText)
	}
	// The owner answers the copy, then the card with a photo.
	before := len(e.tg.SentTo(5701))
	_, replies := o.send(telegramtest.Incoming{Text: "Wir melden uns", ReplyTo: copyOfText.MessageID})
	if len(replies) != 0 {
		t.Errorf("the answer got replies in the owner's chat: %q", plains(replies))
	}
	id := e.tg.SendIncoming(o.chat, o.user, telegramtest.Incoming{Photo: true, Caption: "Our town hall", ReplyTo: card.MessageID})
	e.tg.WaitConfirmed(t, wait, id)
	e.copyOf(ownerID, id)
	e.waitOutboxEmpty()
	got2 := plains(e.tg.SentTo(5701)[before:])
	if len(got2) != 4 || !strings.Contains(got2[0], "Partnerschaftsbüros") || got2[1] != "Wir melden uns" || got2[3] != "Our town hall" {
		t.Errorf("the resident got %q, want header, text, header, photo", got2)
	}
	// A reply to any other message of the bot is no answer.
	greeting := o.ask("/start")
	_, other := o.send(telegramtest.Incoming{Text: "just a note", ReplyTo: greeting.MessageID})
	if len(other) != 1 || !strings.Contains(other[0].Plain, "I answer commands") {
		t.Errorf("a reply to the greeting got %q", plains(other))
	}
	// /block as a reply; /block without one says how.
	mustContain(t, o.ask("/block").Plain, "as a reply to a resident's message")
	_, blocked := o.send(telegramtest.Incoming{Text: "/block", ReplyTo: copyOfText.MessageID})
	mustContain(t, blocked[0].Plain, "Blocked")
	_, got = r.write("noch da?")
	mustContain(t, got.Plain, "nimmt keine Nachrichten mehr")
	// The resident leaves (/stop): the owner's reply gets a note.
	mustContain(t, r.ask("/stop").Plain, "Partnerschaftsbüro")
	_, gone := o.send(telegramtest.Incoming{Text: "Hallo?", ReplyTo: copyOfText.MessageID})
	if len(gone) != 1 || !strings.Contains(gone[0].Plain, "deleted their data") {
		t.Errorf("a reply for a resident who left got %q", plains(gone))
	}
}

// At start the bot checks its place in the office group and tells the
// owners what is missing; residents' messages wait until it is fixed.
func TestOfficeStartupCheck(t *testing.T) {
	t.Parallel()
	e, forum := newOfficeEnv(t)
	e.tg.SetTopicRights(forum.ID, false)
	e.cfg.RetryMin = 20 * time.Millisecond
	e.start()
	notice := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(ownerID), telegramtest.TextContains("групі офісу")))
	mustContain(t, notice.Plain, "не є адміністратором")
	if !strings.Contains(e.logs.String(), "cannot keep residents' topics") {
		t.Error("the log does not say what is missing")
	}
	o := e.private(ownerID, "en")
	o.ask("/lang en")
	mustContain(t, o.ask("/stats").Plain, "Office group: the bot is not an administrator")
	r := e.private(5801, "en")
	r.ask("/contact")
	first, _ := r.write("waiting for the rights")
	eventually(t, wait, func() string { return "the bot never tried to make the topic" }, func() bool {
		return len(e.tg.Calls("createForumTopic")) > 0
	})
	e.tg.SetTopicRights(forum.ID, true)
	if m := e.copyOf(5801, first); m.ThreadID == 0 {
		t.Error("the message went to the General topic")
	}
	if strings.Contains(o.ask("/stats").Plain, "Office group:") {
		t.Error("/stats still says something is missing")
	}
}

// /start and /help offer "Write to the office"; /stop deletes the
// conversation, and the office's topic no longer leads to the resident.
func TestOfficeMenusAndStop(t *testing.T) {
	t.Parallel()
	e, forum := newOfficeEnv(t)
	e.start()
	r := e.private(5901, "en")
	start := r.ask("/start")
	_, opened := r.tap(start, "Write to the office")
	mustContain(t, opened[0].Plain, "You are writing to the partnership office")
	closed, added := r.tap(opened[0], "Close the conversation")
	mustContain(t, closed.Plain+"\n"+strings.Join(plains(added), "\n"), "Conversation with the office closed")
	// Closed: a plain text is no longer for the office ("Received" if it were).
	_, after := r.write("is anyone there?")
	mustContain(t, after.Plain, "I answer commands")
	help := r.ask("/help")
	mustContain(t, help.Plain, "/contact — ", "/done — ")
	if _, ok := findButton(help, "Write to the office"); !ok {
		t.Errorf("/help has no button to write to the office: %+v", help.ReplyMarkup.Buttons())
	}
	_, again := r.tap(help, "Write to the office")
	mustContain(t, again[0].Plain, "You are writing to the partnership office")
	r.write("before /stop")
	thread := e.topicOf(5901)
	mustContain(t, r.ask("/stop").Plain, "your conversation with the partnership office")
	if _, err := e.store().Conversation(context.Background(), 5901); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after /stop the conversation is still stored: %v", err)
	}
	note := e.official(forum, telegramtest.Incoming{ThreadID: thread, Text: "Are you still there?"})
	if len(note) != 1 || !strings.Contains(note[0].Plain, "belongs to no resident") {
		t.Errorf("an answer to a resident who left got %q", plains(note))
	}
	e.waitOutboxEmpty()
	for _, m := range e.tg.SentTo(5901) {
		if m.Plain == "Are you still there?" {
			t.Error("the answer reached a resident who deleted their data")
		}
	}
	// In a group, /contact points to the private chat.
	g := e.group(-5902, r)
	mustContain(t, g.ask("/contact@"+e.tg.BotUsername()).Plain, "private chat")
}

// An official with an open conversation who starts the /post wizard gives
// the wizard its answers; once it is done, their texts go to the office.
// Without an office (no group, no owners) /contact says so and /start
// offers no button.
func TestOfficeWizardWinsAndNoOffice(t *testing.T) {
	t.Parallel()
	e, forum := newOfficeEnv(t)
	e.start()
	o := e.private(ownerID, "en")
	o.ask("/contact")
	_, got := o.tap(o.ask("/post"), "Visit")
	_, got = o.tap(got[0], "Krefeld")
	mustContain(t, got[0].Plain, "title")
	mustContain(t, o.ask("A title, not for the office").Plain, "text")
	mustContain(t, o.ask("/cancel").Plain, "")
	_, receipt := o.write("now for the office")
	mustContain(t, receipt.Plain, "Received")
	e.waitOutboxEmpty()
	for _, m := range e.tg.SentTo(forum.ID) {
		if strings.Contains(m.Plain, "A title") {
			t.Error("the wizard's answer went to the office")
		}
	}

	none := newEnv(t)
	none.start()
	r := none.private(6001, "en")
	mustContain(t, r.ask("/contact").Plain, "not available")
	if _, ok := findButton(r.ask("/start"), "Write to the office"); ok {
		t.Error("/start offers writing to an office there is none of")
	}
	mustContain(t, r.ask("just text").Plain, "I answer commands")
}
