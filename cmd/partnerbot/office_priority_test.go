package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

// An official's answer written while an announcement to 1,000 subscribers
// drains reaches the resident before the drain is over, and so does the
// resident's reply to the office: messages between people go before bulk
// delivery, however much of it was queued first. Paid broadcasts are on,
// and neither the answer nor the reply is one.
func TestOfficeAnswerOvertakesAnnouncement(t *testing.T) {
	t.Parallel()
	e, forum := newOfficeEnv(t)
	e.cfg.SendRate, e.cfg.PaidBroadcast = 1000, true
	e.start()
	const resident = 5401
	r := e.private(resident, "en")
	r.ask("/contact")
	r.write("Do you know a partner school in Venlo?")
	thread := e.topicOf(resident)
	e.waitOutboxEmpty()
	subs := e.subscribeMany(e.store(), "venlo", 9000, 1000)
	// Eight senders at 50 ms a message: the announcement takes about six
	// seconds.
	e.tg.SetDelay("sendMessage", 50*time.Millisecond)
	calls := len(e.tg.Calls(""))

	official := e.private(ownerID, "en")
	text := fmt.Sprintf("Twinning day %d", time.Now().UnixNano())
	mustContain(t, official.ask("/announce venlo | "+text).Plain, "1000")
	// The whole announcement is queued; now the official answers.
	answer := e.tg.SendIncoming(forum, telegramtest.NewUser(ownerID, "en"), telegramtest.Incoming{ThreadID: thread, Text: "Yes: the Fontys school"})
	if got := e.copyOf(forum.ID, answer); got.ChatID != resident {
		t.Fatalf("the answer went to %d, want %d", got.ChatID, resident)
	}
	reply, _ := r.write("Thank you!")
	if got := e.copyOf(resident, reply); got.ThreadID != thread {
		t.Errorf("the reply went to topic %d, want %d", got.ThreadID, thread)
	}
	waitDelivered(t, e.tg, subs, text, 6*wait)
	e.waitOutboxEmpty()

	// Order, not timing: each copy went before most of the announcement.
	// Queued behind it, it would have waited for all but the messages the
	// eight senders held already (at most 8 × 16 of 1,000).
	sent := e.tg.Sent()
	last := -1
	for i, m := range sent {
		if strings.Contains(m.Plain, text) {
			last = i
		}
	}
	for _, c := range []struct {
		what string
		ref  telegramtest.MessageRef
	}{
		{"the official's answer", telegramtest.MessageRef{ChatID: forum.ID, MessageID: e.tg.IncomingMessageID(answer)}},
		{"the resident's reply", telegramtest.MessageRef{ChatID: resident, MessageID: e.tg.IncomingMessageID(reply)}},
	} {
		at := slices.IndexFunc(sent, func(m telegramtest.Message) bool { return m.CopyOf == c.ref })
		if at > last {
			t.Errorf("%s went after the whole announcement", c.what)
			continue
		}
		got := 0
		for _, m := range sent[:at] {
			if strings.Contains(m.Plain, text) {
				got++
			}
		}
		t.Logf("%s went with %d of %d subscribers still waiting for the announcement", c.what, len(subs)-got, len(subs))
		if got > len(subs)/2 {
			t.Errorf("%s went after %d of %d announcements, want before half of them", c.what, got, len(subs))
		}
	}

	paid := map[string]int{}
	for _, c := range e.tg.Calls("")[calls:] {
		if c.Method != "sendMessage" && c.Method != "copyMessage" {
			continue
		}
		who := "announcement"
		if chat := c.Params["chat_id"]; chat == strconv.Itoa(resident) || chat == strconv.FormatInt(forum.ID, 10) {
			who = "office"
		}
		if c.Params["allow_paid_broadcast"] == "true" {
			paid[who]++
		}
	}
	if paid["office"] != 0 || paid["announcement"] < 1000 {
		t.Errorf("allow_paid_broadcast on %d office messages and %d of the announcement; want none and every one",
			paid["office"], paid["announcement"])
	}
}
