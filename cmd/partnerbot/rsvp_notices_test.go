package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/pacing"
)

// editEvent opens the wizard on event id, changes one field (by its
// button's label) to value and publishes the edit.
func editEvent(t *testing.T, o *chat, id int64, title, field, value string) {
	t.Helper()
	_, got := o.tap(lastWith(t, o.say(fmt.Sprintf("/edit %d", id)), title), "Edit a field")
	o.tap(got[0], field)
	got = o.say(value)
	_, got = o.tap(lastWith(t, got, title), "Publish")
	mustContain(t, lastWith(t, got, "updated").Plain, fmt.Sprintf("#%d", id))
}

// People who signed up hear of a new place (with what it was), get new
// places from a bigger capacity, get the reminder whether or not they
// follow the city (one, if they do), and hear of the deletion; people
// still waiting get no reminder.
func TestRSVPRemindersEditAndDeleteNotices(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clk := newScheduleEnv(t, e)
	e.cfg.ReminderEvery = time.Second
	e.start()
	st := e.store()
	o := e.private(ownerID, "en")
	start := clk.Now().Add(72 * time.Hour).Truncate(time.Minute)
	id := publishEvent(t, o, "Harbour walk", start, " | capacity 1")

	xena, yuri, zoe := e.private(721, "en"), e.private(722, "en"), e.private(723, "de")
	yuri.ask("/subscribe krefeld")
	xena.pressLabel(openEvent(t, xena, id), "I'm going")
	yuri.pressLabel(openEvent(t, yuri, id), "Join the waiting list")
	zoe.pressLabel(openEvent(t, zoe, id), "Auf die Warteliste")
	wantList(t, st, id, []int64{721}, []int64{722, 723})

	// A new place: everyone on the list is told what it was and is now.
	editEvent(t, o, id, "Harbour walk", "Place", "Town hall")
	for _, c := range []struct {
		id   int64
		text string
	}{{721, "has changed"}, {722, "has changed"}, {723, "hat sich geändert"}} {
		m := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(c.id), telegramtest.TextContains(c.text)))
		mustContain(t, m.Plain, "City hall", "Town hall", "Harbour walk")
		if !strings.Contains(m.Text, "<s>📍 City hall</s>") {
			t.Errorf("the old place is not struck through: %s", m.Text)
		}
	}
	// A second place: the first waiting moves up, and is told; nobody is
	// told of a change, since time and place stayed.
	editEvent(t, o, id, "Harbour walk", "Places", "2")
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(722), telegramtest.TextContains("became free")))
	wantList(t, st, id, []int64{721, 722}, []int64{723})
	e.waitOutboxEmpty()
	for _, c := range []int64{721, 722, 723} {
		all := strings.Join(plains(e.tg.SentTo(c)), "\n")
		if n := strings.Count(all, "has changed") + strings.Count(all, "hat sich geändert"); n != 1 {
			t.Errorf("chat %d was told of the change %d times, want once", c, n)
		}
	}

	// The reminder: to Xena (going, follows nothing), to Yuri once (going
	// and following Krefeld), not to Zoe (waiting).
	clk.SetTo(start.Add(-23 * time.Hour))
	for _, c := range []int64{721, 722} {
		m := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(c), telegramtest.TextContains("Reminder")))
		if !hasButton(m, "Not going") || !hasButton(m, "Going: 2") {
			t.Errorf("reminder to %d without the event's buttons: %q", c, buttonTexts(m))
		}
	}
	e.waitOutboxEmpty()
	for _, c := range []int64{721, 722, 723} {
		want := 1
		if c == 723 {
			want = 0
		}
		all := strings.Join(plains(e.tg.SentTo(c)), "\n")
		if n := strings.Count(all, "Reminder") + strings.Count(all, "Erinnerung"); n != want {
			t.Errorf("chat %d got %d reminders, want %d", c, n, want)
		}
	}

	// The deletion: everyone on the list is told, once; the list is gone.
	confirm := o.ask(fmt.Sprintf("/delete %d", id))
	e.tg.LoseNextTo("editMessageText", ownerID, 1) // the update is delivered again
	o.tap(confirm, "Yes, delete")
	for _, c := range []struct {
		id   int64
		text string
	}{{721, "has been cancelled"}, {722, "has been cancelled"}, {723, "wurde abgesagt"}} {
		m := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(c.id), telegramtest.TextContains(c.text)))
		mustContain(t, m.Plain, "Harbour walk", "Town hall")
	}
	e.waitOutboxEmpty()
	for _, c := range []int64{721, 722} {
		if n := strings.Count(strings.Join(plains(e.tg.SentTo(c)), "\n"), "has been cancelled"); n != 1 {
			t.Errorf("chat %d told of the deletion %d times, want once", c, n)
		}
	}
	wantList(t, st, id, []int64{}, []int64{})
	if mine, err := st.UserRSVPs(context.Background(), 721); err != nil || len(mine) != 0 {
		t.Errorf("Xena's sign-ups after the deletion: %+v, %v", mine, err)
	}
}

