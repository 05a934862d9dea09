package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/internal/testkit"
)

const ownerID = 900

func newOfficialEnv(t *testing.T) *env {
	e := newEnv(t)
	e.cfg.AdminIDs = []int64{ownerID}
	return e
}

// lastWith returns the last message among ms containing substr.
func lastWith(t *testing.T, ms []telegramtest.Message, substr string) telegramtest.Message {
	t.Helper()
	for i := len(ms) - 1; i >= 0; i-- {
		if strings.Contains(ms[i].Plain, substr) {
			return ms[i]
		}
	}
	t.Fatalf("no message with %q among %q", substr, plains(ms))
	return telegramtest.Message{}
}

// postIDIn reads "#42" from a publish confirmation.
func postIDIn(t *testing.T, text string) int64 {
	t.Helper()
	i := strings.Index(text, "#")
	var id int64
	if i < 0 {
		t.Fatalf("no post id in %q", text)
	}
	fmt.Sscan(text[i+1:], &id)
	if id == 0 {
		t.Fatalf("no post id in %q", text)
	}
	return id
}

func TestWizardEveryKind(t *testing.T) {
	e := newOfficialEnv(t)
	e.start()
	st := e.store()
	o := e.private(ownerID, "en")
	future := time.Now().Add(72 * time.Hour).In(mustLoc(t, "Europe/Berlin"))
	start := future.Format("2006-01-02") + " 18:30"
	end := future.Format("2006-01-02") + " 21:00"
	tests := []struct {
		kind, city string
		steps      []string // typed answers after title and text; "tap:X" taps a button
		want       []string
	}{
		{"Visit", "Venlo", []string{"tap:Today"}, []string{"Visit", "Venlo"}},
		{"Agreement", "Krefeld", []string{"2023-09-11"}, []string{"Agreement", "11.09.2023"}},
		{"Event", "Krefeld", []string{start, end, "Rathaus", "40"}, []string{"Event", "18:30–21:00", "Rathaus", "Europe/Berlin", "Places: 40"}},
		{"Event", "Venlo", []string{start, "tap:Skip", "tap:Skip", "tap:Skip"}, []string{"18:30"}},
		{"Announcement", "all cities", nil, []string{"Announcement", "all cities"}},
	}
	for i, tt := range tests {
		title := fmt.Sprintf("Wizard %s %d", tt.kind, i)
		kinds := o.ask("/post")
		_, got := o.tap(kinds, tt.kind)
		_, got = o.tap(got[0], tt.city)
		mustContain(t, got[0].Plain, "title")
		got = o.say(title)
		mustContain(t, got[0].Plain, "text")
		got = o.say("Line one\nLine two <b>not bold</b> & more")
		// Every kind ends with the photos step; these posts have none.
		for _, step := range append(tt.steps, "tap:Skip") {
			if label, ok := strings.CutPrefix(step, "tap:"); ok {
				_, got = o.tap(got[len(got)-1], label)
			} else {
				got = o.say(step)
			}
		}
		preview := lastWith(t, got, title)
		mustContain(t, preview.Plain, append(tt.want, "Line one\nLine two <b>not bold</b> & more")...)
		_, got = o.tap(preview, "Publish")
		id := postIDIn(t, lastWith(t, got, "#").Plain)
		p, err := st.Post(context.Background(), id)
		if err != nil {
			t.Fatalf("%s: post #%d not stored: %v", tt.kind, id, err)
		}
		if p.Title != title || p.Text != "Line one\nLine two <b>not bold</b> & more" || p.Author != ownerID {
			t.Errorf("%s: stored %+v", tt.kind, p)
		}
		if tt.kind == "Event" && (p.StartsAt == nil || p.StartsAt.In(mustLoc(t, "Europe/Berlin")).Format("2006-01-02 15:04") != start) {
			t.Errorf("event start %v, want %s Berlin time", p.StartsAt, start)
		}
		if _, err := st.Draft(context.Background(), ownerID); err == nil {
			t.Error("draft left after publishing")
		}
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestWizardCancelEditFieldAndRestart(t *testing.T) {
	e := newOfficialEnv(t)
	e.start()
	o := e.private(ownerID, "en")
	_, got := o.tap(o.ask("/post"), "Visit")
	_, got = o.tap(got[0], "Krefeld")
	mustContain(t, got[0].Plain, "title")
	o.say("Before restart")
	// The bot restarts mid-wizard: the official's progress is kept.
	e.stop()
	e.start()
	got = o.say("Text typed after the restart")
	_, got = o.tap(got[0], "Today")
	_, got = o.tap(got[len(got)-1], "Skip")
	preview := lastWith(t, got, "Before restart")
	mustContain(t, preview.Plain, "Text typed after the restart")
	// Edit one field from the preview.
	_, got = o.tap(preview, "Edit a field")
	_, got = o.tap(got[0], "Title")
	mustContain(t, got[0].Plain, "title")
	got = o.say("After edit")
	preview = lastWith(t, got, "After edit")
	// Typing at a step that wants buttons gets a hint, not a crash.
	mustContain(t, o.ask("some text").Plain, "buttons")
	mustContain(t, o.ask("/cancel").Plain, "Cancelled")
	mustContain(t, o.ask("/cancel").Plain, "nothing to cancel")
	// The preview's buttons are dead after /cancel.
	_, _ = o.tap(preview, "Publish")
	st := e.store() // the restarted bot's
	posts, _ := st.LatestPosts(context.Background(), "krefeld", 10)
	for _, p := range posts {
		if p.Title == "After edit" || p.Title == "Before restart" {
			t.Errorf("cancelled wizard published %q", p.Title)
		}
	}
	// With the wizard over, text is ordinary chatter again.
	mustContain(t, o.ask("hello").Plain, "/help")
}

func TestOneLineForms(t *testing.T) {
	e := newOfficialEnv(t)
	e.start()
	st := e.store()
	o := e.private(ownerID, "en")
	future := time.Now().Add(72 * time.Hour).Format("2006-01-02")
	valid := []string{
		"/visit venlo | 2025-10-30 | Working visit | Met the mayor.\nSecond line.",
		"/agreement Krefeld | 2023-09-11 | Partnership agreement | Signed in Krefeld.",
		"/event krefeld | " + future + " 18:00 | Stadtpark | Concert | Music | and more",
		"/announce all | Office closed on Friday.",
		"/visit Венло\n2025-10-31\nSecond visit\nText on\nseveral lines",
	}
	for _, cmd := range valid {
		m := o.ask(cmd)
		id := postIDIn(t, m.Plain)
		if _, err := st.Post(context.Background(), id); err != nil {
			t.Errorf("%q: post #%d not stored: %v", cmd, id, err)
		}
	}
	p, _ := st.LatestPosts(context.Background(), "venlo", 1)
	if len(p) != 1 || p[0].Text != "Text on\nseveral lines" || p[0].Title != "Second visit" {
		t.Errorf("multi-line form stored %+v", p)
	}
	ev, _ := st.UpcomingEvents(context.Background(), "krefeld", time.Now(), 1)
	if len(ev) != 1 || ev[0].Text != "Music | and more" || ev[0].Place != "Stadtpark" {
		t.Errorf("event form stored %+v", ev)
	}

	before, _ := st.LatestPosts(context.Background(), "", 100)
	long := strings.Repeat("x", 3001)
	bad := []struct{ cmd, want string }{
		{"/visit", "Expected"},
		{"/visit venlo | 2025-10-30 | Title only", "Expected"},
		{"/visit atlantis | 2025-10-30 | T | X", "City"},
		{"/visit venlo | 30.10.2025 | T | X", "Date"},
		{"/visit venlo | 2025-02-30 | T | X", "Date"},
		{"/visit venlo | 2025-10-30 |  | X", "Title"},
		{"/visit venlo | 2025-10-30 | " + strings.Repeat("t", 201) + " | X", "limit is 200"},
		{"/visit venlo | 2025-10-30 | T | " + long, "limit is 3000"},
		{"/agreement | 2025-10-30 | T | X", "City"},
		{"/agreement venlo | yesterday | T | X", "Date"},
		{"/event krefeld | " + future + " 25:00 | P | T | X", "Start"},
		{"/event krefeld | " + future + " | P | T | X", "Start"},
		{"/event krefeld | 2027-03-28 02:30 | P | T | X", "does not exist"},
		{"/event krefeld | " + future + " 18:00 | " + strings.Repeat("p", 201) + " | T | X", "Place"},
		{"/event paris | " + future + " 18:00 | P | T | X", "City"},
		{"/announce atlantis | hi", "City"},
		{"/announce all |   ", "Text"},
	}
	for _, tt := range bad {
		m := o.ask(tt.cmd)
		mustContain(t, m.Plain, tt.want)
		if !strings.Contains(m.Plain, "Example") {
			t.Errorf("%q: no example in %q", tt.cmd, m.Plain)
		}
	}
	after, _ := st.LatestPosts(context.Background(), "", 100)
	if len(after) != len(before) {
		t.Errorf("malformed forms saved %d posts", len(after)-len(before))
	}
	// An event in the past needs a confirmation.
	m := o.ask("/event krefeld | 2020-01-01 18:00 | P | Old concert | X")
	mustContain(t, m.Plain, "past")
	if got, _ := st.LatestPosts(context.Background(), "", 100); len(got) != len(after) {
		t.Fatal("past event saved without confirmation")
	}
	_, got := o.tap(m, "Publish anyway")
	postIDIn(t, lastWith(t, got, "#").Plain)
}

func TestResidentCannotDoOfficialThings(t *testing.T) {
	e := newOfficialEnv(t)
	e.start()
	st := e.store()
	r := e.private(500, "en")
	ctx := context.Background()
	before, _ := st.LatestPosts(ctx, "", 100)
	for _, cmd := range []string{"/post", "/cancel", "/visit venlo | 2025-10-30 | T | X", "/agreement venlo | 2025-10-30 | T | X",
		"/event venlo | 2030-01-01 10:00 | P | T | X", "/announce all | spam", "/edit 1", "/delete 1", "/audit", "/stats",
		"/digest_preview", "/grant 500", "/revoke 900", "/officials"} {
		mustContain(t, r.ask(cmd).Plain, "officials only")
	}
	// Forged official buttons: refused, nothing changes.
	for _, data := range []string{"w:pub", "w:k-visit", "x:1", "w:c-all"} {
		_, cb := e.tg.SendCallback(r.chat, r.user, 1, data)
		if a := e.tg.WaitAnswer(t, wait, cb); !strings.Contains(a.Text, "officials only") {
			t.Errorf("forged %q answered %q", data, a.Text)
		}
	}
	after, _ := st.LatestPosts(ctx, "", 100)
	if len(after) != len(before) {
		t.Error("a resident changed posts")
	}
	if _, err := st.Official(ctx, 500); err == nil {
		t.Error("a resident granted themselves a role")
	}
	if !strings.Contains(e.logs.String(), "refused official action") || !strings.Contains(e.logs.String(), "user_id=500") {
		t.Error("refusals not logged with the user id")
	}
	// In a group, the role of the sender counts, not the chat.
	g := e.group(-100500, r)
	mustContain(t, g.ask("/announce@"+e.tg.BotUsername()+" all | spam").Plain, "officials only")
}

func TestGrantPublishRevoke(t *testing.T) {
	e := newOfficialEnv(t)
	e.start()
	o := e.private(ownerID, "en")
	ed := e.private(700, "en")
	ed.user.Username = "editor_anna"
	ed.ask("/start") // the editor talks to the bot first, so @username is known
	mustContain(t, ed.ask("/stats").Plain, "officials only")
	mustContain(t, o.ask("/grant @Editor_Anna").Plain, "now an editor")
	if cmds := e.tg.Commands("chat", 700, "en"); len(cmds) <= 12 {
		t.Errorf("editor menu has %d commands", len(cmds))
	}
	mustContain(t, o.ask("/officials").Plain, "@editor_anna", "editor", "owner")
	mustContain(t, o.ask("/grant @nobody_here").Plain, "don't know")
	m := ed.ask("/announce venlo | From the new editor")
	postIDIn(t, m.Plain)
	mustContain(t, ed.ask("/help").Plain, "For officials", "/post")
	if strings.Contains(ed.ask("/help").Plain, "/grant") {
		t.Error("an editor sees owner commands")
	}
	mustContain(t, ed.ask("/grant 123").Plain, "owners")
	mustContain(t, o.ask("/revoke 900").Plain, "cannot be revoked")
	mustContain(t, o.ask("/revoke @editor_anna").Plain, "no longer an editor")
	mustContain(t, ed.ask("/announce venlo | Again").Plain, "officials only")
	if cmds := e.tg.Commands("chat", 700, "en"); len(cmds) != 0 {
		t.Errorf("revoked editor keeps a menu of %d commands", len(cmds))
	}
	mustContain(t, o.ask("/revoke @editor_anna").Plain, "not an editor")
}

func TestEditDeleteAudit(t *testing.T) {
	e := newOfficialEnv(t)
	e.start()
	st := e.store()
	o := e.private(ownerID, "en")
	id := postIDIn(t, o.ask("/visit venlo | 2025-10-30 | Original title | Text").Plain)
	got := o.say(fmt.Sprintf("/edit %d", id))
	preview := lastWith(t, got, "Original title")
	_, got = o.tap(preview, "Edit a field")
	_, got = o.tap(got[0], "Title")
	mustContain(t, got[0].Plain, "title")
	got = o.say("Better title")
	_, got = o.tap(lastWith(t, got, "Better title"), "Publish")
	mustContain(t, lastWith(t, got, "#").Plain, "updated")
	p, _ := st.Post(context.Background(), id)
	if p.Title != "Better title" {
		t.Errorf("title after edit %q", p.Title)
	}
	audit := o.ask(fmt.Sprintf("/audit %d", id))
	mustContain(t, audit.Plain, "created", "edited", "title: Original title → Better title", "900")

	confirm := o.ask(fmt.Sprintf("/delete #%d", id))
	mustContain(t, confirm.Plain, "Better title")
	kept, _ := o.tap(confirm, "Keep it")
	mustContain(t, kept.Plain, "Nothing was deleted")
	if _, err := st.Post(context.Background(), id); err != nil {
		t.Fatal("kept post is gone")
	}
	confirm = o.ask(fmt.Sprintf("/delete %d", id))
	done, _ := o.tap(confirm, "Yes, delete")
	mustContain(t, done.Plain, "deleted")
	if _, err := st.Post(context.Background(), id); err == nil {
		t.Error("post still there")
	}
	mustContain(t, o.ask("/audit").Plain, "deleted", "created")
	mustContain(t, o.ask("/delete 99999").Plain, "no post #99999")
	mustContain(t, o.ask("/edit abc").Plain, "/edit 42")
}

func TestAnnouncementReachesItsCityOnly(t *testing.T) {
	e := newOfficialEnv(t)
	e.start()
	venloFan := e.private(301, "en")
	krefeldFan := e.private(302, "de")
	noAnnouncements := e.private(303, "en")
	venloFan.ask("/subscribe venlo")
	krefeldFan.ask("/subscribe krefeld")
	noAnnouncements.ask("/subscribe venlo")
	kb := noAnnouncements.ask("/subscribe")
	noAnnouncements.tap(kb, "Announcements")

	o := e.private(ownerID, "en")
	m := o.ask("/announce venlo | Town hall <script>alert(1)</script> & café\nSecond line")
	mustContain(t, m.Plain, "1 subscriber")
	got := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(301), telegramtest.TextContains("Town hall")))
	mustContain(t, got.Plain, "Town hall <script>alert(1)</script> & café\nSecond line", "Venlo")
	if strings.Contains(got.Text, "<script>") {
		t.Errorf("official's HTML reached a resident unescaped: %q", got.Text)
	}
	// Everything queued has gone out: nobody else got it.
	e.waitOutboxEmpty()
	for _, id := range []int64{302, 303, ownerID} {
		for _, m := range e.tg.SentTo(id) {
			if strings.Contains(m.Plain, "Town hall") {
				t.Errorf("chat %d got the Venlo announcement", id)
			}
		}
	}
	mustContain(t, o.ask("/stats").Plain, "Venlo: 2", "Krefeld: 1", "Announcement: 1")
}

