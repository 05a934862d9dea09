package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// fakeClock is a settable Main.Now: the tests move it to 09:00 in one
// zone after another instead of waiting for it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// utc reads "2006-01-02 15:04" as UTC.
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// newClockEnv is a bot on a fake clock starting at start (UTC), whose
// planner looks at the zones every 20 ms of real time.
func newClockEnv(t *testing.T, start string) (*env, *fakeClock) {
	t.Helper()
	e := newOfficialEnv(t)
	clk := &fakeClock{t: utc(t, start)}
	e.now = clk.Now
	e.cfg.PlanTick = 20 * time.Millisecond
	return e, clk
}

// planTo moves the clock to at (UTC) and waits until the planner has
// planned the daily slot that came last in each of the zones (a record's
// TimeZone, "" for the home zone), and everything planned went out.
func (e *env) planTo(clk *fakeClock, at string, zones ...string) {
	e.t.Helper()
	now := utc(e.t, at)
	clk.Set(now)
	daily, err := scheduler.ParseSpec(e.cfg.DigestSpec)
	if err != nil {
		e.t.Fatal(err)
	}
	st := e.store()
	for _, z := range zones {
		loc, label := e.cfg.TimeZone, "home"
		if z != "" {
			loc, label = mustLoc(e.t, z), z
		}
		key := "daily:" + label + ":" + store.LastFire(daily, now, loc).UTC().Format(time.RFC3339)
		eventually(e.t, wait, func() string { return "run " + key + " not finished" }, func() bool {
			r, err := st.Run(context.Background(), key)
			return err == nil && !r.FinishedAt.IsZero()
		})
	}
	e.waitOutboxEmpty()
}

// digestsWith counts the messages chat got that hold title.
func (e *env) digestsWith(chat int64, title string) int {
	n := 0
	for _, m := range e.tg.SentTo(chat) {
		if strings.Contains(m.Plain, title) {
			n++
		}
	}
	return n
}

func (e *env) wantDigests(when string, chat int64, title string, n int) {
	e.t.Helper()
	if got := e.digestsWith(chat, title); got != n {
		e.t.Errorf("%s: chat %d got %d digests with %q, want %d", when, chat, got, title, n)
	}
}

// DIGEST_SCHEDULE "0 9 * * *" is read in each reader's zone: Kyiv (the
// home zone, a Ukrainian speaker), Berlin (a German speaker's default)
// and Amsterdam (chosen with /timezone), across the night the clocks go
// forward (2026-03-29 at 01:00 UTC: Kyiv 03:00 → 04:00, Berlin and
// Amsterdam 02:00 → 03:00). The clock is injected, never waited for.
func TestDigestsAtNineLocalInThreeZonesAcrossDST(t *testing.T) {
	t.Parallel()
	e, clk := newClockEnv(t, "2026-03-27 12:00")
	e.start()
	const kyivChat, berlinChat, amsChat = 501, 502, 503
	kyiv, berlin, ams := e.private(kyivChat, "uk"), e.private(berlinChat, "de"), e.private(amsChat, "en")
	for _, c := range []*chat{kyiv, berlin, ams} {
		c.ask("/subscribe venlo")
	}
	mustContain(t, ams.ask("/timezone Europe/Amsterdam").Plain, "Europe/Amsterdam", "13:00")
	mustContain(t, berlin.ask("/settings").Plain, "Europe/Berlin")
	mustContain(t, kyiv.ask("/settings").Plain, "Europe/Kyiv")
	o := e.private(ownerID, "en")
	o.ask("/visit venlo | 2026-03-27 | Friday visit | In Venlo.")

	zones := []string{"", "Europe/Berlin", "Europe/Amsterdam"}
	// Saturday, winter time: 09:00 is 07:00 UTC in Kyiv, 08:00 in Berlin
	// and Amsterdam.
	e.planTo(clk, "2026-03-28 06:59", zones...)
	for _, c := range []int64{kyivChat, berlinChat, amsChat} {
		e.wantDigests("Saturday 08:59 in Kyiv", c, "Friday visit", 0)
	}
	e.planTo(clk, "2026-03-28 07:00", zones...)
	e.wantDigests("Saturday 09:00 in Kyiv", kyivChat, "Friday visit", 1)
	e.wantDigests("Saturday 08:00 in Berlin", berlinChat, "Friday visit", 0)
	e.wantDigests("Saturday 08:00 in Amsterdam", amsChat, "Friday visit", 0)
	e.planTo(clk, "2026-03-28 08:00", zones...)
	for _, c := range []int64{kyivChat, berlinChat, amsChat} {
		e.wantDigests("Saturday 09:00 in Berlin and Amsterdam", c, "Friday visit", 1)
	}

	clk.Set(utc(t, "2026-03-28 10:00"))
	o.ask("/visit venlo | 2026-03-28 | Saturday visit | In Venlo again.")
	// Sunday, summer time: 09:00 is 06:00 UTC in Kyiv, 07:00 in Berlin.
	e.planTo(clk, "2026-03-29 05:59", zones...)
	e.wantDigests("Sunday 08:59 in Kyiv", kyivChat, "Saturday visit", 0)
	e.planTo(clk, "2026-03-29 06:00", zones...)
	e.wantDigests("Sunday 09:00 in Kyiv", kyivChat, "Saturday visit", 1)
	e.wantDigests("Sunday 08:00 in Berlin", berlinChat, "Saturday visit", 0)
	e.planTo(clk, "2026-03-29 07:00", zones...)
	for _, c := range []int64{kyivChat, berlinChat, amsChat} {
		e.wantDigests("Sunday 09:00 in Berlin", c, "Saturday visit", 1)
		e.wantDigests("Sunday, Friday's post not again", c, "Friday visit", 1)
	}
	if m, ok := e.tg.LastTo(berlinChat); !ok || !strings.Contains(m.Plain, "Neues aus") {
		t.Errorf("the Berlin reader's digest is not in German: %q", m.Plain)
	}
}

