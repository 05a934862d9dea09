package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

// pressLabel taps a button by its visible text and returns the toast the tap
// was answered with, the message as it is afterwards and any new messages.
func (c *chat) pressLabel(m telegramtest.Message, label string) (string, telegramtest.Message, []telegramtest.Message) {
	c.e.t.Helper()
	b, ok := findButton(m, label)
	if !ok {
		c.e.t.Fatalf("no button %q on %q; buttons: %+v", label, m.Plain, m.ReplyMarkup.Buttons())
	}
	return c.pressData(m, b.CallbackData)
}

// pressData taps a button with the given callback data on m.
func (c *chat) pressData(m telegramtest.Message, data string) (string, telegramtest.Message, []telegramtest.Message) {
	c.e.t.Helper()
	before := len(c.e.tg.SentTo(c.chat.ID))
	id, cbID := c.e.tg.SendCallback(c.chat, c.user, m.MessageID, data)
	c.e.tg.WaitConfirmed(c.e.t, wait, id)
	answer := c.e.tg.WaitAnswer(c.e.t, wait, cbID)
	all := c.e.tg.SentTo(c.chat.ID)
	for _, x := range all {
		if x.MessageID == m.MessageID {
			m = x
		}
	}
	return answer.Text, m, all[before:]
}

// hasButton reports whether m has a button whose text contains label.
func hasButton(m telegramtest.Message, label string) bool {
	_, ok := findButton(m, label)
	return ok
}

// krefeldTime is t as typed for an event in Krefeld.
func krefeldTime(t *testing.T, at time.Time) string {
	return at.In(mustLoc(t, "Europe/Berlin")).Format("2006-01-02 15:04")
}

// publishEvent publishes an event in Krefeld with the one-line form, plus
// whatever extra ends the form ("| capacity 2"), and returns its id.
func publishEvent(t *testing.T, o *chat, title string, at time.Time, extra string) int64 {
	t.Helper()
	m := o.ask(fmt.Sprintf("/event krefeld | %s | City hall | %s | Music and talks.%s", krefeldTime(t, at), title, extra))
	return postIDIn(t, m.Plain)
}

// openEvent opens an event in full and returns the message with its
// buttons (its text, or a photo's caption).
func openEvent(t *testing.T, c *chat, id int64) telegramtest.Message {
	t.Helper()
	got := c.say(fmt.Sprintf("/p%d", id))
	if len(got) == 0 {
		t.Fatalf("/p%d: no reply", id)
	}
	return got[len(got)-1]
}

func attendeeIDs(t *testing.T, st store.Store, id int64) (going, waiting []int64) {
	t.Helper()
	l, err := st.Attendees(context.Background(), id)
	if err != nil {
		t.Fatalf("Attendees(%d) = %v", id, err)
	}
	going, waiting = []int64{}, []int64{}
	for _, a := range l.Going {
		going = append(going, a.UserID)
	}
	for _, a := range l.Waiting {
		waiting = append(waiting, a.UserID)
	}
	return going, waiting
}

func wantList(t *testing.T, st store.Store, id int64, going, waiting []int64) {
	t.Helper()
	g, w := attendeeIDs(t, st, id)
	if !slices.Equal(g, going) || !slices.Equal(w, waiting) {
		t.Errorf("event %d: going %v waiting %v, want %v %v", id, g, w, going, waiting)
	}
}

