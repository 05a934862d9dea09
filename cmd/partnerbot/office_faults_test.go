package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

// Past CONTACT_RATE a resident's messages do not reach the office and they
// are told politely; an official blocks and unblocks from the topic, and a
// blocked resident is told once.
func TestOfficeRateLimitAndBlock(t *testing.T) {
	t.Parallel()
	e, forum := newOfficeEnv(t)
	e.cfg.ContactRate = store.ContactRate{N: 2, Per: time.Hour}
	e.start()
	r := e.private(5301, "en")
	r.ask("/contact")
	r.write("one")
	r.write("two")
	over, got := r.write("three")
	mustContain(t, got.Plain, "did not reach the office", "limit (2/h)", "after")
	thread := e.topicOf(5301)
	e.waitOutboxEmpty()
	if n := e.copiesOf(5301, over); n != 0 {
		t.Errorf("a message past the limit was copied %d times", n)
	}
	// /block outside a topic, by a resident, by a member who is no official.
	mustContain(t, e.official(forum, telegramtest.Incoming{ThreadID: e.tg.CreateTopic(forum.ID, "Misc"), Text: "/block"})[0].Plain,
		"belongs to no resident")
	mustContain(t, r.ask("/block").Plain, "for the city's officials only")
	before := len(e.tg.SentTo(forum.ID))
	id := e.tg.SendIncoming(forum, telegramtest.NewUser(777, "en"), telegramtest.Incoming{ThreadID: thread, Text: "/block"})
	e.tg.WaitConfirmed(t, wait, id)
	mustContain(t, e.tg.SentTo(forum.ID)[before].Plain, "for the city's officials only")

	mustContain(t, e.official(forum, telegramtest.Incoming{ThreadID: thread, Text: "/block"})[0].Plain, "Blocked")
	mustContain(t, e.official(forum, telegramtest.Incoming{ThreadID: thread, Text: "/block"})[0].Plain, "blocked already")
	// The count is forgotten with the block, so only the block speaks.
	_, got = r.write("are you there?")
	mustContain(t, got.Plain, "no longer accepts your messages")
	if _, quiet := r.send(telegramtest.Incoming{Text: "hello??"}); len(quiet) != 0 {
		t.Errorf("a blocked resident was told again: %q", plains(quiet))
	}
	mustContain(t, r.ask("/contact").Plain, "no longer accepts")
	mustContain(t, e.official(forum, telegramtest.Incoming{ThreadID: thread, Text: "/unblock"})[0].Plain, "Unblocked")
	back, got := r.write("thank you")
	mustContain(t, got.Plain, "Received")
	if m := e.copyOf(5301, back); m.ThreadID != thread {
		t.Errorf("after /unblock the message went to topic %d, want %d", m.ThreadID, thread)
	}
	e.waitOutboxEmpty()
	if n := len(e.tg.Calls("copyMessage")); n != 3 {
		t.Errorf("%d copies reached the office, want 3 (two before the limit, one after /unblock)", n)
	}
	mustContain(t, e.official(forum, telegramtest.Incoming{ThreadID: thread, Text: "/unblock"})[0].Plain, "not blocked")
}

