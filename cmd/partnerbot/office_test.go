package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

// officeChat is the office's forum group in these tests.
const officeChat = -1001770000001

// newOfficeEnv is a bot whose office inbox is a forum group where it may
// manage topics; ownerID is an owner.
func newOfficeEnv(t *testing.T) (*env, telegramtest.Chat) {
	t.Helper()
	e := newOfficialEnv(t)
	forum := telegramtest.ForumGroup(officeChat, "Partnership office")
	e.tg.KnowChat(forum)
	e.tg.SetTopicRights(forum.ID, true)
	e.cfg.OfficeChat = forum.ID
	return e, forum
}

// send sends a message in the chat and returns its update and what the
// bot answered in the chat.
func (c *chat) send(in telegramtest.Incoming) (int, []telegramtest.Message) {
	c.e.t.Helper()
	before := len(c.e.tg.SentTo(c.chat.ID))
	id := c.e.tg.SendIncoming(c.chat, c.user, in)
	c.e.tg.WaitConfirmed(c.e.t, wait, id)
	return id, c.e.tg.SentTo(c.chat.ID)[before:]
}

// write sends a text and returns the bot's one answer.
func (c *chat) write(text string) (int, telegramtest.Message) {
	c.e.t.Helper()
	id, got := c.send(telegramtest.Incoming{Text: text})
	if len(got) != 1 {
		c.e.t.Fatalf("%q: %d answers, want 1: %q", text, len(got), plains(got))
	}
	return id, got[0]
}

// topicOf waits until the resident's topic is ready and returns it.
func (e *env) topicOf(resident int64) int {
	e.t.Helper()
	var c store.Conversation
	eventually(e.t, wait, func() string { return fmt.Sprintf("no ready topic for %d: %+v", resident, c) }, func() bool {
		c, _ = e.store().Conversation(context.Background(), resident)
		return c.Topic != 0 && c.Ready && c.Claim == ""
	})
	return c.Topic
}

// copyOf waits for the bot's copy of the message of update in chat from.
func (e *env) copyOf(from int64, update int) telegramtest.Message {
	e.t.Helper()
	return e.tg.WaitSent(e.t, wait, telegramtest.HasCopyOf(from, e.tg.IncomingMessageID(update)))
}

// copiesOf counts the bot's copies of the message of update in chat from.
func (e *env) copiesOf(from int64, update int) int {
	n := 0
	for _, m := range e.tg.Sent() {
		if m.CopyOf == (telegramtest.MessageRef{ChatID: from, MessageID: e.tg.IncomingMessageID(update)}) {
			n++
		}
	}
	return n
}

// official writes in the office group, in a topic.
func (e *env) official(forum telegramtest.Chat, in telegramtest.Incoming) []telegramtest.Message {
	e.t.Helper()
	before := len(e.tg.SentTo(forum.ID))
	id := e.tg.SendIncoming(forum, telegramtest.NewUser(ownerID, "en"), in)
	e.tg.WaitConfirmed(e.t, wait, id)
	return e.tg.SentTo(forum.ID)[before:]
}

