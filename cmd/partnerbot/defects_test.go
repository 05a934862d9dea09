package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/dump"
)

// A button whose handler fails (storage down) shows the resident the error
// toast; the tap is answered once, with it.
func TestFailingButtonShowsTheErrorToast(t *testing.T) {
	t.Parallel()
	e := newRedisEnv(t)
	e.start()
	c := e.private(550, "en")
	kb := c.ask("/subscribe")
	e.redis.Kill()
	b, _ := findButton(kb, "Krefeld")
	id, cb := e.tg.SendCallback(c.chat, c.user, kb.MessageID, b.CallbackData)
	e.tg.WaitConfirmed(t, wait, id)
	if a := e.tg.WaitAnswer(t, wait, cb); !strings.Contains(a.Text, "temporarily unavailable") {
		t.Errorf("toast = %q, want the storage notice", a.Text)
	}
	n := 0
	for _, c := range e.tg.Calls("answerCallbackQuery") {
		if c.Param("callback_query_id") == cb {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the tap was answered %d times, want once", n)
	}
	e.redis.Restart(t)
}

// A chat that is gone is handled the same way whoever finds out: a reply
// to a deleted account forgets it, as the outbox does.
func TestReplyToDeletedAccountForgetsIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	c := e.private(560, "en")
	c.ask("/subscribe venlo")
	e.tg.Deactivate(560)
	id := e.tg.SendText(c.chat, c.user, "/cities")
	e.tg.WaitConfirmed(t, wait, id)
	if _, err := e.store().Subscriber(context.Background(), 560); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("record of a deleted account after a failed reply: %v, want none", err)
	}
}

// A bad end time in the wizard names the end time, not the start.
func TestWizardBadEndNamesTheEnd(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.start()
	o := e.private(ownerID, "en")
	_, got := o.tap(o.ask("/post"), "Event")
	o.tap(got[0], "Venlo")
	o.say("Concert")
	o.say("Music")
	start := time.Now().Add(72*time.Hour).Format("2006-01-02") + " 18:00"
	o.say(start)
	m := o.ask("tomorrow evening")
	if !strings.HasPrefix(m.Plain, "❌ End") {
		t.Errorf("bad end time: %q, want an error naming the End", m.Plain)
	}
}

// Lists show a title for every post: an announcement has its first line,
// and a city card's item does not end with a dangling separator.
func TestAnnouncementsHaveATitleInLists(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.start()
	e.private(ownerID, "en").ask("/announce venlo | Office closed on Friday\nWe reopen on Monday.")
	news := e.private(570, "en").say("/news venlo")
	if !strings.Contains(news[0].Plain, "Office closed on Friday\n") || strings.Contains(news[0].Text, "<b></b>") {
		t.Errorf("/news shows the announcement as %q", news[0].Plain)
	}
	card := e.private(570, "en").ask("/city venlo").Plain
	for _, line := range strings.Split(card, "\n") {
		// An item may end with its open link, "· /p3".
		item, _, _ := strings.Cut(line, " · /p")
		if strings.Contains(line, "Announcement") && !strings.HasSuffix(item, "Office closed on Friday") {
			t.Errorf("city card item %q, want it to end with the announcement's first line", line)
		}
	}
}

// Buttons are counted by their action (button_<action>), and a refused
// button is logged with its whole data.
func TestButtonsLabelledInMetricsAndLogs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	c := e.private(580, "en")
	kb := c.ask("/subscribe")
	c.tap(kb, "Krefeld")
	if v := metricLabel(t, e.httpURL(), "partnerbot_updates_total", `command="button_tc"`); v != 1 {
		t.Errorf(`partnerbot_updates_total{command="button_tc"} = %v, want 1`, v)
	}
	id, _ := e.tg.SendCallback(c.chat, c.user, kb.MessageID, "x:3") // an official's delete button, forged
	e.tg.WaitConfirmed(t, wait, id)
	if logs := e.logs.String(); !strings.Contains(logs, "refused official action") || !strings.Contains(logs, "data=x:3") {
		t.Errorf("refusal not logged with its data:\n%s", logs)
	}
	if v := metricLabel(t, e.httpURL(), "partnerbot_updates_total", `command="button_x"`); v != 1 {
		t.Errorf(`partnerbot_updates_total{command="button_x"} = %v, want 1`, v)
	}
}