// Outside OFFICE_HOURS the resident hears when to expect an answer.
func TestOfficeHoursReply(t *testing.T) {
	t.Parallel()
	e, _ := newOfficeEnv(t)
	hours, err := store.ParseOfficeHours("Mon-Fri 09:00-17:00", e.cfg.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	e.cfg.OfficeHours = hours
	// Saturday noon in Kyiv; the clock runs on from there.
	clock := &testClock{}
	clock.SetTo(time.Date(2026, 6, 6, 12, 0, 0, 0, e.cfg.TimeZone))
	e.now = clock.Now
	e.start()
	r := e.private(5401, "en")
	mustContain(t, r.ask("/contact").Plain, "Office hours: Mon-Fri 09:00-17:00 (Europe/Kyiv)", "closed now", "Mon 08.06.2026 09:00")
	_, got := r.write("a question on Saturday")
	mustContain(t, got.Plain, "Received — the office will answer here", "The office is closed now; expect an answer from Mon 08.06.2026 09:00")
	_, got = r.write("and another")
	if got.Plain != "✅ Received." {
		t.Errorf("the second message got %q, want only the receipt", got.Plain)
	}
	// Monday morning the office is open: no note.
	clock.SetTo(time.Date(2026, 6, 8, 10, 0, 0, 0, e.cfg.TimeZone))
	mustContain(t, r.ask("/contact").Plain, "Office hours")
	if strings.Contains(r.ask("/contact").Plain, "closed now") {
		t.Error("during office hours /contact says the office is closed")
	}
}

// The inbox unreachable for a while (the bot removed from the group, then
// Telegram failing) loses nothing: every message arrives, once, when it is
// back.
func TestOfficeInboxUnreachableLosesNothing(t *testing.T) {
	t.Parallel()
	e, forum := newOfficeEnv(t)
	e.cfg.RetryMin = 20 * time.Millisecond
	e.start()
	r := e.private(5501, "en")
	r.ask("/contact")
	e.tg.Kick(forum.ID)
	var updates []int
	for _, text := range []string{"first", "second", "third"} {
		id, got := r.write(text)
		mustContain(t, got.Plain, "Received")
		updates = append(updates, id)
	}
	eventually(t, wait, func() string { return "the bot never tried the office" }, func() bool {
		return len(e.tg.Calls("createForumTopic")) >= 3
	})
	if n := len(e.tg.SentTo(forum.ID)); n != 0 {
		t.Fatalf("the office got %d messages while the bot was removed", n)
	}
	e.tg.Unblock(forum.ID)
	e.tg.FailNextTo("copyMessage", forum.ID, 2, 502, "")
	thread := e.topicOf(5501)
	var copies []telegramtest.Message
	for _, id := range updates {
		copies = append(copies, e.copyOf(5501, id))
	}
	e.waitOutboxEmpty()
	for i, id := range updates {
		if n := e.copiesOf(5501, id); n != 1 || copies[i].ThreadID != thread {
			t.Errorf("message %d: copied %d times, to topic %d (want once, to %d)", i, n, copies[i].ThreadID, thread)
		}
	}
	inOffice := e.tg.SentTo(forum.ID)
	var order []string
	for _, m := range inOffice {
		order = append(order, m.Plain)
	}
	if len(inOffice) != 4 || !strings.Contains(order[0], "@user5501") || order[1] != "first" || order[2] != "second" || order[3] != "third" {
		t.Errorf("the office got %q, want the card and the three messages in order", order)
	}
	if st, _ := e.store().OutboxStats(context.Background(), time.Now()); st.Dead != 0 {
		t.Errorf("%d dead letters", st.Dead)
	}
}

// A lost reply and a message delivered twice copy nothing twice and count
// once against the limit.
func TestOfficeRetriedUpdatesCopyOnce(t *testing.T) {
	t.Parallel()
	e, forum := newOfficeEnv(t)
	e.start()
	r := e.private(5601, "en")
	r.ask("/contact")
	e.tg.LoseNextTo("sendMessage", 5601, 1)
	id, got := r.send(telegramtest.Incoming{Text: "receipt lost"})
	if len(got) != 2 || got[0].Plain != got[1].Plain {
		t.Errorf("a lost receipt came back as %q, want it twice", plains(got))
	}
	// Telegram delivers the very same message again (its confirmation was
	// lost in a crash): the same message id in a new update.
	var raw struct {
		Message map[string]any `json:"message"`
	}
	msg := map[string]any{"message_id": e.tg.IncomingMessageID(id), "from": r.user, "chat": r.chat,
		"date": time.Now().Unix(), "text": "receipt lost"}
	b, _ := json.Marshal(map[string]any{"message": msg})
	_ = json.Unmarshal(b, &raw)
	again := e.tg.Enqueue(raw)
	e.tg.WaitConfirmed(t, wait, again)
	e.copyOf(5601, id)
	e.waitOutboxEmpty()
	if n := e.copiesOf(5601, id); n != 1 {
		t.Errorf("the message was copied %d times, want once", n)
	}
	c, err := e.store().Conversation(context.Background(), 5601)
	if err != nil || len(c.Recent) != 1 {
		t.Errorf("counted %d times (%v), want once", len(c.Recent), err)
	}
	// An official's answer whose update is handled with a lost receipt of
	// its own copy: one copy to the resident.
	thread := e.topicOf(5601)
	e.tg.LoseNextTo("sendMessage", 5601, 1) // the header
	answer := e.tg.SendIncoming(forum, telegramtest.NewUser(ownerID, "en"), telegramtest.Incoming{ThreadID: thread, Text: "an answer"})
	e.copyOf(forum.ID, answer)
	e.waitOutboxEmpty()
	if n := e.copiesOf(forum.ID, answer); n != 1 {
		t.Errorf("the answer was copied %d times", n)
	}
}
