package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

// testClock is the injected clock of the bots under test: real time
// shifted by an offset, so time still passes (leases, retries) and a test
// can jump past a scheduled time instead of waiting for it.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// SetTo makes it t now.
func (c *testClock) SetTo(t time.Time) { c.offset.Store(int64(time.Until(t))) }

// newScheduleEnv is an official's env with an injected clock and a
// planner that looks for due posts every second.
func newScheduleEnv(t *testing.T, e *env) *testClock {
	clk := &testClock{}
	e.now = clk.Now
	e.cfg.AdminIDs = []int64{ownerID}
	e.cfg.PublishEvery = time.Second
	return clk
}

// withChannel gives the bot a channel it may post in.
func withChannel(e *env) {
	e.tg.KnowChat(telegramtest.PublicChannel(channelID, "Kropyvnytskyi partners", "city_partners"))
	e.tg.SetChannelRights(channelID, telegramtest.ChannelRights{Member: true, CanPostMessages: true, CanEditMessages: true, CanDeleteMessages: true})
	e.cfg.Channel = "@city_partners"
}

// venloTime is t as typed for a post about Venlo.
func venloTime(t *testing.T, at time.Time) string {
	return at.In(mustLoc(t, "Europe/Amsterdam")).Format("2006-01-02 15:04")
}

// scheduleAnnouncement writes an announcement for Venlo in the wizard and
// taps Publish later for the time at (a whole minute); it returns the
// post's id and the bot's answer.
func scheduleAnnouncement(t *testing.T, o *chat, title string, at time.Time) (int64, telegramtest.Message) {
	t.Helper()
	_, got := o.tap(o.ask("/post"), "Announcement")
	o.tap(got[0], "Venlo")
	o.say(title)
	got = o.say("Details of " + title)
	_, got = o.tap(got[len(got)-1], "Skip")
	_, got = o.tap(lastWith(t, got, title), "Publish later")
	mustContain(t, got[0].Plain, "Europe/Amsterdam", "It is now")
	answer := o.ask(venloTime(t, at))
	mustContain(t, answer.Plain, "will be published at "+venloTime(t, at)+" (Europe/Amsterdam)")
	return postIDIn(t, answer.Plain), answer
}