// Officials get their command menu when they write, not at start (when
// Telegram does not know their chat yet), each on their own: one whose
// menu could not be set gets it on their next message, and the others are
// not held up.
func TestOfficialMenusSetWhenTheyWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.AdminIDs = []int64{900, 901}
	e.start()
	for _, c := range e.tg.Calls("setMyCommands") {
		if strings.Contains(c.Param("scope"), `"chat"`) {
			t.Fatalf("a chat menu was set at start, before the official wrote: %v", c.Params)
		}
	}
	hasMenu := func(id int64) bool {
		for _, c := range e.tg.Commands("chat", id, "en") {
			if c.Command == "post" {
				return true
			}
		}
		return false
	}
	e.tg.FailNext("setMyCommands", 1, 400, "Bad Request: chat not found", 0) // what Telegram says before the chat exists for the bot
	e.private(901, "en").ask("/start")                                       // its menu fails
	e.private(900, "en").ask("/start")
	if !hasMenu(900) {
		t.Error("owner 900 has no menu after writing")
	}
	if hasMenu(901) {
		t.Fatal("owner 901's menu was set though Telegram failed")
	}
	e.private(901, "en").ask("/help")
	if !hasMenu(901) {
		t.Error("owner 901 has no menu after writing again")
	}
	before := len(e.tg.Calls("setMyCommands"))
	e.private(900, "en").ask("/help")
	if after := len(e.tg.Calls("setMyCommands")); after != before {
		t.Errorf("a menu set already was set again (%d calls)", after-before)
	}
}

// Telegram's service accounts and messages sent on behalf of a chat carry
// no person: official commands from them are refused politely, they get no
// role, and nothing about them is stored.
func TestServiceAccountsGetNothing(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.start()
	st := e.store()
	group := telegramtest.Group(-590, "Partnership office")
	id := e.tg.SendTextAsChat(group, group, "/announce@"+e.tg.BotUsername()+" venlo | Sent anonymously")
	e.tg.WaitConfirmed(t, wait, id)
	if m, ok := e.tg.LastTo(-590); !ok || !strings.Contains(m.Plain, "анонімно") { // no language_code: Ukrainian
		t.Errorf("anonymous admin's /announce answered %q, want a polite refusal", m.Plain)
	}
	if n := countPosts(t, st, "Sent anonymously"); n != 0 {
		t.Errorf("%d posts from an anonymous admin", n)
	}
	m := e.private(ownerID, "en").ask("/grant 1087968824")
	mustContain(t, m.Plain, "service account")
	if list, _ := st.Officials(context.Background()); len(list) != 0 {
		t.Errorf("officials after granting a service account: %+v", list)
	}
	if _, err := st.User(context.Background(), store.AnonymousAdminID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("service account stored as a user: %v", err)
	}
}

// A grant stored with role "owner" (an old import, a forged dump) makes an
// editor, never an owner: owners come only from ADMIN_IDS.
func TestStoredOwnerGrantIsOnlyAnEditor(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.start()
	st := e.store()
	if err := st.SaveOfficial(context.Background(), store.Official{UserID: 595, Role: store.RoleOwner, GrantedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	c := e.private(595, "en")
	mustContain(t, c.ask("/grant 596").Plain, "only the bot's owners")
	mustContain(t, c.ask("/officials").Plain, "only the bot's owners")
	if m := c.ask("/visit venlo | 2025-10-30 | By an editor | Text"); !strings.Contains(m.Plain, "#") {
		t.Errorf("the editor could not publish: %q", m.Plain)
	}
}

// After /stop nothing about the chat or its person remains: the export
// holds no subscriber, user or digest cursor of theirs.
func TestStopLeavesNothingInTheExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	c := e.private(597, "en")
	c.ask("/subscribe venlo")
	c.ask("/lang de")
	c.ask("/stop")
	ex, ok := e.store().(dump.Source)
	if !ok {
		t.Fatal("the store cannot be exported")
	}
	d, err := dump.Export(context.Background(), ex)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Subscribers {
		if s.ChatID == 597 {
			t.Errorf("subscriber left after /stop: %+v", s)
		}
	}
	for _, u := range d.Users {
		if u.ID == 597 {
			t.Errorf("user left after /stop: %+v", u)
		}
	}
	for _, cur := range d.DigestCursors {
		if cur.ChatID == 597 {
			t.Errorf("digest cursor left after /stop: %+v", cur)
		}
	}
}

// Two bots in one process (as the tests run them) share no logger state:
// under -race, setting the libraries' loggers from Main.Run was a data race.
func TestTwoMainsInOneProcess(t *testing.T) {
	t.Parallel()
	a, b := newEnv(t), newEnv(t)
	var wg sync.WaitGroup
	wg.Go(a.start)
	wg.Go(b.start)
	wg.Wait()
	mustContain(t, a.private(598, "en").ask("/start").Plain, "Kropyvnytskyi")
	mustContain(t, b.private(599, "en").ask("/start").Plain, "Kropyvnytskyi")
}
