package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store/pacing"
)

// One chat held by Telegram's flood control (its replies answered 429 over
// and over) holds up nobody else: another resident is answered meanwhile,
// the held chat's waits are not failed attempts (it is not given up), and
// its next update runs after it, in order.
func TestOneChatDoesNotStallOthers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	held, other := e.private(500, "en"), e.private(501, "en")
	e.tg.FloodWaitTo("sendMessage", 500, 1000, 1)
	first := e.tg.SendText(held.chat, held.user, "/cities")
	second := e.tg.SendText(held.chat, held.user, "/help")
	// More 429s than the poller's attempts: waits must not count.
	eventually(t, 4*wait, func() string { return "chat 500's reply was not retried 6 times" }, func() bool {
		n := 0
		for _, c := range e.tg.Calls("sendMessage") {
			if c.Param("chat_id") == "500" && c.Status == 429 {
				n++
			}
		}
		return n >= 6
	})
	e.tg.SendText(other.chat, other.user, "/cities")
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(501), telegramtest.TextContains("Partner cities")))
	if n := len(e.tg.SentTo(500)); n != 0 {
		t.Fatalf("chat 500 got %d messages while Telegram held it", n)
	}
	e.tg.ClearFaults()
	e.tg.WaitConfirmed(t, wait, second)
	got := e.tg.SentTo(500)
	if len(got) != 2 || !strings.Contains(got[0].Plain, "Partner cities") || !strings.Contains(got[1].Plain, "/subscribe") {
		t.Errorf("chat 500 got %q, want the /cities reply, then the /help reply", plains(got))
	}
	if strings.Contains(e.logs.String(), "giving up") {
		t.Errorf("an update was given up though it only waited:\n%s", e.logs.String())
	}
	if n := e.tg.LimitedPolls(); n != 0 {
		t.Errorf("%d polls repeated the offset within half a second (Telegram cuts them to one update)", n)
	}
	_ = first
}

// An update handled while an earlier one still waits cannot be confirmed
// to Telegram, whose offset confirms only a prefix: the bot remembers that
// it was handled, so when Telegram delivers it again after a restart it is
// only confirmed, not answered a second time.
func TestHandledBehindAWaitingUpdateAnsweredOnceAfterRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	held, other := e.private(505, "en"), e.private(506, "en")
	e.tg.FloodWaitTo("sendMessage", 505, 1000, 1)
	first := e.tg.SendText(held.chat, held.user, "/cities")
	e.tg.WaitCall(t, wait, "sendMessage", func(c telegramtest.Call) bool {
		return c.Param("chat_id") == "505" && c.Status == 429
	})
	second := e.tg.SendText(other.chat, other.user, "/help")
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(506), telegramtest.TextContains("/subscribe")))
	e.stop()
	if off := e.tg.LastOffset(); off > int64(first) {
		t.Fatalf("offset %d confirmed update %d, whose reply Telegram never took", off, first)
	}

	e.tg.ClearFaults()
	e.start()
	e.tg.WaitConfirmed(t, wait, second)
	if n := countWith(e.tg.SentTo(506), "What I can do"); n != 1 {
		t.Errorf("chat 506 got its /help reply %d times, want once", n)
	}
	if got := e.tg.SentTo(505); len(got) != 1 || !strings.Contains(got[0].Plain, "Partner cities") {
		t.Errorf("chat 505 got %q, want its /cities reply once", plains(got))
	}
}

// An update that keeps failing is given up after its attempts, logged at
// error level with its id and counted; the chat's next update, which never
// ran meanwhile, has all its attempts and is answered.
func TestGivenUpUpdateLetsItsChatGoOn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	c := e.private(510, "en")
	e.tg.FailNextTo("sendMessage", 510, 5, 502, "") // the poller's 5 attempts
	first := e.tg.SendText(c.chat, c.user, "/cities")
	second := e.tg.SendText(c.chat, c.user, "/help")
	e.tg.WaitConfirmed(t, wait, second)
	got := e.tg.SentTo(510)
	if len(got) != 1 || !strings.Contains(got[0].Plain, "/subscribe") {
		t.Errorf("chat 510 got %q, want only the /help reply", plains(got))
	}
	logs := e.logs.String()
	want := fmt.Sprintf("level=ERROR msg=\"giving up on update\" update_id=%d", first)
	if !strings.Contains(logs, want) {
		t.Errorf("log lacks %q:\n%s", want, logs)
	}
	if v := metric(t, e.httpURL(), "partnerbot_updates_given_up_total"); v != 1 {
		t.Errorf("partnerbot_updates_given_up_total = %v, want 1", v)
	}
}

