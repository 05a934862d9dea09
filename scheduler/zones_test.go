package scheduler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// zoneRig is a planner with a settable clock over the rig's store, and
// the daily schedule "0 9 * * *".
type zoneRig struct {
	*rig
	clk   *clock
	pl    *scheduler.Planner
	daily store.Schedule
	ps    poster
}

func newZoneRig(t *testing.T) *zoneRig {
	t.Helper()
	r := newRig(t, 0)
	b, ds := renderer(t, r.st)
	clk := &clock{}
	daily, err := scheduler.ParseSpec("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	return &zoneRig{rig: r, clk: clk, daily: daily, ps: poster{t, r.st},
		pl: &scheduler.Planner{Store: r.st, Renderer: b, Data: ds, Log: r.log, Now: clk.Now, Home: kyiv(t)}}
}

// zoned stores a daily Venlo subscriber of the zone ("" home).
func (z *zoneRig) zoned(id int64, zone string) store.Subscriber {
	z.t.Helper()
	s := z.subscriber(id, store.LangEN, store.FreqDaily, []string{"venlo"})
	s.TimeZone = zone
	if err := z.st.SaveSubscriber(context.Background(), s); err != nil {
		z.t.Fatal(err)
	}
	return s
}

// at sets the clock (UTC) and runs the zones' planning and delivery.
func (z *zoneRig) at(utc string) {
	z.t.Helper()
	now, err := time.Parse("2006-01-02 15:04", utc)
	if err != nil {
		z.t.Fatal(err)
	}
	z.clk.Set(now)
	if _, err := z.pl.RunZones(context.Background(), store.FreqDaily, z.daily); err != nil {
		z.t.Fatalf("RunZones at %s: %v", utc, err)
	}
	z.deliver()
}

// post publishes a Venlo visit a minute after the clock's time (after
// whatever was planned at it).
func (z *zoneRig) post(title string) {
	z.t.Helper()
	z.ps.post(store.KindVisit, "venlo", title, z.clk.Now().Add(time.Minute))
}

// digests returns the digests chat got, as text.
func (z *zoneRig) digests(chat int64) []string {
	return plainsOf(z.tg.SentTo(chat))
}

func (z *zoneRig) want(when string, chat int64, n int, has ...string) {
	z.t.Helper()
	got := z.digests(chat)
	if len(got) != n {
		z.t.Fatalf("%s: chat %d got %d digests, want %d: %q", when, chat, len(got), n, got)
	}
	if n > 0 {
		for _, h := range has {
			if !strings.Contains(got[n-1], h) {
				z.t.Errorf("%s: chat %d's last digest lacks %q:\n%s", when, chat, h, got[n-1])
			}
		}
	}
}