// Publish later from the wizard: a past time is refused with the time it
// is now; until its time the post is nowhere residents look — /news, its
// open link, the Atom feed, inline results, the digest preview, the
// channel — then it comes out, once, with the official told.
func TestScheduleLaterInvisibleUntilItsTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clk := newScheduleEnv(t, e)
	withChannel(e)
	e.start()
	st := e.store()
	fan := e.private(511, "en")
	fan.ask("/subscribe venlo")
	o := e.private(ownerID, "en")
	o.ask("/subscribe venlo")

	// A past time is refused, showing the time it is now in Venlo.
	_, got := o.tap(o.ask("/post"), "Visit")
	o.tap(got[0], "Venlo")
	o.say("Spring festival")
	got = o.say("Stalls on the market square")
	_, got = o.tap(got[0], "Today")
	_, got = o.tap(got[len(got)-1], "Skip")
	_, got = o.tap(lastWith(t, got, "Spring festival"), "Publish later")
	mustContain(t, got[0].Plain, "Europe/Amsterdam", "It is now")
	mustContain(t, o.ask(venloTime(t, clk.Now().Add(-time.Hour))).Plain, "has passed", "it is now "+venloTime(t, clk.Now()), "Europe/Amsterdam")
	mustContain(t, o.ask("next week").Plain, "Publishing time", "2026-05-01 18:00")
	due := clk.Now().Add(time.Hour).Truncate(time.Minute)
	answer := o.ask(venloTime(t, due))
	mustContain(t, answer.Plain, "will be published at "+venloTime(t, due)+" (Europe/Amsterdam)")
	id := postIDIn(t, answer.Plain)
	p, err := st.Post(context.Background(), id)
	if err != nil || p.State() != store.StatusScheduled || !p.PublishAt.Equal(due) {
		t.Fatalf("stored: %+v, %v; want scheduled at %v", p, err, due)
	}

	nowhere := func(when string) {
		t.Helper()
		e.waitOutboxEmpty()
		for _, m := range e.tg.SentTo(fan.chat.ID) {
			if strings.Contains(m.Plain, "Spring festival") {
				t.Errorf("%s: the resident got %q", when, m.Plain)
			}
		}
		if got := fan.ask("/news venlo").Plain; strings.Contains(got, "Spring festival") {
			t.Errorf("%s: /news shows it: %s", when, got)
		}
		if got := strings.Join(plains(fan.say("/city venlo")), "\n"); strings.Contains(got, "Spring festival") {
			t.Errorf("%s: the city card shows it: %s", when, got)
		}
		mustContain(t, fan.ask(fmt.Sprintf("/p%d", id)).Plain, "does not exist")
		if _, body := httpGet(t, e.httpURL()+"/feed.atom"); strings.Contains(body, "Spring festival") {
			t.Errorf("%s: the Atom feed lists it", when)
		}
		if a := fan.inline("festival", ""); len(a.Results) != 0 {
			t.Errorf("%s: inline results %v", when, resultIDs(a))
		}
		if got := strings.Join(plains(o.say("/digest_preview")), "\n"); strings.Contains(got, "Spring festival") {
			t.Errorf("%s: the digest preview has it: %s", when, got)
		}
		if len(channelMessages(e)) != 0 {
			t.Errorf("%s: the channel has %q", when, plains(channelMessages(e)))
		}
	}
	nowhere("scheduled")
	// Officials read it, with where it stands.
	mustContain(t, strings.Join(plains(o.say(fmt.Sprintf("/p%d", id))), "\n"), "not published (scheduled)", "Spring festival")
	list := o.say("/scheduled")
	mustContain(t, list[0].Plain, "Waiting to be published: 1")
	mustContain(t, list[1].Plain, fmt.Sprintf("#%d", id), "Spring festival", venloTime(t, due)+" (Europe/Amsterdam)", "Venlo", fmt.Sprint(ownerID))

	clk.SetTo(due.Add(time.Second))
	notice := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(ownerID), telegramtest.TextContains("as scheduled")))
	mustContain(t, notice.Plain, fmt.Sprintf("#%d", id), venloTime(t, due)+" (Europe/Amsterdam)")
	waitChannel(t, e, "has the post", func(m []telegramtest.Message) bool { return len(m) == 1 })
	e.waitOutboxEmpty()
	if msgs := channelMessages(e); len(msgs) != 1 || !strings.Contains(msgs[0].Plain, "Spring festival") {
		t.Errorf("channel: %q, want the post once", plains(msgs))
	}
	mustContain(t, fan.ask("/news venlo").Plain, "Spring festival")
	mustContain(t, strings.Join(plains(fan.say("/city venlo")), "\n"), "Spring festival")
	mustContain(t, fan.ask(fmt.Sprintf("/p%d", id)).Plain, "Stalls on the market square")
	if a := fan.inline("festival", ""); len(a.Results) != 1 {
		t.Errorf("inline results %v, want the post", resultIDs(a))
	}
	mustContain(t, strings.Join(plains(o.say("/digest_preview")), "\n"), "Spring festival")
	mustContain(t, o.ask("/scheduled").Plain, "No posts are waiting")
	mustContain(t, o.ask(fmt.Sprintf("/audit %d", id)).Plain, "published", "time set")
}