// SIGTERM while a long poll is open and a reply is in flight: the bot stops
// at once, the reply it could not finish is kept, and the next start sends
// it (once) without running the handler again.
func TestShutdownWithReplyInFlight(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	c := e.private(520, "en")
	e.tg.SetDelay("sendMessage", time.Minute)
	id := e.tg.SendText(c.chat, c.user, "/cities")
	waitInFlight(t, e.tg, "sendMessage")
	began := time.Now()
	e.cancel()
	select {
	case err := <-e.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Main.Run still running after cancel, with a reply in flight")
	}
	e.cancel = nil
	backend := "redis"
	if e.cfg.RedisURL == "" {
		backend = "embedded"
	}
	t.Logf("FIGURE shutdown with a long poll open and a reply in flight (%s): stopped %v after cancel", backend, time.Since(began).Round(time.Millisecond))
	e.tg.SetDelay("sendMessage", 0)
	if n := len(e.tg.SentTo(520)); n != 0 {
		t.Fatalf("%d replies delivered before the restart", n)
	}
	e.start()
	e.tg.WaitConfirmed(t, wait, id)
	if got := e.tg.SentTo(520); len(got) != 1 || !strings.Contains(got[0].Plain, "Partner cities") {
		t.Errorf("after the restart chat 520 got %q, want the /cities reply once", plains(got))
	}
}

// One resident flooding the bot (commands in a group and in private, far
// faster than Telegram lets the bot answer) draws no 429 from Telegram:
// the inbound limits drop the excess with one notice, and replies wait
// for their chat's limit. An announcement to 200 subscribers and another
// resident's command go through as without the flood; the figures are
// printed side by side.
func TestOneResidentFloodingStallsNobody(t *testing.T) {
	type figures struct{ announce, reply time.Duration }
	run := func(t *testing.T, flood bool) figures {
		e := newOfficialEnv(t)
		e.cfg.Inbound, e.cfg.PrivateLimit, e.cfg.GroupLimit = bot.InboundLimits{}, pacing.Bucket{}, pacing.Bucket{}
		e.cfg.SendRate = 30
		e.start()
		e.tg.EnforceLimits(telegramtest.TelegramLimits())
		st := e.store()
		ids := e.subscribeMany(st, "venlo", 2000, 200)
		o, other := e.private(ownerID, "en"), e.private(530, "en")
		flooder := e.private(531, "en")
		group := e.group(-532, flooder)
		if flood {
			for range 24 {
				e.tg.SendText(group.chat, group.user, "/help@"+e.tg.BotUsername())
			}
			for range 60 {
				e.tg.SendText(flooder.chat, flooder.user, "/help")
			}
		}
		began := time.Now()
		e.tg.SendText(o.chat, o.user, "/announce venlo | Flood check")
		e.tg.SendText(other.chat, other.user, "/cities")
		e.tg.WaitSent(t, 2*wait, telegramtest.All(telegramtest.To(530), telegramtest.TextContains("Partner cities")))
		reply := time.Since(began)
		waitDelivered(t, e.tg, ids, "Flood check", 6*wait)
		f := figures{announce: time.Since(began), reply: reply}
		if _, dups, _ := deliveries(e.tg, ids, "Flood check"); dups != 0 {
			t.Errorf("%d duplicate announcements", dups)
		}
		if n := e.tg.FloodHits(); n != 0 {
			t.Errorf("the bot drew %d 429s from Telegram (group %d, private %d)", n, e.tg.FloodHitsTo(-532), e.tg.FloodHitsTo(531))
		}
		if flood {
			for _, id := range []int64{-532, 531} {
				e.tg.WaitSent(t, 2*wait, telegramtest.All(telegramtest.To(id), telegramtest.TextContains("faster than I can answer")))
			}
			e.tg.WaitPending(t, 2*wait, 0)
			for _, id := range []int64{-532, 531} {
				if n := countWith(e.tg.SentTo(id), "faster than I can answer"); n != 1 {
					t.Errorf("chat %d got %d too-fast notices, want 1", id, n)
				}
			}
			dropped := metricLabel(t, e.httpURL(), "partnerbot_updates_dropped_total", `reason="user_rate"`) +
				metricLabel(t, e.httpURL(), "partnerbot_updates_dropped_total", `reason="chat_rate"`)
			if dropped < 60 {
				t.Errorf("partnerbot_updates_dropped_total = %v, want most of the 84 flooding updates", dropped)
			}
		}
		return f
	}
	calm := run(t, false)
	flooded := run(t, true)
	t.Logf("FIGURE 200-subscriber announcement, publish to last delivery: %v calm, %v while one resident floods",
		calm.announce.Round(10*time.Millisecond), flooded.announce.Round(10*time.Millisecond))
	t.Logf("FIGURE another resident's /cities answered after: %v calm, %v while one resident floods",
		calm.reply.Round(time.Millisecond), flooded.reply.Round(time.Millisecond))
}

// metricLabel reads one labelled sample, e.g. command="button_tc".
func metricLabel(t *testing.T, base, name, label string) float64 {
	t.Helper()
	_, body := httpGet(t, base+"/metrics")
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, name+"{") && strings.Contains(line, label) {
			v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			return v
		}
	}
	return 0
}

var _ = context.Background