// A resident's sign-ups are theirs: /mydata shows them with the name and
// @username the office sees, /stop deletes them, and the place given up
// goes to the first waiting, who is told.
func TestRSVPPrivacyMyDataAndStop(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.start()
	st := e.store()
	o := e.private(ownerID, "en")
	id := publishEvent(t, o, "Private evening", time.Now().Add(72*time.Hour), " | capacity 1")
	mia, noah := e.private(741, "en"), e.private(742, "en")
	mia.pressLabel(openEvent(t, mia, id), "I'm going")
	noah.pressLabel(openEvent(t, noah, id), "Join the waiting list")

	_, d := mia.myData()
	if len(d.SignUps) != 1 || d.SignUps[0].EventID != id || d.SignUps[0].Name != "User741" || d.SignUps[0].Username != "user741" || d.SignUps[0].Waiting {
		t.Errorf("sign-ups in /mydata = %+v", d.SignUps)
	}
	_, dn := noah.myData()
	if len(dn.SignUps) != 1 || !dn.SignUps[0].Waiting || dn.SignUps[0].UserID != 742 {
		t.Errorf("Noah's sign-ups = %+v", dn.SignUps)
	}

	stop := mia.ask("/stop")
	mustContain(t, stop.Plain, "sign-ups for events: 1")
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(742), telegramtest.TextContains("became free")))
	wantList(t, st, id, []int64{742}, []int64{})
	after, err := store.CollectChatData(context.Background(), st, store.Person{ChatID: 741, UserID: 741}, "", time.Now())
	if err != nil || after.Personal() {
		t.Errorf("after /stop: %+v, %v", after, err)
	}
}

// The channel's post of an event carries the buttons in the channel's
// language; a tap there is answered in the tapper's language and redraws
// the channel's buttons; an edit of the event shows the counts as they
// are then.
func TestRSVPInTheChannel(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	withChannel(e)
	e.start()
	st := e.store()
	o := e.private(ownerID, "en")
	id := publishEvent(t, o, "Channel evening", time.Now().Add(72*time.Hour), " | capacity 1")
	var post telegramtest.Message
	waitChannel(t, e, "has the event with its buttons", func(ms []telegramtest.Message) bool {
		if len(ms) == 1 && hasButton(ms[0], "Я піду") {
			post = ms[0]
			return true
		}
		return false
	})
	ch := telegramtest.PublicChannel(channelID, "Kropyvnytskyi partners", "city_partners")
	reader := &chat{e: e, chat: ch, user: telegramtest.NewUser(751, "en")}
	stranger := &chat{e: e, chat: ch, user: telegramtest.NewUser(752, "de")}
	toast, post, _ := reader.pressLabel(post, "Я піду")
	mustContain(t, toast, "You're going")
	if !hasButton(post, "Ідуть: 1 · місць немає") || !hasButton(post, "У список очікування") {
		t.Errorf("the channel's buttons after the tap: %q", buttonTexts(post))
	}
	toast, _, _ = stranger.pressLabel(post, "У список очікування")
	mustContain(t, toast, "Warteliste", "@"+e.tg.BotUsername())
	wantList(t, st, id, []int64{751}, []int64{752})

	editEvent(t, o, id, "Channel evening", "Place", "Riverside")
	waitChannel(t, e, "edited with the counts", func(ms []telegramtest.Message) bool {
		return len(ms) == 1 && strings.Contains(ms[0].Plain, "Riverside") && hasButton(ms[0], "в очікуванні: 1")
	})
}

// A popular event in the channel: with the real inbound and sending
// limits, fifteen people tapping at once are all signed up — the
// channel's limit of 20 messages a minute only decides how often its
// buttons are redrawn, never whether a tap counts.
func TestRSVPChannelRush(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	withChannel(e)
	e.cfg.Inbound = bot.InboundLimits{}  // the documented defaults
	e.cfg.GroupLimit = pacing.Bucket{}   // Telegram's: 20 a minute
	e.cfg.PrivateLimit = pacing.Bucket{} // 1 a second
	e.start()
	st := e.store()
	o := e.private(ownerID, "en")
	id := publishEvent(t, o, "Rush evening", time.Now().Add(72*time.Hour), "")
	var post telegramtest.Message
	waitChannel(t, e, "has the event", func(ms []telegramtest.Message) bool {
		if len(ms) == 1 && hasButton(ms[0], "Я піду") {
			post = ms[0]
			return true
		}
		return false
	})
	b, _ := findButton(post, "Я піду")
	ch := telegramtest.PublicChannel(channelID, "Kropyvnytskyi partners", "city_partners")
	var cbs []string
	var ids []int
	for i := range 15 {
		id, cb := e.tg.SendCallback(ch, telegramtest.NewUser(int64(760+i), "en"), post.MessageID, b.CallbackData)
		ids, cbs = append(ids, id), append(cbs, cb)
	}
	for i := range ids {
		e.tg.WaitConfirmed(t, wait, ids[i])
		if a := e.tg.WaitAnswer(t, wait, cbs[i]); !strings.Contains(a.Text, "You're going") {
			t.Errorf("tap %d answered %q", i, a.Text)
		}
	}
	going, _ := attendeeIDs(t, st, id)
	if len(going) != 15 {
		t.Errorf("%d going, want all 15", len(going))
	}
}