// The bot is stopped while posts wait: started again on time, a post comes
// out once at start, as scheduled; started hours after a post's time, it
// comes out once and its official is told how late. Restarting again
// repeats nothing — not the announcement, the channel post or the notice.
func TestScheduledOnceAcrossRestarts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clk := newScheduleEnv(t, e)
	withChannel(e)
	e.start()
	fans := []*chat{e.private(521, "en"), e.private(522, "de")}
	for _, f := range fans {
		f.ask("/subscribe venlo")
	}
	o := e.private(ownerID, "en")
	first := clk.Now().Add(time.Hour).Truncate(time.Minute)
	second := first.Add(3 * time.Hour)
	a, _ := scheduleAnnouncement(t, o, "Library reopens", first)
	b, _ := scheduleAnnouncement(t, o, "Bridge closed", second)
	e.waitOutboxEmpty()

	e.stop()
	clk.SetTo(first.Add(10 * time.Second))
	e.start()
	notice := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(ownerID), telegramtest.TextContains(fmt.Sprintf("#%d «", a))))
	mustContain(t, notice.Plain, "as scheduled")
	e.waitOutboxEmpty()

	e.stop()
	clk.SetTo(second.Add(2*time.Hour + 30*time.Minute))
	e.start()
	late := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(ownerID), telegramtest.TextContains(fmt.Sprintf("#%d «", b))))
	mustContain(t, late.Plain, "was due at "+venloTime(t, second)+" (Europe/Amsterdam)", "not running", "2 h 30 min late")
	e.waitOutboxEmpty()

	e.stop()
	clk.SetTo(second.Add(5 * time.Hour))
	e.start()
	mustContain(t, o.ask("/scheduled").Plain, "No posts are waiting")
	e.waitOutboxEmpty()
	for _, f := range fans {
		for _, title := range []string{"Library reopens", "Bridge closed"} {
			if n := countWith(e.tg.SentTo(f.chat.ID), title); n != 1 {
				t.Errorf("chat %d got %q %d times, want once", f.chat.ID, title, n)
			}
		}
	}
	for _, id := range []int64{a, b} {
		if n := countWith(e.tg.SentTo(ownerID), fmt.Sprintf("#%d «", id)); n != 1 {
			t.Errorf("the official got %d notices about #%d, want one", n, id)
		}
	}
	if msgs := channelMessages(e); len(msgs) != 2 {
		t.Errorf("channel: %q, want each post once", plains(msgs))
	}
	st := e.store()
	for _, id := range []int64{a, b} {
		log, err := st.AuditLog(context.Background(), id, 10)
		if err != nil || len(log) != 2 || log[0].Action != store.ActionPublished {
			t.Errorf("audit of #%d = %+v, %v; want scheduled, then published once", id, log, err)
		}
	}
}

// startMain runs one more Main on the env's config as replica name, like
// start; stop ends it (and is safe to call twice).
func (e *env) startMain(name string) (stop func()) {
	e.t.Helper()
	cfg := e.cfg
	cfg.ReplicaID = name
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	m := &Main{Config: cfg, Logger: newTestLogger(e.logs).With("replica", name), Now: e.now}
	go func() { done <- m.Run(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("replica %s: %v", name, err)
			}
		case <-time.After(wait):
			e.t.Errorf("replica %s did not stop", name)
		}
	})
	e.t.Cleanup(stop)
	return stop
}