// An event with two places: residents sign up in their languages, the
// third joins the waiting list, a double tap counts once, a cancel gives
// the place to the first waiting, who is told in their language with the
// event's buttons; the office's /attendees shows the counts and a CSV.
func TestRSVPCapacityWaitingListAndPromotion(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.start()
	st := e.store()
	o := e.private(ownerID, "en")
	id := publishEvent(t, o, "Culture evening", time.Now().Add(72*time.Hour), " | capacity 2")

	anna, bohdan, clara := e.private(701, "en"), e.private(702, "uk"), e.private(703, "de")
	full := openEvent(t, anna, id)
	mustContain(t, full.Plain, "Culture evening", "👥 Places: 2")
	if got := buttonTexts(full); !slices.Contains(got, "✅ I'm going") || !slices.Contains(got, "👥 Going: 0 · places left: 2") {
		t.Fatalf("full view buttons %q", got)
	}
	toast, full, _ := anna.pressLabel(full, "I'm going")
	mustContain(t, toast, "You're going", "Places left: 1")
	if !hasButton(full, "Going: 1 · places left: 1") {
		t.Errorf("the message tapped was not redrawn: %q", buttonTexts(full))
	}
	// A double tap: two updates at once, one sign-up.
	b, _ := findButton(full, "I'm going")
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			id, cb := e.tg.SendCallback(anna.chat, anna.user, full.MessageID, b.CallbackData)
			e.tg.WaitConfirmed(t, wait, id)
			e.tg.WaitAnswer(t, wait, cb)
		})
	}
	wg.Wait()
	wantList(t, st, id, []int64{701}, []int64{})

	toast, bohdanMsg, _ := bohdan.pressLabel(openEvent(t, bohdan, id), "Я піду")
	mustContain(t, toast, "Ви йдете")
	if !hasButton(bohdanMsg, "У список очікування") || !hasButton(bohdanMsg, "місць немає") {
		t.Errorf("a full event's buttons: %q", buttonTexts(bohdanMsg))
	}
	toast, _, _ = clara.pressLabel(openEvent(t, clara, id), "Auf die Warteliste")
	mustContain(t, toast, "Nummer 1 auf der Warteliste")
	wantList(t, st, id, []int64{701, 702}, []int64{703})

	// Anna cancels: Clara gets the place and is told, in German, once.
	toast, _, _ = anna.pressLabel(full, "Not going")
	mustContain(t, toast, "Cancelled")
	told := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(703), telegramtest.TextContains("Platz frei geworden")))
	mustContain(t, told.Plain, "Culture evening", "City hall", fmt.Sprintf("/p%d", id))
	if !hasButton(told, "Ich komme nicht") || !hasButton(told, "Zusagen: 2") {
		t.Errorf("the promotion notice's buttons: %q", buttonTexts(told))
	}
	wantList(t, st, id, []int64{702, 703}, []int64{})
	// Cancelling again: nothing changes, nobody else is told.
	toast, _, _ = anna.pressLabel(full, "Not going")
	mustContain(t, toast, "not signed up")
	e.waitOutboxEmpty()
	if n := strings.Count(strings.Join(plains(e.tg.SentTo(703)), "\n"), "Platz frei geworden"); n != 1 {
		t.Errorf("Clara was told %d times, want once", n)
	}

	// The office's list.
	got := o.say(fmt.Sprintf("/attendees %d", id))
	if len(got) != 2 {
		t.Fatalf("/attendees: %q, want the counts and a file", plains(got))
	}
	mustContain(t, got[0].Plain, "Culture evening", "Going: 2 · waiting list: 0", "Places: 2 · left: 0")
	doc := got[1]
	if doc.Media != "document" || doc.FileName != fmt.Sprintf("attendees-%d.csv", id) {
		t.Fatalf("/attendees sent %+v, want the CSV", doc)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(doc.Data, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v\n%s", err, doc.Data)
	}
	if len(rows) != 3 || strings.Join(rows[0], ",") != "status,name,username,signed_up_at,waiting_position" {
		t.Fatalf("CSV rows %q", rows)
	}
	for i, want := range [][]string{{"going", "User702", "user702"}, {"going", "User703", "user703"}} {
		if !slices.Equal(rows[i+1][:3], want) || rows[i+1][4] != "" {
			t.Errorf("row %d = %q, want %q", i+1, rows[i+1], want)
		}
		if _, err := time.Parse(time.RFC3339, rows[i+1][3]); err != nil {
			t.Errorf("row %d: sign-up time %q: %v", i+1, rows[i+1][3], err)
		}
	}
	// Residents have no such command.
	mustContain(t, anna.ask(fmt.Sprintf("/attendees %d", id)).Plain, "official")
	// Bad input: a clear message, nothing sent.
	mustContain(t, o.ask("/attendees").Plain, "/attendees 42")
	mustContain(t, o.ask("/attendees 99999").Plain, "99999")
	visit := postIDIn(t, o.ask("/visit krefeld | 2025-10-30 | A visit | Text").Plain)
	mustContain(t, o.ask(fmt.Sprintf("/attendees %d", visit)).Plain, "not an event")
}

// Telegram loses answers: an edit of the buttons whose answer was lost is
// delivered again (and found done), a lost callback answer changes
// nothing; the sign-up counts once. Buttons made up by hand, for a post
// that is no event or no longer exists, change nothing and say why.
func TestRSVPLostAnswersAndForgedButtons(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.start()
	st := e.store()
	o := e.private(ownerID, "en")
	id := publishEvent(t, o, "Open air", time.Now().Add(72*time.Hour), "")
	r := e.private(711, "en")
	full := openEvent(t, r, id)

	e.tg.LoseNextTo("editMessageReplyMarkup", 711, 1)
	e.tg.LoseNext("answerCallbackQuery", 1)
	_, full, _ = r.pressLabel(full, "I'm going")
	eventually(t, wait, func() string { return "the lost edit was never delivered again" }, func() bool {
		return len(e.tg.Calls("editMessageReplyMarkup")) >= 2
	})
	wantList(t, st, id, []int64{711}, []int64{})
	if !hasButton(full, "Going: 1") {
		t.Errorf("buttons after a lost edit: %q", buttonTexts(full))
	}
	// Pressing the same button again (a stale message, a retry by hand).
	toast, _, _ := r.pressLabel(full, "I'm going")
	mustContain(t, toast, "already going")
	wantList(t, st, id, []int64{711}, []int64{})

	// Forged buttons.
	visit := postIDIn(t, o.ask("/visit krefeld | 2025-10-30 | A visit | Text").Plain)
	for _, tc := range []struct{ data, want string }{
		{fmt.Sprintf("at:y-%d-en", visit), "no longer valid"},
		{"at:y-987654-en", "no longer exists"},
		{fmt.Sprintf("at:y-%d-xx", id), "no longer valid"},
		{fmt.Sprintf("at:q-%d-en", id), "no longer valid"},
		{fmt.Sprintf("at:y-%d", id), "no longer valid"},
	} {
		toast, _, _ := r.pressData(full, tc.data)
		mustContain(t, toast, tc.want)
	}
	wantList(t, st, id, []int64{711}, []int64{})
	if l, _ := st.Attendees(context.Background(), visit); !l.Empty() {
		t.Errorf("a list for a visit: %+v", l)
	}

	// The city card and /events carry a row for the event.
	card := r.ask("/city krefeld")
	if !hasButton(card, "Open air · 1") {
		t.Errorf("city card buttons %q", buttonTexts(card))
	}
	events := r.say("/events krefeld")
	list := events[len(events)-1]
	toast, list, _ = r.pressLabel(list, "❌")
	mustContain(t, toast, "Cancelled")
	if !hasButton(list, "Open air · 0") {
		t.Errorf("/events row after cancelling: %q", buttonTexts(list))
	}
	wantList(t, st, id, []int64{}, []int64{})
}