// "0 9 * * *" at 09:00 of each reader's zone, for three zones, across the
// night the clocks go forward (2026-03-29: Kyiv 03:00 → 04:00, Berlin and
// Amsterdam 02:00 → 03:00, both at 01:00 UTC).
func TestDigestAtNineInEachZoneAcrossDST(t *testing.T) {
	t.Parallel()
	z := newZoneRig(t)
	const kyivChat, berlinChat, amsChat = 101, 102, 103
	z.zoned(kyivChat, "")
	z.zoned(berlinChat, "Europe/Berlin")
	z.zoned(amsChat, "Europe/Amsterdam")
	z.clk.Set(time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC))
	z.post("Friday visit")

	// Saturday, winter time: Kyiv 09:00 = 07:00 UTC, Berlin 09:00 = 08:00.
	z.at("2026-03-28 06:59")
	z.want("Saturday 08:59 Kyiv", kyivChat, 0)
	z.want("Saturday 07:59 Berlin", berlinChat, 0)
	z.at("2026-03-28 07:00")
	z.want("Saturday 09:00 Kyiv", kyivChat, 1, "Friday visit")
	z.want("Saturday 08:00 Berlin", berlinChat, 0)
	z.at("2026-03-28 07:59")
	z.want("Saturday 08:59 Amsterdam", amsChat, 0)
	z.at("2026-03-28 08:00")
	z.want("Saturday 09:00 Berlin", berlinChat, 1, "Friday visit")
	z.want("Saturday 09:00 Amsterdam", amsChat, 1, "Friday visit")
	z.want("Saturday, Kyiv once", kyivChat, 1)

	// Sunday, summer time: Kyiv 09:00 = 06:00 UTC, Berlin 09:00 = 07:00.
	z.post("Saturday visit")
	z.at("2026-03-29 05:59")
	z.want("Sunday 08:59 Kyiv", kyivChat, 1)
	z.at("2026-03-29 06:00")
	z.want("Sunday 09:00 Kyiv", kyivChat, 2, "Saturday visit")
	z.want("Sunday 08:00 Berlin", berlinChat, 1)
	z.at("2026-03-29 07:00")
	z.want("Sunday 09:00 Berlin", berlinChat, 2, "Saturday visit")
	z.want("Sunday 09:00 Amsterdam", amsChat, 2, "Saturday visit")
	for _, chat := range []int64{kyivChat, berlinChat, amsChat} {
		if d := z.digests(chat)[1]; strings.Contains(d, "Friday visit") {
			t.Errorf("chat %d's Sunday digest repeats Saturday's post:\n%s", chat, d)
		}
	}
	// Later that day, and a planner that runs again: nothing more.
	z.at("2026-03-29 15:00")
	for _, chat := range []int64{kyivChat, berlinChat, amsChat} {
		z.want("Sunday afternoon", chat, 2)
	}
}