// Two replicas on one Redis: while both run, the post due first comes
// out once; then the replica that plans is stopped, the other takes
// over, and the post due next comes out once too. The stopped one comes
// back, and nothing repeats.
func TestScheduledOnceAcrossLeaderChange(t *testing.T) {
	t.Parallel()
	e := newRedisEnv(t)
	clk := newScheduleEnv(t, e)
	e.cfg.LockTTL = 500 * time.Millisecond
	stops := map[string]func(){"a": e.startMain("a"), "b": e.startMain("b")}
	e.tg.WaitLongPoll(t, wait)
	fan := e.private(531, "en")
	fan.ask("/subscribe venlo")
	o := e.private(ownerID, "en")
	first := clk.Now().Add(time.Hour).Truncate(time.Minute)
	second := first.Add(time.Hour)
	scheduleAnnouncement(t, o, "Concert moved", first)
	scheduleAnnouncement(t, o, "Museum night", second)

	clk.SetTo(first.Add(time.Second))
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(fan.chat.ID), telegramtest.TextContains("Concert moved")))
	e.waitOutboxEmpty()

	leader := e.lockHolder("planner")
	other := map[string]string{"a": "b", "b": "a"}[leader]
	if other == "" {
		t.Fatalf("planner lock held by %q", leader)
	}
	stops[leader]()
	clk.SetTo(second.Add(time.Second))
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(fan.chat.ID), telegramtest.TextContains("Museum night")))
	if h := e.lockHolder("planner"); h != other {
		t.Errorf("planner lock held by %q after %s stopped, want %s", h, leader, other)
	}
	e.startMain(leader)
	eventually(t, wait, func() string { return "the restarted replica never came back" },
		func() bool { return strings.Count(e.logs.String(), "partnerbot started") >= 3 })
	clk.SetTo(second.Add(time.Hour))
	e.waitOutboxEmpty()
	for _, title := range []string{"Concert moved", "Museum night"} {
		if n := countWith(e.tg.SentTo(fan.chat.ID), title); n != 1 {
			t.Errorf("%q reached the resident %d times, want once", title, n)
		}
		if n := countWith(e.tg.SentTo(ownerID), "«"+title+"» was published"); n != 1 {
			t.Errorf("%d notices about %q, want one", n, title)
		}
	}
	no409(t, e.tg)
}