// The wizard asks for the places (Skip: no limit); a number that is not
// one is refused with the limit stated and the step asked again. The
// one-line form refuses a bad capacity and saves nothing.
func TestRSVPCapacityInWizardAndForm(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.start()
	st := e.store()
	o := e.private(ownerID, "en")
	_, got := o.tap(o.ask("/post"), "Event")
	o.tap(got[0], "Krefeld")
	o.say("Sized concert")
	o.say("Music")
	end := o.ask(krefeldTime(t, time.Now().Add(72*time.Hour)))
	o.tap(end, "Skip")
	mustContain(t, o.ask("Concert hall").Plain, "How many places")
	bad := o.ask("forty")
	mustContain(t, bad.Plain, "Places", "forty", "whole number from 1 to 100000")
	mustContain(t, o.ask("0").Plain, "whole number")
	photos := o.ask("12")
	mustContain(t, photos.Plain, "photos")
	_, got = o.tap(photos, "Skip")
	preview := lastWith(t, got, "Sized concert")
	mustContain(t, preview.Plain, "Concert hall", "👥 Places: 12")
	_, got = o.tap(preview, "Publish")
	id := postIDIn(t, lastWith(t, got, "#").Plain)
	p, err := st.Post(context.Background(), id)
	if err != nil || p.Capacity != 12 || p.Place != "Concert hall" {
		t.Fatalf("post %+v, %v; want 12 places", p, err)
	}

	// Skip: no limit.
	_, got = o.tap(o.ask("/post"), "Event")
	o.tap(got[0], "Krefeld")
	o.say("Open concert")
	o.say("Music")
	o.tap(o.ask(krefeldTime(t, time.Now().Add(72*time.Hour))), "Skip")
	_, got = o.tap(o.ask("Park"), "Skip") // no limit
	_, got = o.tap(got[0], "Skip")        // no photos
	preview = lastWith(t, got, "Open concert")
	if strings.Contains(preview.Plain, "Places") {
		t.Errorf("a preview without a limit shows one: %q", preview.Plain)
	}
	_, got = o.tap(preview, "Publish")
	open := postIDIn(t, lastWith(t, got, "#").Plain)
	if p, _ := st.Post(context.Background(), open); p.Capacity != 0 {
		t.Errorf("skipped capacity stored as %d", p.Capacity)
	}

	// The one-line form: a bad capacity names the field and shows the
	// form; nothing is saved. A good one is taken off the text.
	before := countPosts(t, st, "Form concert")
	for _, bad := range []string{" | capacity 0", " | capacity lots", " | Capacity 100001"} {
		m := o.ask(fmt.Sprintf("/event krefeld | %s | Hall | Form concert | Music%s", krefeldTime(t, time.Now().Add(72*time.Hour)), bad))
		mustContain(t, m.Plain, "Places", "whole number from 1 to 100000", "[| capacity <places>]")
	}
	if n := countPosts(t, st, "Form concert"); n != before {
		t.Errorf("a refused form saved a post")
	}
	id = publishEvent(t, o, "Form concert", time.Now().Add(72*time.Hour), " | CAPACITY 7")
	if p, _ := st.Post(context.Background(), id); p.Capacity != 7 || p.Text != "Music and talks." {
		t.Errorf("form post: capacity %d text %q", p.Capacity, p.Text)
	}
	// A text with bars of its own keeps them.
	id = publishEvent(t, o, "Bars", time.Now().Add(72*time.Hour), " | free entry | all welcome")
	if p, _ := st.Post(context.Background(), id); p.Capacity != 0 || p.Text != "Music and talks. | free entry | all welcome" {
		t.Errorf("form post: capacity %d text %q", p.Capacity, p.Text)
	}
}