// A resident's text, photo, document and voice message reach their own
// topic, after their card, each once; they are told each arrived.
func TestOfficeResidentMessagesReachTheirTopic(t *testing.T) {
	t.Parallel()
	e, forum := newOfficeEnv(t)
	e.start()
	r := e.private(5001, "en")
	r.ask("/subscribe krefeld")
	open := r.ask("/contact")
	mustContain(t, open.Plain, "You are writing to the partnership office", "/done")
	if _, ok := findButton(open, "Close the conversation"); !ok {
		t.Errorf("/contact has no button to close: %+v", open.ReplyMarkup.Buttons())
	}
	text, got := r.write("Hello office, <we> look for a partner school & more")
	mustContain(t, got.Plain, "Received — the office will answer here")
	var updates []int
	for _, in := range []telegramtest.Incoming{{Photo: true, Caption: "our school"}, {Document: "plan.pdf"}, {Voice: true}} {
		id, got := r.send(in)
		if len(got) != 1 || got[0].Plain != "✅ Received." {
			t.Errorf("%+v: answered %q, want one short receipt", in, plains(got))
		}
		updates = append(updates, id)
	}
	thread := e.topicOf(5001)
	copies := []telegramtest.Message{e.copyOf(5001, text)}
	for _, id := range updates {
		copies = append(copies, e.copyOf(5001, id))
	}
	e.waitOutboxEmpty()
	inOffice := e.tg.SentTo(forum.ID)
	if len(inOffice) != 5 {
		t.Fatalf("the office got %d messages, want the card and 4 copies: %q", len(inOffice), plains(inOffice))
	}
	card := inOffice[0]
	mustContain(t, card.Plain, "User5001", "@user5001", "5001", "English", "Крефельд")
	for i, m := range inOffice {
		if m.ThreadID != thread {
			t.Errorf("office message %d went to topic %d, want the resident's %d", i, m.ThreadID, thread)
		}
	}
	for i, want := range []string{"", "photo", "document", "voice"} {
		if copies[i].Media != want || copies[i].ThreadID != thread {
			t.Errorf("copy %d: media %q in topic %d, want %q in %d", i, copies[i].Media, copies[i].ThreadID, want, thread)
		}
	}
	if copies[0].Plain != "Hello office, <we> look for a partner school & more" || copies[1].Plain != "our school" {
		t.Errorf("copies changed the resident's words: %q, %q", copies[0].Plain, copies[1].Plain)
	}
	// A shared contact carries the phone number: the office never gets it.
	if _, answers := r.send(telegramtest.Incoming{Contact: "+380501234567"}); len(answers) != 1 {
		t.Errorf("a shared contact got %d answers, want 1: %q", len(answers), plains(answers))
	} else {
		mustContain(t, answers[0].Plain, "I do not pass a shared contact on to the office")
	}
	e.waitOutboxEmpty()
	for _, m := range e.tg.SentTo(forum.ID) {
		if strings.Contains(m.Plain, "380501234567") {
			t.Errorf("the office got the resident's phone: %q", m.Plain)
		}
	}
	if n := len(e.tg.SentTo(forum.ID)); n != 5 {
		t.Errorf("after a shared contact the office got %d messages, want still 5", n)
	}
	calls := e.tg.Calls("createForumTopic")
	if len(calls) != 1 || calls[0].Params["name"] != "User5001 · EN" {
		t.Errorf("createForumTopic calls: %+v, want one named after the resident and their language", calls)
	}
	// Commands stay commands while the conversation is open; /done closes it.
	mustContain(t, r.ask("/help").Plain, "/contact — ")
	mustContain(t, r.ask("/done").Plain, "closed")
	mustContain(t, r.ask("after closing").Plain, "I answer commands")
	mustContain(t, r.ask("/done").Plain, "No conversation with the office is open")
	if n := len(e.tg.SentTo(forum.ID)); n != 5 {
		t.Errorf("after /done the office got %d messages, want still 5", n)
	}
}

// An official's answer in a resident's topic, text and photo, reaches that
// resident and nobody else; the resident's reply goes to the same topic.
func TestOfficeAnswerReachesOnlyThatResident(t *testing.T) {
	t.Parallel()
	e, forum := newOfficeEnv(t)
	e.start()
	a, b := e.private(5011, "uk"), e.private(5012, "de")
	for _, c := range []*chat{a, b} {
		c.ask("/contact")
	}
	a.write("Питання від A")
	b.write("Frage von B")
	ta, tb := e.topicOf(5011), e.topicOf(5012)
	if ta == tb {
		t.Fatalf("two residents share topic %d", ta)
	}
	text := e.tg.SendIncoming(forum, telegramtest.NewUser(ownerID, "en"), telegramtest.Incoming{ThreadID: ta, Text: "Answer for A"})
	photo := e.tg.SendIncoming(forum, telegramtest.NewUser(ownerID, "en"), telegramtest.Incoming{ThreadID: ta, Photo: true, Caption: "Photo for A"})
	for _, id := range []int{text, photo} {
		if got := e.copyOf(forum.ID, id); got.ChatID != 5011 {
			t.Errorf("the answer went to %d, want resident 5011", got.ChatID)
		}
	}
	e.waitOutboxEmpty()
	toA := e.tg.SentTo(5011)
	heads := 0
	for _, m := range toA {
		if strings.Contains(m.Plain, "Відповідь офісу з питань партнерства") {
			heads++
		}
	}
	if heads != 2 {
		t.Errorf("resident A got %d headers (in Ukrainian), want one per answer: %q", heads, plains(toA))
	}
	if last := toA[len(toA)-1]; last.Media != "photo" || last.Plain != "Photo for A" {
		t.Errorf("the photo answer arrived as %+v", last)
	}
	for _, m := range e.tg.SentTo(5012) {
		if m.CopyOf.ChatID == forum.ID || strings.Contains(m.Plain, "for A") {
			t.Errorf("resident B got A's answer: %q", m.Plain)
		}
	}
	for _, id := range []int{text, photo} {
		if n := e.copiesOf(forum.ID, id); n != 1 {
			t.Errorf("answer copied %d times, want once", n)
		}
	}
	// A closed the conversation; the answer opened it again, so A's reply
	// needs no /contact and goes to the same topic.
	a.ask("/done")
	more := e.tg.SendIncoming(forum, telegramtest.NewUser(ownerID, "en"), telegramtest.Incoming{ThreadID: ta, Text: "One more thing"})
	e.copyOf(forum.ID, more)
	e.waitOutboxEmpty()
	reply, _ := a.write("Дякую!")
	if got := e.copyOf(5011, reply); got.ThreadID != ta {
		t.Errorf("A's reply went to topic %d, want %d", got.ThreadID, ta)
	}
	if n := len(e.tg.Calls("createForumTopic")); n != 2 {
		t.Errorf("%d topics created, want one per resident", n)
	}
	// /stats: two open conversations, both waiting (A wrote again), A
	// answered once.
	st := e.private(ownerID, "en").ask("/stats").Plain
	mustContain(t, st, "Office: 2 open conversations, 2 unanswered", "(1 answered)")
}