// A reader who moves to a later zone after the day's digest gets no
// second one that day; the next day's covers what came in between.
func TestZoneChangeMidDayNoSecondDigest(t *testing.T) {
	t.Parallel()
	e, clk := newClockEnv(t, "2026-03-29 05:00")
	e.start()
	const reader = 601
	r := e.private(reader, "uk")
	r.ask("/subscribe venlo")
	o := e.private(ownerID, "en")
	o.ask("/visit venlo | 2026-03-29 | Early visit | Before nine.")
	e.planTo(clk, "2026-03-29 06:00", "") // 09:00 in Kyiv
	e.wantDigests("09:00 in Kyiv", reader, "Early visit", 1)

	// Moved to Berlin, from the settings' buttons.
	_, out := r.tap(r.ask("/settings"), "Часовий пояс")
	zoneMsg := lastWith(t, out, "Europe/Kyiv")
	after, _ := r.tap(zoneMsg, "Europe/Berlin")
	mustContain(t, after.Plain, "Europe/Berlin")
	if s := sub(t, e.store(), reader); s.TimeZone != "Europe/Berlin" {
		t.Fatalf("zone after the button = %q", s.TimeZone)
	}
	clk.Set(utc(t, "2026-03-29 06:30"))
	o.ask("/visit venlo | 2026-03-29 | Mid-morning visit | After nine in Kyiv.")
	e.planTo(clk, "2026-03-29 07:00", "Europe/Berlin") // 09:00 in Berlin, the same day
	e.wantDigests("09:00 in Berlin the same day", reader, "Mid-morning visit", 0)
	e.planTo(clk, "2026-03-30 07:00", "Europe/Berlin")
	e.wantDigests("09:00 in Berlin the next day", reader, "Mid-morning visit", 1)
	e.wantDigests("the next day, the first post not again", reader, "Early visit", 1)
}

// Quiet hours hold an announcement until they end, in the reader's zone;
// one marked urgent (/urgent) goes at once; a reader without quiet hours
// gets both at once. A lost response to /urgent sends nobody anything
// twice.
func TestQuietHoursHoldAnnouncementUrgentDoesNotWait(t *testing.T) {
	t.Parallel()
	e, clk := newClockEnv(t, "2026-01-10 21:30") // 22:30 in Berlin, 23:30 in Kyiv
	e.start()
	const sleeper, owl = 701, 702
	s, w := e.private(sleeper, "de"), e.private(owl, "en")
	s.ask("/subscribe venlo")
	w.ask("/subscribe venlo")
	mustContain(t, s.ask("/quiet 22:00-08:00").Plain, "22:00–08:00", "Europe/Berlin")

	o := e.private(ownerID, "en")
	o.ask("/announce venlo | The partnership office moves to room 12.")
	e.tg.LoseNextTo("sendMessage", ownerID, 1)
	got := o.say("/urgent venlo | Storm warning: the Venlo trip is cancelled.")
	if len(got) != 2 || !strings.Contains(got[1].Plain, "Urgent") {
		t.Fatalf("/urgent with a lost reply: %q, want the confirmation twice, naming it urgent", plains(got))
	}
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(sleeper), telegramtest.TextContains("Storm warning")))
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(owl), telegramtest.TextContains("room 12")))
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(owl), telegramtest.TextContains("Storm warning")))
	st := e.store()
	eventually(t, wait, func() string { return "the held announcement is not the only one left" }, func() bool {
		ob, err := st.OutboxStats(context.Background(), clk.Now())
		return err == nil && ob.Ready == 0 && ob.Pending == 0 && ob.Delayed == 1
	})
	if n := e.digestsWith(sleeper, "room 12"); n != 0 {
		t.Fatalf("the sleeper got the announcement during quiet hours")
	}
	e.wantDigests("the urgent one", sleeper, "Storm warning", 1)

	clk.Set(utc(t, "2026-01-11 07:00")) // 08:00 in Berlin
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(sleeper), telegramtest.TextContains("room 12")))
	e.waitOutboxEmpty()
	for _, c := range []int64{sleeper, owl} {
		e.wantDigests("in the morning", c, "room 12", 1)
		e.wantDigests("in the morning", c, "Storm warning", 1)
	}
	post, err := st.Post(context.Background(), postIDIn(t, got[1].Plain))
	if err != nil || !post.Urgent || post.Kind != store.KindAnnouncement {
		t.Errorf("the /urgent post is stored as %+v (%v), want an urgent announcement", post, err)
	}
}