// waitOutboxEmpty waits until every queued message has been settled.
func (e *env) waitOutboxEmpty() {
	e.t.Helper()
	testkit.WaitOutboxSettled(e.t, e.store(), wait)
}

func TestDigestPreviewAndStats(t *testing.T) {
	e := newOfficialEnv(t)
	e.start()
	o := e.private(ownerID, "en")
	mustContain(t, o.ask("/digest_preview").Plain, "not subscribed")
	o.ask("/subscribe krefeld")
	o.ask("/visit krefeld | 2026-01-01 | Fresh visit | Details")
	o.say("/announce krefeld | Not in digests")
	e.waitOutboxEmpty() // the owner follows Krefeld: the announcement reaches them too
	got := o.say("/digest_preview")
	all := strings.Join(plains(got), "\n")
	mustContain(t, all, "Fresh visit", "Krefeld")
	if strings.Contains(all, "Not in digests") {
		t.Error("announcement repeated in the digest preview")
	}
	stats := o.ask("/stats")
	mustContain(t, stats.Plain, "Chats: 1", "Visit: 1", "Announcement: 1", "English: 1", "daily: 1", "Last digest run")
}

// The wizard applies the rules the forms apply. A date the /visit form
// refuses (the year 3000) is refused at the date step with the form's
// message, nothing is published, and the step takes the next answer; a
// draft that breaks the rules anyway (saved by an older version, whose
// steps were looser) is refused at Publish.
func TestWizardRefusesImplausibleDate(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.start()
	st := e.store()
	ctx := context.Background()
	o := e.private(ownerID, "en")
	_, got := o.tap(o.ask("/post"), "Visit")
	o.tap(got[0], "Venlo")
	o.say("Visit from the future")
	o.say("Time travel")
	m := o.ask("3000-01-01")
	if !strings.HasPrefix(m.Plain, "❌ Date: 3000-01-01") || !strings.Contains(m.Plain, "between 1900 and 2999") {
		t.Errorf("wizard date 3000-01-01 answered %q, want the form's refusal naming the Date", m.Plain)
	}
	if d, err := st.Draft(ctx, ownerID); err != nil || d.Step != "date" || d.Post.Date.Year() == 3000 {
		t.Errorf("draft after a refused date: %+v, %v; want it unchanged at the date step", d, err)
	}
	if n := countPosts(t, st, "Visit from the future"); n != 0 {
		t.Fatalf("%d posts published with the year 3000", n)
	}

	// The step asks again: a plausible date goes on to the preview.
	got = o.say("2025-10-30")
	_, got = o.tap(got[len(got)-1], "Skip")
	preview := lastWith(t, got, "Visit from the future")
	d, err := st.Draft(ctx, ownerID)
	if err != nil {
		t.Fatal(err)
	}
	d.Post.Date = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := st.SaveDraft(ctx, d, time.Hour); err != nil {
		t.Fatal(err)
	}
	_, got = o.tap(preview, "Publish")
	if len(got) == 0 || !strings.HasPrefix(got[0].Plain, "❌ Date") {
		t.Errorf("publishing a draft dated 3000 answered %q, want the form's refusal naming the Date", plains(got))
	}
	if n := countPosts(t, st, "Visit from the future"); n != 0 {
		t.Errorf("%d posts published with the year 3000", n)
	}
	if d, err := st.Draft(ctx, ownerID); err != nil || d.Step != "preview" {
		t.Errorf("draft after a refused publish: %+v, %v; want it kept at the preview", d, err)
	}
}