// /schedule and /scheduled: bad input changes nothing and says why; the
// time can be changed (by command or button); cancelling keeps the post
// as a draft that its old time does not publish; a draft can be
// scheduled again and published at once with "Publish now" — once, even
// when the answer to the tap is lost, and a second tap changes nothing.
func TestScheduleCancelAndReschedule(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clk := newScheduleEnv(t, e)
	e.start()
	st := e.store()
	fan := e.private(541, "en")
	fan.ask("/subscribe venlo")
	o := e.private(ownerID, "en")
	due := clk.Now().Add(2 * time.Hour).Truncate(time.Minute)
	id, _ := scheduleAnnouncement(t, o, "Tram timetable", due)
	published, err := st.LatestPosts(context.Background(), "", 1)
	if err != nil || len(published) == 0 {
		t.Fatalf("no published post to try: %v", err)
	}
	bad := []struct{ in, want string }{
		{"/schedule", "/schedule 42 2026-05-01 10:00"},
		{"/schedule x " + venloTime(t, due), "/schedule 42 2026-05-01 10:00"},
		{fmt.Sprintf("/schedule %d", id), "/schedule 42 2026-05-01 10:00"},
		{"/schedule 9999 " + venloTime(t, due), "There is no post #9999"},
		{fmt.Sprintf("/schedule %d %s", id, venloTime(t, clk.Now().Add(-time.Minute))), "has passed"},
		{fmt.Sprintf("/schedule %d 2026-13-01 10:00", id), "Publishing time: «2026-13-01 10:00» is not a date and time"},
		{fmt.Sprintf("/schedule %d %s", published[0].ID, venloTime(t, due)), "is published already"},
	}
	for _, tt := range bad {
		mustContain(t, o.ask(tt.in).Plain, tt.want)
	}
	if p, _ := st.Post(context.Background(), id); p.State() != store.StatusScheduled || !p.PublishAt.Equal(due) {
		t.Fatalf("after bad input the post is %s at %v, want scheduled at %v", p.State(), p.PublishAt, due)
	}

	// A group's members are residents: the list is for private chats.
	g := e.group(-5410, o)
	for _, cmd := range []string{"/scheduled", "/pending"} {
		if got := g.ask(cmd).Plain; !strings.Contains(got, "private chat") || strings.Contains(got, "Tram") {
			t.Errorf("%s in a group: %q", cmd, got)
		}
	}

	// The answer is lost once: it is sent again, the time set once.
	later := due.Add(time.Hour)
	e.tg.LoseNextTo("sendMessage", ownerID, 1)
	got := o.say(fmt.Sprintf("/schedule %d %s", id, venloTime(t, later)))
	if len(got) != 2 || got[0].Plain != got[1].Plain {
		t.Errorf("after a lost answer the official sees %q, want it twice", plains(got))
	}
	mustContain(t, got[len(got)-1].Plain, "will be published at "+venloTime(t, later))
	if acts := auditActions(t, st, id); acts != "scheduled scheduled" {
		t.Errorf("audit after a retried answer: %s, want the time set once after scheduling", acts)
	}
	list := o.say("/scheduled")
	item := lastWith(t, list, "Tram timetable")
	mustContain(t, item.Plain, venloTime(t, later)+" (Europe/Amsterdam)")
	_, got = o.tap(item, "Change time")
	mustContain(t, got[0].Plain, "Europe/Amsterdam", "it is now")
	mustContain(t, o.ask(venloTime(t, clk.Now().Add(-time.Hour))).Plain, "has passed")
	latest := later.Add(time.Hour)
	mustContain(t, o.ask(venloTime(t, latest)).Plain, "will be published at "+venloTime(t, latest))
	if p, _ := st.Post(context.Background(), id); !p.PublishAt.Equal(latest) {
		t.Errorf("time after the button: %v, want %v", p.PublishAt, latest)
	}
	mustContain(t, o.ask("Some text").Plain, "commands") // the question was answered

	cancelled, _ := o.tap(item, "Cancel publishing")
	mustContain(t, cancelled.Plain, "cancelled", "draft")
	// Its time passes: a post scheduled for the same time comes out, the
	// cancelled one does not.
	scheduleAnnouncement(t, o, "Control post", latest)
	clk.SetTo(latest.Add(time.Second))
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(fan.chat.ID), telegramtest.TextContains("Control post")))
	e.waitOutboxEmpty()
	if n := countWith(e.tg.SentTo(fan.chat.ID), "Tram timetable"); n != 0 {
		t.Fatalf("a cancelled post reached the resident %d times", n)
	}
	if p, _ := st.Post(context.Background(), id); p.State() != store.StatusDraft {
		t.Fatalf("the cancelled post is %s, want a draft", p.State())
	}

	again := clk.Now().Add(time.Hour).Truncate(time.Minute)
	mustContain(t, o.ask(fmt.Sprintf("/schedule %d %s", id, venloTime(t, again))).Plain, "will be published at")
	item = lastWith(t, o.say("/scheduled"), "Tram timetable")
	data, _ := findButton(item, "Publish now")
	e.tg.LoseNextTo("editMessageText", ownerID, 1)
	done, _ := o.tap(item, "Publish now")
	mustContain(t, done.Plain, fmt.Sprintf("#%d", id), "1 subscriber")
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(fan.chat.ID), telegramtest.TextContains("Tram timetable")))
	upd, cb := e.tg.SendCallback(o.chat, o.user, item.MessageID, data.CallbackData)
	e.tg.WaitConfirmed(t, wait, upd)
	mustContain(t, e.tg.WaitAnswer(t, wait, cb).Text, "is published now: nothing was changed")
	mustContain(t, o.ask(fmt.Sprintf("/schedule %d %s", id, venloTime(t, again))).Plain, "is published already")
	e.waitOutboxEmpty()
	if n := countWith(e.tg.SentTo(fan.chat.ID), "Tram timetable"); n != 1 {
		t.Errorf("the resident got it %d times, want once", n)
	}
	audit := o.ask(fmt.Sprintf("/audit %d", id)).Plain
	mustContain(t, audit, "publishing cancelled", "time set", "published")
	if n := strings.Count(audit, "· published ·"); n != 1 {
		t.Errorf("audit lists %d publications, want one:\n%s", n, audit)
	}
}