// Bad input changes nothing and says what would work, in the reader's
// language.
func TestTimezoneAndQuietBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	const reader = 801
	r := e.private(reader, "en")
	r.ask("/subscribe krefeld")
	mustContain(t, r.ask("/timezone Europe/Amsterdam").Plain, "Europe/Amsterdam")
	mustContain(t, r.ask("/quiet 23:00-07:00").Plain, "23:00–07:00")
	for _, bad := range []string{"Mars/Olympus", "Local", "europe/amsterdam", "../../etc/passwd", "Europe/Amsterdam; rm -rf /", "<b>Kyiv</b>"} {
		m := r.ask("/timezone " + bad)
		mustContain(t, m.Plain, "I don't know the time zone", "Europe/Amsterdam", "Nothing was changed")
		if len(m.ReplyMarkup.Buttons()) == 0 {
			t.Errorf("/timezone %s: no city buttons offered", bad)
		}
	}
	for _, bad := range []string{"25:00-08:00", "tonight", "22:00-22:00", "22:00", "8-"} {
		mustContain(t, r.ask("/quiet "+bad).Plain, "I don't understand", "/quiet 22:00-08:00", "Nothing was changed")
	}
	de := e.private(802, "de")
	mustContain(t, de.ask("/timezone Mond/Krater").Plain, "kenne ich nicht", "Es wurde nichts geändert")
	s := sub(t, e.store(), reader)
	if s.TimeZone != "Europe/Amsterdam" || s.Quiet == nil || s.Quiet.String() != "23:00–07:00" {
		t.Errorf("after bad input the zone is %q and quiet hours %v; want them unchanged", s.TimeZone, s.Quiet)
	}
	// A reply lost on the way: sent again on its own, the change made once.
	e.tg.LoseNextTo("sendMessage", reader, 1)
	if got := r.say("/timezone America/New_York"); len(got) != 2 || got[0].Plain != got[1].Plain ||
		!strings.Contains(got[1].Plain, "America/New_York") {
		t.Errorf("/timezone with a lost reply: %q, want the same confirmation twice", plains(got))
	}
	// /timezone alone shows the zone; a city's name works; off turns quiet hours off.
	mustContain(t, r.ask("/timezone").Plain, "America/New_York")
	mustContain(t, r.ask("/timezone Krefeld").Plain, "Europe/Berlin")
	mustContain(t, r.ask("/quiet off").Plain, "off")
	if s := sub(t, e.store(), reader); s.TimeZone != "Europe/Berlin" || s.Quiet != nil {
		t.Errorf("zone %q, quiet %v; want Europe/Berlin and none", s.TimeZone, s.Quiet)
	}
	// Buttons under /quiet, and a forged one.
	q := r.ask("/quiet")
	after, _ := r.tap(q, "22:00–07:00")
	mustContain(t, after.Plain, "22:00–07:00")
	id, cb := e.tg.SendCallback(r.chat, r.user, q.MessageID, "q:25-99")
	e.tg.WaitConfirmed(t, wait, id)
	e.tg.WaitAnswer(t, wait, cb)
	if s := sub(t, e.store(), reader); s.Quiet == nil || s.Quiet.String() != "22:00–07:00" {
		t.Errorf("quiet hours after a forged button = %v", s.Quiet)
	}
}
