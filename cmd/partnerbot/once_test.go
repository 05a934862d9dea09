package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

// Telegram loses responses (the request was processed, the answer never
// came) and answers 5xx while an official publishes: whatever is retried,
// there is exactly one post and one audit entry, and each subscriber gets
// the announcement at most once plus the responses lost on their own chat.
func TestPublishOnceWhenTelegramLosesResponses(t *testing.T) {
	for _, how := range []string{"form", "announce", "wizard"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			e := newOfficialEnv(t)
			e.start()
			st := e.store()
			fans := []*chat{e.private(401, "en"), e.private(402, "de"), e.private(403, "uk")}
			for _, f := range fans {
				f.ask("/subscribe venlo")
			}
			o := e.private(ownerID, "en")
			title := "Once " + how
			// Faults on the official's chat: two replies processed but
			// their answers lost, then two Bad Gateways.
			fault := func() {
				e.tg.LoseNextTo("sendMessage", ownerID, 2)
				e.tg.FailNextTo("sendMessage", ownerID, 2, 502, "")
				e.tg.LoseNextTo("sendMessage", 402, 1) // and one on a subscriber's
			}
			var before int
			switch how {
			case "form":
				fault()
				before = len(e.tg.SentTo(ownerID))
				o.say("/visit venlo | 2025-10-30 | " + title + " | Text of the visit")
			case "announce":
				fault()
				before = len(e.tg.SentTo(ownerID))
				o.say("/announce venlo | " + title + "\nSecond line")
			case "wizard":
				_, got := o.tap(o.ask("/post"), "Announcement")
				_, got = o.tap(got[0], "Venlo")
				mustContain(t, got[0].Plain, "title")
				// The answer to the title step is lost once: the title is
				// taken once, and the text typed next is the text.
				e.tg.LoseNextTo("sendMessage", ownerID, 1)
				got = o.say(title)
				if len(got) != 2 || got[0].Plain != got[1].Plain {
					t.Errorf("after a lost reply the official sees %q, want the same question twice", plains(got))
				}
				got = o.say("Text of the wizard")
				_, got = o.tap(got[len(got)-1], "Skip") // no photos
				preview := lastWith(t, got, title)
				fault()
				before = len(e.tg.SentTo(ownerID))
				o.tap(preview, "Publish")
			}
			replies := e.tg.SentTo(ownerID)[before:]
			published := lastWith(t, replies, "#")
			id := postIDIn(t, published.Plain)
			// Every copy the official saw names the same post.
			for _, m := range replies {
				if strings.Contains(m.Plain, "#") && postIDIn(t, m.Plain) != id {
					t.Errorf("replies name posts #%d and #%d", id, postIDIn(t, m.Plain))
				}
			}
			if n := countPosts(t, st, title); n != 1 {
				t.Errorf("%d posts titled %q, want 1", n, title)
			}
			if log, err := st.AuditLog(context.Background(), id, 10); err != nil || len(log) != 1 {
				t.Errorf("audit of #%d = %+v, %v; want one entry", id, log, err)
			}
			p, err := st.Post(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if how == "wizard" && p.Text != "Text of the wizard" {
				t.Errorf("wizard post text = %q, want the text typed after the title", p.Text)
			}
			if p.Kind != store.KindAnnouncement {
				return
			}
			e.waitOutboxEmpty()
			for _, f := range fans {
				id := f.chat.ID
				got := countWith(e.tg.SentTo(id), title)
				if got < 1 || got > 1+e.tg.LostTo(id) {
					t.Errorf("chat %d got the announcement %d times, want 1 to %d (1 + lost responses)", id, got, 1+e.tg.LostTo(id))
				}
			}
		})
	}
}

// countPosts counts the stored posts with a title.
func countPosts(t *testing.T, st store.Store, title string) int {
	t.Helper()
	posts, err := st.LatestPosts(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range posts {
		if p.DisplayTitle(p.Lang) == title || p.Title == title {
			n++
		}
	}
	return n
}

func countWith(ms []telegramtest.Message, substr string) int {
	n := 0
	for _, m := range ms {
		if strings.Contains(m.Plain, substr) {
			n++
		}
	}
	return n
}

// Every state change a resident or an official makes takes effect once
// when its update is delivered again (the reply was lost) or the same
// button is pressed twice.
func TestRetriedUpdatesChangeNothingTwice(t *testing.T) {
	e := newOfficialEnv(t)
	e.start()
	st := e.store()
	ctx := context.Background()
	r := e.private(410, "en")

	// A toggle whose edit was lost, then the very same (stale) button
	// pressed again: Krefeld is followed, not followed-and-unfollowed.
	kb := r.ask("/subscribe")
	b, _ := findButton(kb, "Krefeld")
	e.tg.LoseNextTo("editMessageText", 410, 1)
	id, cb := e.tg.SendCallback(r.chat, r.user, kb.MessageID, b.CallbackData)
	e.tg.WaitConfirmed(t, wait, id)
	e.tg.WaitAnswer(t, wait, cb)
	id, _ = e.tg.SendCallback(r.chat, r.user, kb.MessageID, b.CallbackData)
	e.tg.WaitConfirmed(t, wait, id)
	if s := sub(t, st, 410); !s.Follows("krefeld") {
		t.Errorf("after a lost edit and a double tap the resident follows %v, want Krefeld", s.Cities)
	}
	// The same for a kind.
	kb = r.ask("/subscribe")
	b, _ = findButton(kb, "Events")
	for range 2 {
		id, _ := e.tg.SendCallback(r.chat, r.user, kb.MessageID, b.CallbackData)
		e.tg.WaitConfirmed(t, wait, id)
	}
	if s := sub(t, st, 410); s.Wants(store.KindEvent) {
		t.Errorf("a double tap on Events left kinds %v, want events off", s.Kinds)
	}

	// A grant whose reply was lost: one grant, one reply delivered again.
	o := e.private(ownerID, "en")
	e.private(411, "en").ask("/start")
	e.tg.LoseNextTo("sendMessage", ownerID, 1)
	got := o.say("/grant 411")
	if len(got) != 2 || !strings.Contains(got[1].Plain, "411") {
		t.Errorf("/grant with a lost reply: %q", plains(got))
	}
	if list, _ := st.Officials(ctx); len(list) != 1 {
		t.Errorf("officials after a retried /grant = %+v", list)
	}

	// A delete confirmed once, the answer lost: one deletion, one entry.
	m := o.ask("/visit krefeld | 2025-10-30 | To delete | Body")
	pid := postIDIn(t, m.Plain)
	confirm := o.ask(fmt.Sprintf("/delete %d", pid))
	e.tg.LoseNextTo("editMessageText", ownerID, 1)
	o.tap(confirm, "Yes, delete")
	log, _ := st.AuditLog(ctx, pid, 10)
	if len(log) != 2 || log[0].Action != "deleted" {
		t.Errorf("audit after a retried delete = %+v, want created and one deleted", log)
	}

	// /stop whose reply was lost deletes everything once and says so.
	e.tg.LoseNextTo("sendMessage", 410, 1)
	got = r.say("/stop")
	if len(got) != 2 || got[0].Plain != got[1].Plain || !strings.Contains(got[1].Plain, "Krefeld") {
		t.Errorf("/stop with a lost reply: %q, want the same summary twice", plains(got))
	}
}

func sub(t *testing.T, st store.Store, chatID int64) store.Subscriber {
	t.Helper()
	s, err := st.Subscriber(context.Background(), chatID)
	if err != nil {
		t.Fatalf("Subscriber(%d) = %v", chatID, err)
	}
	return s
}
