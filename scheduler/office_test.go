package scheduler_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// officeWorkers are workers that send the office's messages; notes to the
// office read as their locale key.
func (r *rig) officeWorkers() {
	r.startWorkers(&scheduler.Workers{Office: &scheduler.Office{Sender: r.client, Store: r.st,
		Text: func(_ store.Lang, key string, _ ...any) string { return key }}})
}

// answer queues an official's message of the office forum as the answer
// numbered seq to resident.
func (r *rig) answer(forum int64, thread, msgID int, resident int64, seq int) {
	r.t.Helper()
	m := store.OutboxMessage{Kind: store.MsgOfficeOut, ChatID: resident, CreatedAt: time.Now(),
		Ref: fmt.Sprintf("answer:%d", msgID), Dedupe: fmt.Sprintf("answer:%d", msgID),
		Office: &store.OfficeCopy{Resident: resident, From: forum, Messages: []int{msgID}, Header: "From the office",
			NoteChat: forum, NoteThread: thread, Seq: seq}}
	if _, err := r.st.EnqueueEach(context.Background(), time.Hour, m); err != nil {
		r.t.Fatal(err)
	}
}

// An answer to a resident who blocked the bot waits (the office hears it
// once) and goes out when they unblock it; one to a deleted account is
// given up, with a note. A message deleted before it was copied is a dead
// letter and holds the next one up no longer.
func TestOfficeAnswerToUnreachableResident(t *testing.T) {
	r := newRig(t, 0)
	ctx := context.Background()
	forum := telegramtest.ForumGroup(-1001880000001, "Office")
	r.tg.KnowChat(forum)
	thread := r.tg.CreateTopic(forum.ID, "Resident · EN")
	official := telegramtest.NewUser(5, "en")
	say := func(text string) int {
		return r.tg.IncomingMessageID(r.tg.SendIncoming(forum, official, telegramtest.Incoming{ThreadID: thread, Text: text}))
	}
	const resident, gone = 77, 78
	seq := func(res int64) int {
		c, err := r.st.UpdateConversation(ctx, res, func(c *store.Conversation) error { c.OpenAt(time.Now()); c.OutSeq++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		return c.OutSeq
	}
	r.tg.Block(resident)
	r.tg.Deactivate(gone)
	r.officeWorkers()
	waiting := say("waits for the unblock")
	r.answer(forum.ID, thread, waiting, resident, seq(resident))
	r.answer(forum.ID, thread, say("to a deleted account"), gone, seq(gone))
	r.tg.WaitSent(t, wait, telegramtest.TextContains("office_undelivered_blocked"))
	r.tg.WaitSent(t, wait, telegramtest.TextContains("office_undelivered_deleted"))
	testkit.Eventually(t, wait, func() string { return "the blocked resident's answer was not tried again" }, func() bool {
		return len(r.tg.Calls("sendMessage")) >= 5 // notes, and the header tried again and again
	})
	r.tg.Unblock(resident)
	got := r.tg.WaitSent(t, wait, telegramtest.HasCopyOf(forum.ID, waiting))
	if got.ChatID != resident {
		t.Errorf("the answer went to %d", got.ChatID)
	}
	notes := 0
	for _, m := range r.tg.SentTo(forum.ID) {
		if strings.HasPrefix(m.Plain, "office_undelivered") {
			notes++
			if m.ThreadID != thread {
				t.Errorf("a note went to topic %d, want the resident's %d", m.ThreadID, thread)
			}
		}
	}
	if notes != 2 {
		t.Errorf("%d notes in the office, want one per undelivered answer", notes)
	}
	st := testkit.WaitOutboxSettled(t, r.st, wait)
	if st.Dead != 1 {
		t.Errorf("%d dead letters, want the deleted account's answer", st.Dead)
	}

	// The official deletes an answer before it goes: a dead letter, and
	// the answer after it follows at once.
	first, second := say("deleted before it goes"), say("the next one")
	r.tg.FailNextTo("copyMessage", resident, 1, 400, "Bad Request: message to copy not found")
	r.answer(forum.ID, thread, first, resident, seq(resident))
	r.answer(forum.ID, thread, second, resident, seq(resident))
	r.tg.WaitSent(t, wait, telegramtest.HasCopyOf(forum.ID, second))
	if st := testkit.WaitOutboxSettled(t, r.st, wait); st.Dead != 2 {
		t.Errorf("%d dead letters, want the deleted message's too", st.Dead)
	}
	if c, _ := r.st.Conversation(ctx, resident); c.OutSent != c.OutSeq {
		t.Errorf("answers went up to %d of %d", c.OutSent, c.OutSeq)
	}
}

// refuseNth makes the nth Reserve (1-based) wait longer than a worker holds
// a message, so the message goes back to the queue at that step.
type refuseNth struct {
	mu sync.Mutex
	n  int
}

func (l *refuseNth) Reserve(context.Context, int64, bool, bool) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n--
	if l.n == 0 {
		return 1500 * time.Millisecond, nil
	}
	return 0, nil
}

func (l *refuseNth) Flood(context.Context, int64, time.Duration) (bool, error) { return false, nil }

// A resident's first message handed back by the limiter at each step of
// making their topic (before the topic, before the card, before the copy)
// still makes one topic, with the card first, then the copy.
func TestOfficeTopicMadeAcrossHandBacks(t *testing.T) {
	for step := 1; step <= 3; step++ {
		t.Run(fmt.Sprint("step", step), func(t *testing.T) {
			r := newRig(t, 0)
			forum := telegramtest.ForumGroup(-1001880000002, "Office")
			r.tg.KnowChat(forum)
			r.tg.SetTopicRights(forum.ID, true)
			chat, user := telegramtest.PrivateChat(91, "en")
			id := r.tg.IncomingMessageID(r.tg.SendIncoming(chat, user, telegramtest.Incoming{Text: "hello"}))
			if _, err := r.st.UpdateConversation(context.Background(), 91, func(c *store.Conversation) error { c.OpenAt(time.Now()); return nil }); err != nil {
				t.Fatal(err)
			}
			r.startWorkers(&scheduler.Workers{Limiter: &refuseNth{n: step}, Office: &scheduler.Office{Sender: r.client, Store: r.st}})
			m := store.OutboxMessage{Kind: store.MsgOfficeIn, ChatID: forum.ID, Group: true, CreatedAt: time.Now(), Ref: "in:1", Dedupe: "in:1",
				Office: &store.OfficeCopy{Resident: 91, From: 91, Messages: []int{id}, TopicName: "User91 · EN", Card: "the card", Seq: 1}}
			if _, err := r.st.EnqueueEach(context.Background(), time.Hour, m); err != nil {
				t.Fatal(err)
			}
			r.tg.WaitSent(t, wait, telegramtest.HasCopyOf(91, id))
			testkit.WaitOutboxSettled(t, r.st, wait)
			got := r.tg.SentTo(forum.ID)
			if len(got) != 2 || got[0].Plain != "the card" || got[0].ThreadID == 0 || got[1].ThreadID != got[0].ThreadID {
				t.Errorf("the office got %+v, want the card, then the copy, in one topic", got)
			}
			if n := len(r.tg.Calls("createForumTopic")); n != 1 {
				t.Errorf("%d topics made", n)
			}
			c, _ := r.st.Conversation(context.Background(), 91)
			if !c.Ready || c.Claim != "" || c.InSent != 1 {
				t.Errorf("conversation after: %+v", c)
			}
		})
	}
}

// A resident who deleted their data (/stop) while their message waited:
// it is not passed on, and nothing of theirs is made again.
func TestOfficeMessageOfResidentWhoLeft(t *testing.T) {
	r := newRig(t, 0)
	forum := telegramtest.ForumGroup(-1001880000003, "Office")
	r.tg.KnowChat(forum)
	r.tg.SetTopicRights(forum.ID, true)
	chat, user := telegramtest.PrivateChat(92, "en")
	id := r.tg.IncomingMessageID(r.tg.SendIncoming(chat, user, telegramtest.Incoming{Text: "hello"}))
	r.officeWorkers()
	m := store.OutboxMessage{Kind: store.MsgOfficeIn, ChatID: forum.ID, Group: true, CreatedAt: time.Now(), Ref: "in:2", Dedupe: "in:2",
		Office: &store.OfficeCopy{Resident: 92, From: 92, Messages: []int{id}, TopicName: "User92 · EN", Card: "the card", Seq: 1}}
	if _, err := r.st.EnqueueEach(context.Background(), time.Hour, m); err != nil {
		t.Fatal(err)
	}
	if st := testkit.WaitOutboxSettled(t, r.st, wait); st.Dead != 0 {
		t.Errorf("%d dead letters", st.Dead)
	}
	if n := len(r.tg.Calls("createForumTopic")) + len(r.tg.Calls("copyMessage")); n != 0 {
		t.Errorf("%d calls made for a resident who left", n)
	}
	if _, err := r.st.Conversation(context.Background(), 92); err == nil {
		t.Error("the resident's conversation was made again")
	}
}