// Residents writing at once never cross: each message lands, once, in its
// writer's topic, and each resident gets one topic however many of their
// messages found none.
func TestOfficeResidentsWritingAtOnce(t *testing.T) {
	t.Parallel()
	e, forum := newOfficeEnv(t)
	e.start()
	const n, each = 6, 3
	var residents []*chat
	for i := range n {
		c := e.private(int64(5100+i), "en")
		c.ask("/contact")
		residents = append(residents, c)
	}
	var mu sync.Mutex
	sent := map[int64][]int{}
	var wg sync.WaitGroup
	for _, c := range residents {
		wg.Go(func() {
			for k := range each {
				id := e.tg.SendIncoming(c.chat, c.user, telegramtest.Incoming{Text: fmt.Sprintf("message %d of %d", k, c.chat.ID)})
				mu.Lock()
				sent[c.chat.ID] = append(sent[c.chat.ID], id)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	topics := map[int]int64{}
	for _, c := range residents {
		thread := e.topicOf(c.chat.ID)
		if other, dup := topics[thread]; dup {
			t.Fatalf("residents %d and %d share topic %d", other, c.chat.ID, thread)
		}
		topics[thread] = c.chat.ID
		for _, id := range sent[c.chat.ID] {
			if got := e.copyOf(c.chat.ID, id); got.ThreadID != thread || !strings.Contains(got.Plain, fmt.Sprint(c.chat.ID)) {
				t.Errorf("%q went to topic %d, want %d", got.Plain, got.ThreadID, thread)
			}
		}
	}
	e.waitOutboxEmpty()
	for _, c := range residents {
		for _, id := range sent[c.chat.ID] {
			if k := e.copiesOf(c.chat.ID, id); k != 1 {
				t.Errorf("a message of %d was copied %d times", c.chat.ID, k)
			}
		}
	}
	if k := len(e.tg.Calls("createForumTopic")); k != n {
		t.Errorf("%d topics created for %d residents", k, n)
	}
	cards := 0
	for _, m := range e.tg.SentTo(forum.ID) {
		if strings.Contains(m.Plain, "ID ") && m.CopyOf.ChatID == 0 {
			cards++
		}
	}
	if cards != n {
		t.Errorf("%d cards in the office, want one per resident", cards)
	}
}

// A deleted topic is made anew for the resident's next message, with the
// card first, and answers in it reach the resident.
func TestOfficeDeletedTopicIsRecreated(t *testing.T) {
	t.Parallel()
	e, forum := newOfficeEnv(t)
	e.start()
	r := e.private(5201, "en")
	r.ask("/contact")
	r.write("first")
	old := e.topicOf(5201)
	e.waitOutboxEmpty()
	e.tg.DeleteTopic(forum.ID, old)
	second, _ := r.write("after the topic was deleted")
	got := e.copyOf(5201, second)
	if got.ThreadID == old || got.ThreadID == 0 {
		t.Fatalf("the message went to topic %d (the deleted one is %d)", got.ThreadID, old)
	}
	fresh := got.ThreadID
	var inFresh []telegramtest.Message
	for _, m := range e.tg.SentTo(forum.ID) {
		if m.ThreadID == fresh {
			inFresh = append(inFresh, m)
		}
	}
	if len(inFresh) != 2 || !strings.Contains(inFresh[0].Plain, "@user5201") {
		t.Errorf("the new topic holds %q, want the card, then the message", plains(inFresh))
	}
	if _, err := e.store().TopicResident(context.Background(), forum.ID, old); err == nil {
		t.Error("the deleted topic still leads to the resident")
	}
	answer := e.tg.SendIncoming(forum, telegramtest.NewUser(ownerID, "en"), telegramtest.Incoming{ThreadID: fresh, Text: "We got it"})
	if m := e.copyOf(forum.ID, answer); m.ChatID != 5201 {
		t.Errorf("the answer in the new topic went to %d", m.ChatID)
	}
	// A topic the bot did not make for anyone: a clear note, nothing sent.
	chatter := e.tg.CreateTopic(forum.ID, "Coffee")
	before := len(e.tg.Sent())
	notes := e.official(forum, telegramtest.Incoming{ThreadID: chatter, Text: "Who took my mug?"})
	if len(notes) != 1 || notes[0].ThreadID != chatter {
		t.Fatalf("a message in an unknown topic got %q", plains(notes))
	}
	mustContain(t, notes[0].Plain, "belongs to no resident")
	e.waitOutboxEmpty()
	if len(e.tg.Sent()) != before+1 {
		t.Errorf("an unknown topic's message went somewhere: %q", plains(e.tg.Sent()[before:]))
	}
	if !slices.ContainsFunc(e.tg.SentTo(5201), func(m telegramtest.Message) bool { return m.Plain == "We got it" }) {
		t.Error("the answer never reached the resident")
	}
}