// A reader who moves to a zone whose 09:00 is still to come that day gets
// no second digest that day, and the next one covers everything since the
// first.
func TestZoneChangeMidDayNoSecondDigest(t *testing.T) {
	t.Parallel()
	z := newZoneRig(t)
	const chat = 201
	sub := z.zoned(chat, "")
	z.clk.Set(time.Date(2026, 3, 29, 4, 0, 0, 0, time.UTC))
	z.post("Early visit")
	z.at("2026-03-29 06:00") // 09:00 Kyiv
	z.want("09:00 Kyiv", chat, 1, "Early visit")

	sub.TimeZone = "Europe/Berlin"
	if err := z.st.SaveSubscriber(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	z.clk.Set(time.Date(2026, 3, 29, 6, 30, 0, 0, time.UTC))
	z.post("Mid-morning visit")
	z.at("2026-03-29 07:00") // 09:00 Berlin, the same day
	z.want("09:00 Berlin the same day", chat, 1)
	z.at("2026-03-30 07:00") // 09:00 Berlin the next day
	z.want("09:00 Berlin the next day", chat, 2, "Mid-morning visit")
	if d := z.digests(chat)[1]; strings.Contains(d, "Early visit") {
		t.Errorf("the next day's digest repeats the first one's post:\n%s", d)
	}
}

// Offsets can differ by more than a day (Kiritimati +14, Etc/GMT+12 −12):
// a reader who moves to a zone where it is still the day before does not
// get that day's digest after today's.
func TestZoneChangeToTheDayBefore(t *testing.T) {
	t.Parallel()
	z := newZoneRig(t)
	const chat = 301
	sub := z.zoned(chat, "Pacific/Kiritimati")
	z.clk.Set(time.Date(2026, 3, 28, 17, 0, 0, 0, time.UTC))
	z.post("Visit one")
	z.at("2026-03-28 19:00") // 09:00 on the 29th in Kiritimati
	z.want("Kiritimati", chat, 1, "Visit one")

	sub.TimeZone = "Etc/GMT+12"
	if err := z.st.SaveSubscriber(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	z.clk.Set(time.Date(2026, 3, 28, 20, 0, 0, 0, time.UTC))
	z.post("Visit two")
	z.at("2026-03-28 21:00") // 09:00 on the 28th at GMT−12
	z.want("the 28th at GMT-12", chat, 1)
	z.at("2026-03-29 21:00") // the 29th there: had it already
	z.want("the 29th at GMT-12", chat, 1)
	z.at("2026-03-30 21:00")
	z.want("the 30th at GMT-12", chat, 2, "Visit two")
}

// Quiet hours hold announcements and reminders until they end, in the
// reader's zone; an urgent announcement goes at once.
func TestQuietHoursHoldFanOut(t *testing.T) {
	t.Parallel()
	z := newZoneRig(t)
	ctx := context.Background()
	quiet := &store.QuietHours{From: 22 * 60, To: 8 * 60}
	sleeper := z.zoned(401, "Europe/Berlin")
	sleeper.Quiet = quiet
	if err := z.st.SaveSubscriber(ctx, sleeper); err != nil {
		t.Fatal(err)
	}
	awake := z.zoned(402, "America/New_York") // quiet hours, but it is afternoon there
	awake.Quiet = quiet
	if err := z.st.SaveSubscriber(ctx, awake); err != nil {
		t.Fatal(err)
	}
	z.zoned(403, "") // none
	// Signed up for the night market, follows another city: the
	// reminder reaches them as an attendee, and waits for them too.
	guest := z.subscriber(404, store.LangDE, store.FreqDaily, []string{"krefeld"})
	guest.TimeZone, guest.Quiet = "Europe/Berlin", quiet
	if err := z.st.SaveSubscriber(ctx, guest); err != nil {
		t.Fatal(err)
	}

	now := time.Date(2026, 3, 28, 21, 30, 0, 0, time.UTC) // 22:30 Berlin, 17:30 New York
	z.clk.Set(now)
	plain := z.ps.post(store.KindAnnouncement, "venlo", "Office closed", now)
	urgent := z.ps.post(store.KindAnnouncement, "venlo", "Storm warning", now, func(p *store.Post) { p.Urgent = true })
	for _, p := range []store.Post{plain, urgent} {
		if n, err := z.pl.Announce(ctx, p); err != nil || n != 3 {
			t.Fatalf("Announce(%s) = %d, %v; want 3 chats", p.Title, n, err)
		}
	}
	// An event in two hours: its reminder waits for the sleeper too.
	starts := now.Add(2 * time.Hour)
	market := z.ps.post(store.KindEvent, "venlo", "Night market", now.Add(-48*time.Hour), func(p *store.Post) { p.StartsAt = &starts })
	if _, err := z.st.RSVP(ctx, market.ID, store.RSVP{Action: store.RSVPGoing, At: now, Cause: "u1",
		Person: store.Attendee{UserID: 404, Name: "Guest", Lang: store.LangDE}}); err != nil {
		t.Fatal(err)
	}
	if n, err := z.pl.RunReminders(ctx); err != nil || n != 3 {
		t.Fatalf("RunReminders = %d, %v; want the 3 followers", n, err)
	}
	ob, err := z.st.OutboxStats(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if ob.Delayed != 3 || ob.Ready != 7 {
		t.Fatalf("outbox %+v, want the plain announcement and the reminders to the sleeper and the guest held (3 delayed, 7 ready)", ob)
	}
	stop := z.startWorkers(&scheduler.Workers{Count: 2, Now: z.clk.Now})
	waitFor(t, "the messages that may go", func() bool {
		return len(z.tg.SentTo(402)) == 3 && len(z.tg.SentTo(403)) == 3 && len(z.tg.SentTo(401)) == 1
	})
	if n := len(z.tg.SentTo(404)); n != 0 {
		t.Errorf("the guest got %d messages in their quiet hours, want none", n)
	}
	if got := plainsOf(z.tg.SentTo(401)); !strings.Contains(got[0], "Storm warning") {
		t.Errorf("the sleeper got %q first, want the urgent announcement", got)
	}
	z.clk.Set(time.Date(2026, 3, 29, 6, 0, 0, 0, time.UTC)) // 08:00 CEST, after the clocks went forward
	waitFor(t, "the held messages at 08:00", func() bool { return len(z.tg.SentTo(401)) == 3 && len(z.tg.SentTo(404)) == 1 })
	stop()
	got := strings.Join(plainsOf(z.tg.SentTo(401)[1:]), "\n")
	if !strings.Contains(got, "Office closed") || !strings.Contains(got, "Night market") {
		t.Errorf("the sleeper's messages at 08:00 are %q, want the held announcement and reminder", got)
	}
}
